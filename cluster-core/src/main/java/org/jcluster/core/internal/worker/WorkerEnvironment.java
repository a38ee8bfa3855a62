package org.jcluster.core.internal.worker;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the primary tells a worker JVM through its environment. The presence of
 * {@value #WORKER_ID} is what makes a process a worker (Node's NODE_UNIQUE_ID, rule 1).
 *
 * <p>The secret is readable only by the same user (/proc/PID/environ is 0400); together with the
 * SO_PEERCRED pid check it proves to the primary which worker connected.
 */
public record WorkerEnvironment(int workerId, Path socketPath, String secret, String serialization,
        int maxFrameBytes, int sendHighWaterMark, List<String> messageTypes, String schedulingPolicy) {

    public static final String WORKER_ID = "JCLUSTER_WORKER_ID";
    static final String SOCKET = "JCLUSTER_IPC_SOCKET";
    static final String SECRET = "JCLUSTER_WORKER_SECRET";
    static final String SERIALIZATION = "JCLUSTER_SERIALIZATION";
    static final String MAX_FRAME = "JCLUSTER_MAX_FRAME_BYTES";
    static final String HIGH_WATER = "JCLUSTER_SEND_HIGH_WATER_MARK";
    static final String MESSAGE_TYPES = "JCLUSTER_MESSAGE_TYPES";
    static final String POLICY = "JCLUSTER_SCHED_POLICY";

    public static boolean isWorkerProcess() {
        String id = System.getenv(WORKER_ID);
        return id != null && !id.isEmpty();
    }

    public static void put(Map<String, String> env, WorkerEnvironment w) {
        env.put(WORKER_ID, Integer.toString(w.workerId()));
        env.put(SOCKET, w.socketPath().toString());
        env.put(SECRET, w.secret());
        env.put(SERIALIZATION, w.serialization());
        env.put(MAX_FRAME, Integer.toString(w.maxFrameBytes()));
        env.put(HIGH_WATER, Integer.toString(w.sendHighWaterMark()));
        env.put(MESSAGE_TYPES, String.join(",", w.messageTypes()));
        env.put(POLICY, w.schedulingPolicy());
    }

    /** Reads this worker's environment; a missing or bad variable says which and that the primary sets it. */
    public static WorkerEnvironment read() {
        Map<String, String> env = System.getenv();
        return new WorkerEnvironment(integer(env, WORKER_ID), Path.of(required(env, SOCKET)), required(env, SECRET),
                required(env, SERIALIZATION), integer(env, MAX_FRAME), integer(env, HIGH_WATER),
                env.getOrDefault(MESSAGE_TYPES, "").isEmpty() ? List.of()
                        : Arrays.asList(env.get(MESSAGE_TYPES).split(",")),
                env.getOrDefault(POLICY, "rr"));
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException("This JVM has " + WORKER_ID + " set, so it is a jcluster worker, but "
                    + name + " is missing: worker JVMs must be started by a jcluster primary's fork(), which sets it");
        }
        return value;
    }

    private static int integer(Map<String, String> env, String name) {
        String value = required(env, name);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(name + "=" + value + " is not a number; worker JVMs must be started"
                    + " by a jcluster primary's fork(), which sets it");
        }
    }
}
