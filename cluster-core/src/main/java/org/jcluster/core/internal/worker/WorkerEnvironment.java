package org.jcluster.core.internal.worker;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the primary tells a worker JVM through its environment. The presence of
 * {@value #WORKER_ID} is what makes a process a worker (Node's NODE_UNIQUE_ID, rule 1), unless the
 * JVM descends from the worker it names (see {@link #isWorkerProcess()}).
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
    /** The pid of the primary that forked the worker. */
    static final String PRIMARY_PID = "JCLUSTER_PRIMARY_PID";

    private static final System.Logger LOG = System.getLogger("org.jcluster");

    /**
     * Whether this JVM is a worker. A Node worker deletes NODE_UNIQUE_ID at start-up, so that a process
     * it spawns is a primary again (test-cluster-basic). Java cannot edit its own environment, so a JVM
     * that a worker starts inherits every variable here, and two facts tell it apart from the worker:
     * the primary forks its workers itself, so a worker's parent is the primary; and each worker claims
     * its id at start-up ({@link #claimId()}), so a JVM whose parent is not the primary and whose id is
     * already claimed descends from that worker and is a primary. A JVM that finds its id unclaimed
     * stays a worker even when its parent is not the primary: an orphan whose primary died as it
     * started (it then finds no channel and exits, Node rule 4), or a JVM that a
     * {@code ClusterSettings.javaCommand} wrapper started without exec'ing it (the primary's
     * SO_PEERCRED check then refuses it, and says why), rather than a stray primary forking workers.
     */
    public static boolean isWorkerProcess() {
        String id = System.getenv(WORKER_ID);
        if (id == null || id.isEmpty()) {
            return false;
        }
        OptionalLong named = primaryPid();
        if (named.isEmpty()) {
            return true; // read() then names what is missing or malformed
        }
        long primary = named.getAsLong();
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        if (parent == primary) {
            return true;
        }
        Optional<Path> claim = claimPath(id);
        if (claim.isEmpty() || !Files.exists(claim.get())) {
            return true;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "jcluster: this JVM inherited " + WORKER_ID + "=" + id
                + " from that worker (its parent, pid " + parent + ", is not the primary, pid " + primary
                + ", and worker " + id + " has started): it is a primary, as the children of a Node worker are");
        return false;
    }

    /**
     * Marks this worker's id as taken, in the primary's private IPC directory (which the primary
     * empties when it closes), so that JVMs this worker starts know they are not it. Best effort: if
     * the directory is gone, so is the primary, and connecting fails next.
     */
    public void claimId() {
        Path marker = claimFile(socketPath, workerId);
        try {
            Files.createFile(marker);
        } catch (FileAlreadyExistsException e) {
            // Claimed by a JVM that this worker started before it asked for its Cluster, which then
            // took itself for the worker: the primary's SO_PEERCRED check refuses that one.
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "jcluster: cannot claim worker id at " + marker + ": " + e);
        }
    }

    private static Optional<Path> claimPath(String id) {
        String socket = System.getenv(SOCKET);
        if (socket == null || socket.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(claimFile(Path.of(socket), Integer.parseInt(id)));
        } catch (RuntimeException e) {
            return Optional.empty(); // read() names the malformed variable
        }
    }

    /** Where worker {@code workerId} claims its id: beside the primary's socket. */
    public static Path claimFile(Path socketPath, int workerId) {
        return socketPath.resolveSibling("worker-" + workerId + ".claimed");
    }

    /** Called by the primary as it forks: the variables for worker {@code w}, and the primary's own pid. */
    public static void put(Map<String, String> env, WorkerEnvironment w) {
        env.put(WORKER_ID, Integer.toString(w.workerId()));
        env.put(PRIMARY_PID, Long.toString(ProcessHandle.current().pid()));
        env.put(SOCKET, w.socketPath().toString());
        env.put(SECRET, w.secret());
        env.put(SERIALIZATION, w.serialization());
        env.put(MAX_FRAME, Integer.toString(w.maxFrameBytes()));
        env.put(HIGH_WATER, Integer.toString(w.sendHighWaterMark()));
        env.put(MESSAGE_TYPES, String.join(",", w.messageTypes()));
        env.put(POLICY, w.schedulingPolicy());
    }

    /** The pid of the primary that forked this worker, when the environment names one. */
    public static OptionalLong primaryPid() {
        try {
            return OptionalLong.of(Long.parseLong(System.getenv(PRIMARY_PID)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
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
