package org.jcluster.sched.rr;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;

/**
 * Node's round-robin for one shared server: a READY queue of idle workers, a PENDING queue of
 * connections waiting for one, and a RETRY queue (polled first) for connections that come back. A
 * worker gets its next connection only after it answered the last one.
 *
 * <p>Lock-free pairing of the two sides, dealt out fairly (R7: a worker that answers first does not
 * get a burst's connections ahead of one that is only a little slower); the rules (R1-R7) and the
 * argument that no connection is left waiting while a worker is idle are in the {@linkplain
 * org.jcluster.sched.rr package documentation}, and the comments below cite them.
 *
 * <p>Hot path (accepted, handed off, acknowledged): one queue node allocated (24 bytes, the slot's way
 * back into the ready queue; R6), one map lookup per answer, a handful of atomic operations, and with
 * several workers one pass over them (R7). A hold (R7) may also allocate the patience timer's task, at
 * most one armed at a time.
 */
final class RoundRobinDispatcher implements ConnectionDispatcher {
    private static final System.Logger LOG = System.getLogger(RoundRobinDispatcher.class.getName());

    /**
     * R7's patience: how long a worker's answer is waited for before a faster worker gets the connection
     * instead. Answers on a loaded machine take milliseconds, and tens of them while a JVM is still
     * compiling or its host steals time: on the 2-core benchmark machine 2 ms evened out nothing, 20 ms
     * left cold bursts split 11/22 and runs 55/77, 100 ms split them 17/16 and 66/66 (docs/shared-servers.md,
     * "Fair dealing under rr"). The price is bounded: a worker that has stalled costs one wait of at most this (about
     * twice, counted from its hand-off), and is then skipped until it answers.
     */
    static final long PATIENCE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /**
     * Added to the patience timer's delay so that the run finds the awaited hand-off older than the
     * patience and does not hold again on it (it would only re-arm at once; this avoids the churn).
     */
    private static final long TIMER_MARGIN_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    private static final WorkerSlot[] NO_SLOTS = {};

