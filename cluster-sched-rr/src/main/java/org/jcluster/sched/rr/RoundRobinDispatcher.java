package org.jcluster.sched.rr;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;
import org.jctools.queues.MpmcUnboundedXaddArrayQueue;

/**
 * Node's round-robin for one shared server: a READY queue of idle workers, a PENDING queue of
 * connections waiting for one, and a RETRY queue (polled first) for connections that come back. A
 * worker gets its next connection only after it answered the last one.
 *
 * <p>Lock-free pairing of the two sides; the rules (R1-R6) and the argument that no connection is
 * left waiting while a worker is idle are in the {@linkplain org.jcluster.sched.rr package
 * documentation}, and the comments below cite them.
 *
 * <p>Hot path (accepted, handed off, acknowledged): no allocation (the queues pool their chunks), one
 * map lookup per answer, a handful of atomic operations.
 */
final class RoundRobinDispatcher implements ConnectionDispatcher {
    private static final System.Logger LOG = System.getLogger(RoundRobinDispatcher.class.getName());

    /** Workers per server are few; a chunk of 32 holds them all in steady state. */
    private static final int READY_CHUNK = 32;
    /** Bursts of waiting connections grow the queue a chunk at a time; two chunks are kept for reuse. */
    private static final int PENDING_CHUNK = 256;
    private static final int RETRY_CHUNK = 32;
    private static final int POOLED_CHUNKS = 2;

    /**
     * Makes the queues. Tests pass a subclass that widens race windows; production uses the JCTools class
     * itself, so the calls stay monomorphic.
     */
    interface Queues {
        Queues JCTOOLS = MpmcUnboundedXaddArrayQueue::new;

        <E> MpmcUnboundedXaddArrayQueue<E> create(int chunkSize, int maxPooledChunks);
    }

    private final DispatchContext context;
    private final ConcurrentHashMap<Worker, WorkerSlot> slots = new ConcurrentHashMap<>();
    private final MpmcUnboundedXaddArrayQueue<WorkerSlot> ready;
    private final MpmcUnboundedXaddArrayQueue<PendingConnection> pending;
    private final MpmcUnboundedXaddArrayQueue<PendingConnection> retry;
    private volatile boolean closed;

    RoundRobinDispatcher(DispatchContext context) {
        this(context, Queues.JCTOOLS);
    }

    RoundRobinDispatcher(DispatchContext context, Queues queues) {
        this.context = Objects.requireNonNull(context, "context");
        ready = queues.create(READY_CHUNK, POOLED_CHUNKS);
        pending = queues.create(PENDING_CHUNK, POOLED_CHUNKS);
        retry = queues.create(RETRY_CHUNK, POOLED_CHUNKS);
    }

    @Override
    public void workerJoined(Worker worker) {
        Objects.requireNonNull(worker, "worker");
        WorkerSlot fresh = new WorkerSlot(worker);
        WorkerSlot previous = slots.putIfAbsent(worker, fresh);
        if (previous != null) {
            // A slot retired by a failed hand-off stays mapped until workerLeft; a new join replaces it
            // (R2: the old one is GONE for good). A second join of a listening worker changes nothing.
            if (previous.state() != WorkerSlot.GONE || !slots.replace(worker, previous, fresh)) {
                LOG.log(Level.DEBUG, "worker {0} joined twice; ignored", worker.id());
                return;
            }
        }
        ready.offer(fresh);
        pair(); // R3: connections may be waiting for it
    }

    @Override
    public void workerLeft(Worker worker) {
        WorkerSlot slot = slots.remove(worker);
        if (slot != null) {
            // R2: its entry in the ready queue, if any, is now stale and skipped when polled. Nothing is
            // queued per worker: connections wait in the shared queues and go to whoever is ready next.
            slot.retire();
        }
    }

    @Override
    public void connectionAccepted(PendingConnection connection) {
        Objects.requireNonNull(connection, "connection");
        // Fast path (R3): nothing waits, so nothing is overtaken; an idle worker takes it without a trip
        // through the pending queue. Nothing is offered, so no check is owed.
        if (!closed && waitingIsEmpty()) {
            WorkerSlot slot = claimReady();
            if (slot != null) {
                if (!handOff(slot, connection)) {
                    retry.offer(connection);
                    pair();
                }
                return;
            }
        }
        pending.offer(connection);
        pair(); // R3
    }

    @Override
    public void connectionAcknowledged(Worker worker, PendingConnection connection) {
        WorkerSlot slot = slots.get(worker);
        // R4: only the answer to this slot's own connection readies it; late answers are ignored.
        if (slot != null && slot.answered(connection)) {
            if (waitingIsEmpty()) {
                ready(slot);
            } else {
                pair(slot); // still BUSY, held: its next connection comes straight from the queue (R3)
            }
        }
    }

