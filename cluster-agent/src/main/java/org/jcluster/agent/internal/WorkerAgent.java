package org.jcluster.agent.internal;

import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

import org.jcluster.api.Cluster;

/**
 * The agent's implementation, loaded in the agent's own class loader by
 * {@link org.jcluster.agent.AgentMain}: joins the cluster, then hooks the JDK's bind, and answers the
 * primary's asks for the program's Micrometer meters.
 */
public final class WorkerAgent {
    private WorkerAgent() {
    }

    private static Duration drain(String value) {
        try {
            Duration drain = Duration.parse(value);
            if (!drain.isNegative()) {
                return drain;
            }
        } catch (DateTimeParseException e) {
            // said below
        }
        throw new IllegalArgumentException("agent argument drain=" + value
                + ": write a duration of zero or more in ISO-8601, e.g. drain=PT25S");
    }

    /**
     * Joins the cluster as a worker and installs the bind hook.
     *
     * @param arguments the agent's: {@code policy=none} (binds go to the primary, which shares one
     *     listening socket) or {@code policy=reuseport} (each worker binds its own socket with
     *     SO_REUSEPORT), and {@code drain=PT25S}, how long a worker leaving gracefully waits for the
     *     connections it accepted to close before it exits
     * @return the hook for {@code BindBridge}, or null when this JVM was not started by a primary
     */
    public static Function<Object[], Object> install(Instrumentation instrumentation, String arguments)
            throws ClassNotFoundException, UnmodifiableClassException {
        String policy = "none";
        Duration drain = Duration.ofSeconds(25);
        for (String pair : arguments.isBlank() ? new String[0] : arguments.split(",")) {
            String[] kv = pair.split("=", 2);
            String value = kv.length == 2 ? kv[1].trim() : "";
            switch (kv[0].trim()) {
                case "policy" -> policy = value;
                case "drain" -> drain = drain(value);
                default -> throw new IllegalArgumentException("unknown agent argument '" + pair
                        + "': the agent takes policy=none|reuseport and drain=PT25S");
            }
        }
        if (!policy.equals("none") && !policy.equals("reuseport")) {
            throw new IllegalArgumentException("agent argument policy=" + policy + ": write policy=none or policy=reuseport");
        }
        Cluster cluster = Cluster.get();
        if (cluster.isPrimary()) {
            System.err.println("jcluster agent: this JVM was not started by a jcluster primary (bin/jcluster run"
                    + " starts the workers); its sockets are left alone");
            return null;
        }
        cluster.unrefChannel(); // the application's own threads decide when this JVM ends
        SocketSharing sharing = new SocketSharing(cluster, policy.equals("reuseport"), drain);
        JdkBindTransformer.install(instrumentation);
        NativeTransports.watch(instrumentation);
        ProgramMeters.answer(cluster, instrumentation);
        return sharing;
    }
}