    private static final VarHandle LIVE;
    private static final VarHandle ARMED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            LIVE = lookup.findVarHandle(RoundRobinDispatcher.class, "live", WorkerSlot[].class);
            ARMED = lookup.findVarHandle(RoundRobinDispatcher.class, "armed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The module's one timer thread, made on first use: a hold (R7) must end by the time the awaited
     * answer is overdue even if nothing else happens, and no dispatcher thread may wait for it.
     */
    private static final class PatienceTimer {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, "jcluster-rr-patience");
                thread.setDaemon(true); // a server's shutdown never waits for a timer
                return thread;
            });
            // A closed dispatcher's cancelled run should not be kept until its time.
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }
    }

    /**
     * Makes the queues. Tests pass a subclass that widens race windows; production uses the JDK class
     * itself, so the calls stay monomorphic. Why the JDK's queue and not a JCTools one: R6 in the package
     * documentation.
     */
    interface Queues {
        Queues JDK = ConcurrentLinkedQueue::new;

        <E> ConcurrentLinkedQueue<E> create();
    }

    private final DispatchContext context;
    private final long patienceNanos;
    private final ConcurrentHashMap<Worker, WorkerSlot> slots = new ConcurrentHashMap<>();
    /**
     * The mapped slots as an array, copied on join and leave, so that R7's pass over them allocates
     * nothing (iterating the map would). May hold GONE slots (a failed hand-off); they are skipped.
     */
    private volatile WorkerSlot[] live = NO_SLOTS;
    private final ConcurrentLinkedQueue<WorkerSlot> ready;
    private final ConcurrentLinkedQueue<PendingConnection> pending;
    private final ConcurrentLinkedQueue<PendingConnection> retry;
    private volatile boolean closed;
    /** A patience timer run is scheduled and has not started pairing yet (R7). */
    @SuppressWarnings("unused") // through ARMED
    private volatile boolean armed;
    private volatile ScheduledFuture<?> timer;
    private final Runnable patienceRun = this::patienceRanOut;

    RoundRobinDispatcher(DispatchContext context) {
        this(context, Queues.JDK);
    }

    RoundRobinDispatcher(DispatchContext context, Queues queues) {
        this(context, queues, PATIENCE_NANOS);
    }

    /** @param patienceNanos R7's patience; tests shorten it, or lengthen it so that no timer fires */
    RoundRobinDispatcher(DispatchContext context, Queues queues, long patienceNanos) {
        this.context = Objects.requireNonNull(context, "context");
        this.patienceNanos = patienceNanos;
        ready = queues.create();
        pending = queues.create();
        retry = queues.create();
    }

    @Override
    public void workerJoined(Worker worker) {
        Objects.requireNonNull(worker, "worker");
        // R7: level with the least-dealt listening worker, neither owed the whole backlog nor behind it.
        WorkerSlot fresh = new WorkerSlot(worker, leastDealt());
        WorkerSlot previous = slots.putIfAbsent(worker, fresh);
        if (previous != null) {
            // A slot retired by a failed hand-off stays mapped until workerLeft; a new join replaces it
            // (R2: the old one is GONE for good). A second join of a listening worker changes nothing.
            if (previous.state() != WorkerSlot.GONE || !slots.replace(worker, previous, fresh)) {
                LOG.log(Level.DEBUG, "worker {0} joined twice; ignored", worker.id());
                return;
            }
        }
        replaceLive(previous, fresh);
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
            replaceLive(slot, null);
            pair(); // R7: idle workers may be held for its answer, which will not come now
        }
    }

    @Override
    public void connectionAccepted(PendingConnection connection) {
        Objects.requireNonNull(connection, "connection");
        // Fast path (R3): nothing waits, so nothing is overtaken; an idle worker takes it without a trip
        // through the pending queue. Nothing is offered, so no check is owed (R3); R7 may still owe one.
        if (!closed && waitingIsEmpty()) {
            WorkerSlot slot = claimReady();
            if (slot != null) {
                if (awaited(slot, slot.dealt()) != null) {
                    // R7: it waits for a worker that is behind, held by this thread.
                    pending.offer(connection);
                    pair(slot);
                } else if (!handOff(slot, connection)) {
                    retry.offer(connection);
                    pair();
                } else if (live().length > 1 && !waitingIsEmpty()) {
                    pair(); // R7: this hand-off may end a hold on an idle worker (package documentation)
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
            boolean wasRefusing = slot.acknowledgedOwn(); // R7
            if (live().length > 1 && (wasRefusing || System.nanoTime() - slot.handedAt() >= patienceNanos)) {
                // R7: it was not counted (refusing, or late): level it with the others rather than let it
                // make up what it missed with a run of connections while they sit held.
                slot.liftTo(leastDealtBut(slot));
            }
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
        if (itsOwn) {
            // R7: not served there, and no longer waited for; before the pair() below, which may end holds
            // on it (package documentation).
            slot.refusedOwn();
        }
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
        live = NO_SLOTS;
        while (ready.poll() != null) {
            // drop the references
        }
        // Frees the timer thread of this dispatcher; a run that already started, or is armed later by a
        // pair() that began before close, finds closed set and only drains (R5).
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
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
     * R3: pairs idle workers with waiting connections until one side is empty, or until every idle
     * worker it claims is held back by R7. Every offer to either side is followed by a call, which is
     * what rules out the lost wake-up (package documentation).
     *
     * @param held a BUSY slot this thread owns and has not offered (its worker just answered, or an
     *     accept claimed it), which takes the first waiting connection unless R7 holds it; or null
     */
    private void pair(WorkerSlot held) {
        WorkerSlot slot = held;
        // R7: holds in a row since this loop last offered anything but a held slot, or handed off. Each
        // such offer or hand-off is owed a check of its own (R3): holds made before it say nothing of it.
        int holds = 0;
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
            long dealt = slot.dealt();
            if (awaited(slot, dealt) != null) { // (d), R7
                WorkerSlot heldBack = slot;
                slot = null;
                if (heldBack.release()) { // else it left meanwhile: dropped (R2)
                    ready.offer(heldBack);
                    // Re-checked after the offer: whoever ends the wait (answers, hands off, leaves) then
                    // polls the ready queue, so either this sees the change or that poll sees the slot.
                    WorkerSlot still = awaited(heldBack, dealt);
                    if (still != null) {
                        armPatience(still.handedAt() + patienceNanos);
                        // As many holds in a row as there may be idle workers (at least the awaited one
                        // is busy): the FIFO ready queue has been gone round since this loop's last offer
                        // (package documentation, R7); going on would only hold the same ones again.
                        if (++holds >= Math.max(1, live().length - 1)) {
                            return;
                        }
                    } else {
                        holds = 0; // the hold ended meanwhile: an idle worker offered, and not held
                    }
                }
                continue;
            }
            PendingConnection connection = pollWaiting(); // (c)
            if (connection == null) {
                // Someone else took it. Put the slot back; the next turns re-check P (the case the
                // package documentation singles out), counting holds afresh: the slot is back in the
                // ready queue behind the ones this loop may have held already.
                if (slot.release()) {
                    ready.offer(slot);
                }
                holds = 0;
                slot = null;
                continue;
            }
            if (!handOff(slot, connection)) {
                retry.offer(connection); // still ours; the next turn offers it to the next worker
            }
            holds = 0; // an offer to P, or a hand-off, which may end holds on this worker (R7 (i))
            slot = null;
        }
    }

    /**
     * R7: the live slot that {@code slot}, with {@code dealt} connections dealt, must wait for: busy with
     * a hand-off younger than the patience, dealt fewer, and not refusing. Of several, the one whose
     * patience runs out last, which is when the wait surely ends. Null when there is none, and at once
     * with one worker.
     */
    private WorkerSlot awaited(WorkerSlot slot, long dealt) {
        WorkerSlot[] all = live();
        if (all.length < 2) {
            return null;
        }
        WorkerSlot awaited = null;
        boolean timed = false;
        long now = 0;
        for (WorkerSlot other : all) {
            if (other != slot && other.dealt() < dealt && other.state() == WorkerSlot.BUSY && !other.refusing()) {
                if (!timed) {
                    now = System.nanoTime(); // only when someone is behind: the common case needs no clock
                    timed = true;
                }
                long handedAt = other.handedAt();
                if (now - handedAt < patienceNanos && (awaited == null || handedAt - awaited.handedAt() > 0)) {
                    awaited = other;
                }
            }
        }
        return awaited;
    }

    /** R7: where a joining worker's count starts. */
    private long leastDealt() {
        return leastDealtBut(null);
    }

    /** R7: the least {@code dealt} of the live slots other than {@code except} (0 if none). */
    private long leastDealtBut(WorkerSlot except) {
        long least = Long.MAX_VALUE;
        for (WorkerSlot slot : live()) {
            if (slot != except && slot.state() != WorkerSlot.GONE) {
                least = Math.min(least, slot.dealt());
            }
        }
        return least == Long.MAX_VALUE ? 0 : least;
    }

    private WorkerSlot[] live() {
        return live;
    }

    /**
     * Copy on write: removes {@code old} and adds {@code fresh} (either may be null). A CAS, because
     * joins and leaves of different workers may come from different threads.
     */
    private void replaceLive(WorkerSlot old, WorkerSlot fresh) {
        for (;;) {
            WorkerSlot[] current = live();
            List<WorkerSlot> next = new ArrayList<>(current.length + 1);
            for (WorkerSlot slot : current) {
                if (slot != old) {
                    next.add(slot);
                }
            }
            if (fresh != null) {
                next.add(fresh);
            }
            if (closed || LIVE.compareAndSet(this, current, next.toArray(NO_SLOTS))) {
                return;
            }
        }
    }

    /**
     * Makes sure that pair() runs again by {@code deadline} (R7) plus a margin, on the timer thread. One
     * run at a time: if one is armed, it may come earlier (it then finds the hold still due and arms
     * again) or later, by up to the patience after it was armed; the package documentation bounds both.
     */
    private void armPatience(long deadline) {
        if (armed || !ARMED.compareAndSet(this, false, true)) {
            return;
        }
        long delay = Math.max(0, deadline - System.nanoTime()) + TIMER_MARGIN_NANOS;
        // Never rejected: the executor is never shut down.
        timer = PatienceTimer.EXECUTOR.schedule(patienceRun, delay, TimeUnit.NANOSECONDS);
    }

    /** The patience timer's run. Package-private for the tests that race it with close. */
    void patienceRanOut() {
        // Cleared before pairing: a hold that still saw it set had offered its slot already, so the pair()
        // below sees that slot; a hold that sees it clear arms a new run.
        armed = false;
        try {
            pair();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pairing on the patience timer failed", e);
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

    private static void closeAll(ConcurrentLinkedQueue<PendingConnection> queue) {
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

    /** Listening workers that are idle and that R7 would not hold back now. */
    int idleNotHeldCount() {
        int idle = 0;
        for (WorkerSlot slot : slots.values()) {
            if (slot.state() == WorkerSlot.READY && awaited(slot, slot.dealt()) == null) {
                idle++;
            }
        }
        return idle;
    }

    /** Connections dealt to the worker's current slot (R7), or -1 if it does not listen. */
    long dealt(Worker worker) {
        WorkerSlot slot = slots.get(worker);
        return slot == null ? -1 : slot.dealt();
    }

    /** A patience timer run is armed (R7). */
    boolean patienceArmed() {
        return armed;
    }

    /** The last patience timer run scheduled has run or was cancelled. */
    boolean patienceTimerDone() {
        ScheduledFuture<?> t = timer;
        return t == null || t.isDone();
    }

    @Override
    public String toString() {
        List<String> workers = new ArrayList<>();
        slots.values().forEach(s -> workers.add(s.toString()));
        return "RoundRobinDispatcher[" + context.address() + ", waiting " + waitingCount() + ", workers " + workers
                + (armed ? ", patience timer armed" : "") + (closed ? ", closed" : "") + "]";
    }
}
