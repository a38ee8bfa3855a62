package org.jcluster.supervisor;

import org.jcluster.api.Worker;

/**
 * A worker the supervisor replaces is about to be told to leave (its replacement ready, or, with
 * {@code reload.surge} 0, forked after it has left). The listeners run just before its {@code disconnect()},
 * on the event thread, so whatever they send it (a last
 * message, a {@link Worker#ask}) reaches it first and is answered before its channel closes. A metrics
 * scrape takes its last look here.
 *
 * @param worker the worker about to leave
 * @param slot its slot ({@link SupervisedWorker#slot()}), which its replacement takes
 * @param recycled true when it passed a recycling limit; false for a reload
 */
public record Leaving(Worker worker, int slot, boolean recycled) {
}
