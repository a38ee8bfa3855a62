package org.jcluster.examples.sticky;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;

/**
 * The primary, as far as a dispatcher can see it: records every hand-off attempt in order, and answers
 * false for workers the test marked as unable to take connections. Thread-safe, for the stress test.
 */
final class RecordingContext implements DispatchContext {
    record HandOff(Worker worker, PendingConnection connection, boolean taken) {
        @Override
        public String toString() {
            return connection + "->" + worker.id() + (taken ? "" : " (not taken)");
        }
    }

    final List<HandOff> attempts = Collections.synchronizedList(new ArrayList<>());
    /** Workers whose hand-offs answer false (their channel closed, say). */
    final Set<Worker> cannotTake = ConcurrentHashMap.newKeySet();
    /** Decides each hand-off's answer; by default, taken unless the worker is in {@link #cannotTake}. */
    volatile BiPredicate<Worker, PendingConnection> taker = (w, c) -> !cannotTake.contains(w);

    @Override
    public ListenAddress address() {
        return new ListenAddress("127.0.0.1", 8000, AddressType.TCP4);
    }

    @Override
    public boolean handOff(Worker worker, PendingConnection connection) {
        boolean taken = taker.test(worker, connection);
        attempts.add(new HandOff(worker, connection, taken));
        return taken;
    }

    @Override
    public Registration schedule(Duration delay, Runnable task) {
        throw new UnsupportedOperationException("the sticky policy schedules nothing; a test of one that does"
                + " needs a context that runs its tasks");
    }

    /** The successful hand-offs, as "cN->workerId". */
    List<String> handed() {
        synchronized (attempts) {
            return attempts.stream().filter(HandOff::taken).map(HandOff::toString).toList();
        }
    }

    HandOff last() {
        synchronized (attempts) {
            return attempts.get(attempts.size() - 1);
        }
    }

    /** The worker the last successful hand-off of {@code connection} went to. */
    Worker workerOf(PendingConnection connection) {
        synchronized (attempts) {
            for (int i = attempts.size() - 1; i >= 0; i--) {
                HandOff h = attempts.get(i);
                if (h.connection() == connection && h.taken()) {
                    return h.worker();
                }
            }
        }
        throw new AssertionError(connection + " was never handed off; attempts: " + attempts);
    }
}
