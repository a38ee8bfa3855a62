package org.jcluster.core.internal.servers;

import java.util.concurrent.atomic.LongAdder;

/** How many connections this JVM's servers have given to their handlers: what a worker reports in a ping. */
public final class ConnectionsTaken {
    private static final LongAdder COUNT = new LongAdder();

    private ConnectionsTaken() {
    }

    static void one() {
        COUNT.increment();
    }

    /** Connections the program accepted itself (see {@code Cluster.countConnection}). */
    public static void acceptedByTheProgram() {
        COUNT.increment();
    }

    /** Since the JVM started. */
    public static long total() {
        return COUNT.sum();
    }
}