    @Override
    public void connectionRefused(Worker worker, PendingConnection connection) {
        Objects.requireNonNull(connection, "connection");
        WorkerSlot slot = slots.get(worker);
        boolean itsOwn = slot != null && slot.answered(connection);
        // Back to the head of the line, and offered to the other idle workers before the refusing one is
        // idle again (Node: distribute(handle) before handoff(worker)). R4: taken back in any case.
        retry.offer(connection);
        pair();
        if (itsOwn) {
            ready(slot);
        }
    }

    @Override
    public void close() {
        closed = true; // R5: then drain
        closeWaiting();
        for (WorkerSlot slot : slots.values()) {
            slot.retire();
        }
        slots.clear();
        while (ready.poll() != null) {
            // drop the references
        }
    }

    /** BUSY -> READY, then offered and checked against the waiting connections (R1, R3). */
    private void ready(WorkerSlot slot) {
        if (slot.release()) {
            ready.offer(slot);
            pair();
        }
    }

    private void pair() {
        pair(null);
    }

    /**
     * R3: pairs idle workers with waiting connections until one side is empty. Every offer to either
     * side is followed by a call, which is what rules out the lost wake-up (package documentation).
     *
     * @param held a BUSY slot this thread owns and has not offered (its worker just answered), which
     *     takes the first waiting connection; or null
     */
    private void pair(WorkerSlot held) {
        WorkerSlot slot = held;
        for (;;) {
            if (closed) { // R5
                closeWaiting();
                return;
            }
            if (slot == null) {
                if (waitingIsEmpty()) { // (a)
                    return;
                }
                slot = claimReady(); // (b)
                if (slot == null) {
                    return;
                }
            }
            PendingConnection connection = pollWaiting(); // (c)
            if (connection == null) {
                // Someone else took it. Put the slot back; the next turn re-checks P (the case the
                // package documentation singles out).
                if (slot.release()) {
                    ready.offer(slot);
                }
                slot = null;
                continue;
            }
            if (!handOff(slot, connection)) {
                retry.offer(connection); // still ours; the next turn offers it to the next worker
            }
            slot = null;
        }
    }

    private boolean waitingIsEmpty() {
        return retry.isEmpty() && pending.isEmpty();
    }

    /** The head of the line: refused connections first (R3, "P"). */
    private PendingConnection pollWaiting() {
        PendingConnection connection = retry.poll();
        return connection != null ? connection : pending.poll();
    }

    /** Polls the ready queue until a slot is claimed; stale (GONE) entries are dropped (R2). */
    private WorkerSlot claimReady() {
        WorkerSlot slot;
        while ((slot = ready.poll()) != null) {
            if (slot.claim()) {
                return slot;
            }
        }
        return null;
    }

    /**
     * Hands {@code connection} to the claimed slot's worker. On false the slot is retired (the worker
     * can no longer take connections; workerLeft will follow) and the connection is still ours.
     */
    private boolean handOff(WorkerSlot slot, PendingConnection connection) {
        slot.handing(connection); // R4: before the answer can arrive, on another thread
        if (slot.state() == WorkerSlot.BUSY) { // narrows the race with workerLeft (package doc)
            boolean taken;
            try {
                taken = context.handOff(slot.worker, connection);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "handing connection " + connection.id() + " to worker " + slot.worker.id()
                        + " failed; the worker gets no more connections from this server", e);
                taken = false;
            }
            if (taken) {
                return true;
            }
        }
        slot.retire();
        return false;
    }

    private void closeWaiting() {
        closeAll(retry);
        closeAll(pending);
    }

    private static void closeAll(MpmcUnboundedXaddArrayQueue<PendingConnection> queue) {
        PendingConnection connection;
        while ((connection = queue.poll()) != null) {
            try {
                connection.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing waiting connection " + connection.id() + " failed", e);
            }
        }
    }

    // For tests and diagnostics: snapshots, exact only when no call is running.

    /** Connections waiting for a worker. */
    int waitingCount() {
        return retry.size() + pending.size();
    }

    /** Listening workers that are idle. */
    int idleCount() {
        int idle = 0;
        for (WorkerSlot slot : slots.values()) {
            if (slot.state() == WorkerSlot.READY) {
                idle++;
            }
        }
        return idle;
    }

    @Override
    public String toString() {
        List<String> workers = new ArrayList<>();
        slots.values().forEach(s -> workers.add(s.toString()));
        return "RoundRobinDispatcher[" + context.address() + ", waiting " + waitingCount() + ", workers " + workers
                + (closed ? ", closed" : "") + "]";
    }
}
