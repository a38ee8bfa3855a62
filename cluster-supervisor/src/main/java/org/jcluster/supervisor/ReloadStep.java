package org.jcluster.supervisor;

import java.time.Duration;

import org.jcluster.api.Worker;

/**
 * One worker of a reload replaced: its replacement became ready, then it left.
 *
 * @param reload the reload's {@link ReloadStarted#number()}
 * @param replaced the worker that left (dead by now)
 * @param replacement the worker serving in its place
 * @param readyAfter from the replacement's fork until it was ready
 * @param took from the start of this step (the fork, or the old worker's disconnect when the batch had
 *     no surge left) until the replaced worker was gone: what a reload costs per worker
 */
public record ReloadStep(int reload, Worker replaced, Worker replacement, Duration readyAfter, Duration took) {
}
