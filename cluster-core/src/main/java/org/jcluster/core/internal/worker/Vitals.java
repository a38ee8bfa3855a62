package org.jcluster.core.internal.worker;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;

/** What a worker says of its memory and collectors when pinged (its connections: servers.ConnectionsTaken). */
final class Vitals {
    private Vitals() {
    }

    /**
     * The heap left in use after each heap pool's last collection, summed; -1 before any collection or
     * when no pool reports it. Unlike the heap in use now, it does not swing with garbage not yet
     * collected, so it is the figure a leak grows.
     */
    static long heapUsedAfterGc() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != MemoryType.HEAP) {
                continue;
            }
            MemoryUsage afterGc = pool.getCollectionUsage();
            if (afterGc != null) {
                sum += afterGc.getUsed();
            }
        }
        return sum > 0 ? sum : -1; // all zero: no collection yet
    }

    static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The collectors' time since the JVM started, summed (a collector that cannot tell adds nothing). */
    static long gcMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, collector.getCollectionTime());
        }
        return sum;
    }
}
