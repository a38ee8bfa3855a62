package org.jcluster.core.internal.servers;

import java.util.concurrent.atomic.LongAdder;

/** How many connections this JVM's servers have given to their handlers: what a worker reports in a ping. */
public final class ConnectionsTaken {
    private static final LongAdder COUNT = new LongAdder();

    private ConnectionsTaken() {
    }

    /** One more: taken by a server's handler, or accepted by the program itself ({@code Cluster.countConnection}). */
    public static void one() {
        COUNT.increment();
    }

    /** Since the JVM started. */
    public static long total() {
        return COUNT.sum();
    }
}
