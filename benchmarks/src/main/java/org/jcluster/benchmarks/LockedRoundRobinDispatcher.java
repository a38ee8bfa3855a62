package org.jcluster.benchmarks;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;

/**
 * The baseline for {@link RoundRobinDispatchBenchmark}: Node's round-robin as jcluster.sched.rr has it
 * (a ready queue of idle workers, a pending queue, refusals back at the head, one connection per worker
 * until it answers, one map lookup per answer) without its fair dealing, its calls serialized by one
 * monitor instead of the core's turns, the hand-off made while holding it.
 */
final class LockedRoundRobinDispatcher implements ConnectionDispatcher {
    private static final class Slot {
        final Worker worker;
        PendingConnection inFlight;

        Slot(Worker worker) {
            this.worker = worker;
        }
    }

    private final DispatchContext context;
    private final ArrayDeque<Slot> ready = new ArrayDeque<>();
    private final ArrayDeque<PendingConnection> pending = new ArrayDeque<>();
    private final Map<Worker, Slot> listening = new HashMap<>();
    private boolean closed;

    LockedRoundRobinDispatcher(DispatchContext context) {
        this.context = context;
    }

    @Override
    public synchronized void workerJoined(Worker worker) {
        if (closed || listening.containsKey(worker)) {
            return;
        }
        Slot slot = new Slot(worker);
        listening.put(worker, slot);
        ready.add(slot);
        pair();
    }

    @Override
    public synchronized void workerLeft(Worker worker) {
        Slot slot = listening.remove(worker);
        if (slot != null) {
            ready.remove(slot); // O(workers); joins and leaves are rare
        }
    }

    @Override
    public synchronized void connectionAccepted(PendingConnection connection) {
        pending.add(connection);
        pair();
    }

    @Override
    public synchronized void connectionAcknowledged(Worker worker, PendingConnection connection) {
        Slot slot = listening.get(worker);
        if (slot != null && slot.inFlight == connection) {
            slot.inFlight = null;
            ready.add(slot);
            pair();
        }
    }

    @Override
    public synchronized void connectionRefused(Worker worker, PendingConnection connection) {
        Slot slot = listening.get(worker);
        pending.addFirst(connection);
        pair(); // to another idle worker first
        if (slot != null && slot.inFlight == connection) {
            slot.inFlight = null;
            ready.add(slot);
            pair();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        pair();
        ready.clear();
        listening.clear();
    }

    private void pair() {
        if (closed) {
            PendingConnection c;
            while ((c = pending.poll()) != null) {
                c.close();
            }
            return;
        }
        while (!pending.isEmpty() && !ready.isEmpty()) {
            Slot slot = ready.poll();
            PendingConnection c = pending.poll();
            slot.inFlight = c;
            if (!context.handOff(slot.worker, c)) {
                slot.inFlight = null;
                listening.remove(slot.worker, slot);
                pending.addFirst(c);
            }
        }
    }
}
