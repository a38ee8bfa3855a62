package org.jcluster.sched.rr;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;

/**
 * A single-threaded primary for the deterministic tests: records every hand-off attempt, in order, and
 * answers false for workers whose channel the test closed.
 */
final class RecordingContext implements DispatchContext {
    record HandOff(Worker worker, PendingConnection connection, boolean taken) {
        @Override
        public String toString() {
            return connection + "->" + worker + (taken ? "" : " (not taken)");
        }
    }

    final List<HandOff> attempts = new ArrayList<>();
    /** Taken hand-offs not yet answered, for tests that play the workers' replies in order. */
    final Deque<HandOff> unanswered = new ArrayDeque<>();
    final Set<Worker> channelClosed = ConcurrentHashMap.newKeySet();
    /** Decides whether a hand-off is taken; by default, unless the worker's channel is closed. */
    BiPredicate<Worker, PendingConnection> taker = (w, c) -> !channelClosed.contains(w);

    @Override
    public ListenAddress address() {
        return new ListenAddress("127.0.0.1", 8000, AddressType.TCP4);
    }

    @Override
    public boolean handOff(Worker worker, PendingConnection connection) {
        boolean taken = taker.test(worker, connection);
        HandOff h = new HandOff(worker, connection, taken);
        attempts.add(h);
        if (taken) {
            unanswered.add(h);
        }
        return taken;
    }

    /** The successful hand-offs, as "cN->worker M". */
    List<String> handed() {
        return attempts.stream().filter(HandOff::taken).map(HandOff::toString).toList();
    }

    HandOff last() {
        return attempts.get(attempts.size() - 1);
    }
}
