package org.jcluster.supervisor;

import org.jcluster.api.Worker;

/**
 * A worker that reached a recycling limit was replaced, through the reload path: its replacement became
 * ready, then it drained and left.
 *
 * @param replaced the worker that reached the limit (dead by now)
 * @param replacement the worker serving in its place
 * @param reason which limit
 * @param value what the worker had reached: connections, or bytes
 * @param limit the limit it passed (for connections, with this worker's jitter)
 */
public record Recycled(Worker replaced, Worker replacement, Reason reason, long value, long limit) {

    /** Which limit a recycled worker passed. */
    public enum Reason {
        /** {@link SupervisorSettings#recycleConnections()}: connections its servers took. */
        CONNECTIONS,
        /** {@link SupervisorSettings#recycleMemory()}: its resident set, read from /proc. */
        RESIDENT_MEMORY,
        /** {@link SupervisorSettings#recycleHeap()}: its heap used after GC, as it reports it. */
        HEAP
    }
}
