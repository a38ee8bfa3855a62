package org.jcluster.sched.rr;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;

/**
 * Node's round-robin for one shared server, plus fair dealing (R7); the rules are in the {@linkplain
 * org.jcluster.sched.rr package documentation}. Called one call at a time (the SPI's contract), so its
 * state is plain fields.
 */
final class RoundRobinDispatcher implements ConnectionDispatcher {
    private static final System.Logger LOG = System.getLogger(RoundRobinDispatcher.class.getName());

    /**
     * R7's patience: how long a worker's answer is waited for before a faster worker gets the connection
     * instead. Answers on a loaded machine take milliseconds, and tens of them while a JVM is still
     * compiling or its host steals time: on the 2-core benchmark machine 2 ms evened out nothing, 20 ms
     * left cold bursts split 11/22 and runs 55/77, 100 ms split them 17/16 and 66/66 (docs/shared-servers.md,
     * "Fair dealing under rr"). The price is bounded: a worker that has stalled costs one wait of at most
     * this, and is then skipped until it answers.
     */
    static final long PATIENCE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Added to the timer's delay, so that its run finds the awaited hand-off older than the patience. */
    private static final long TIMER_MARGIN_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    /**
     * Subtracted from the creation time to stand for "never handed": any age computed against it exceeds
     * any patience, and the subtraction cannot overflow for a century.
     */
    private static final long NEVER = 1L << 62;

    /** One listening life of a worker: a worker that joins again gets a new one. */
    private static final class Slot {
        final Worker worker;
        /** Handed to the worker and not yet answered (R4: only its answer readies the slot). */
        PendingConnection inFlight;
        /** R7: connections handed to it, less those it refused. */
        long dealt;
        /** R7: {@link System#nanoTime()} of its last hand-off. */
        long handedAt = System.nanoTime() - NEVER;
        /** R7: its last answer was a refusal, so it is not waited for until it acknowledges one. */
        boolean refusing;

        Slot(Worker worker, long dealt) {
            this.worker = worker;
            this.dealt = dealt;
        }

        @Override
        public String toString() {
            return "worker " + worker.id() + (inFlight == null ? " idle" : " busy") + ", dealt " + dealt;
        }
    }

    private final DispatchContext context;
    private final long patienceNanos;
    /** Listening workers. */
    private final Map<Worker, Slot> slots = new HashMap<>();
    /** The same, in join order, as a list: R7's passes over it allocate nothing. */
    private final ArrayList<Slot> listening = new ArrayList<>();
    /** Idle workers, first in, first out. */
    private final ArrayDeque<Slot> ready = new ArrayDeque<>();
    /** Connections waiting for a worker; a refused one goes back to the head. */
    private final ArrayDeque<PendingConnection> waiting = new ArrayDeque<>();
    /** R7: the armed run of {@link #pair()} that ends holds by their deadline, and when it is due. */
    private Registration patienceTimer;
    private long patienceTimerDue;
    private boolean closed;

    RoundRobinDispatcher(DispatchContext context) {
        this(context, PATIENCE_NANOS);
    }

    /** @param patienceNanos R7's patience; tests shorten it, or lengthen it so that no timer fires */
    RoundRobinDispatcher(DispatchContext context, long patienceNanos) {
        this.context = Objects.requireNonNull(context, "context");
        this.patienceNanos = patienceNanos;
    }

    @Override
    public void workerJoined(Worker worker) {
        Objects.requireNonNull(worker, "worker");
        if (closed || slots.containsKey(worker)) {
            LOG.log(Level.DEBUG, "worker {0} joined twice, or after close; ignored", worker.id());
            return;
        }
        // R7: level with the least-dealt listening worker, neither owed the whole backlog nor behind it.
        Slot slot = new Slot(worker, leastDealtBut(null));
        slots.put(worker, slot);
        listening.add(slot);
        ready.addLast(slot);
        pair();
    }

    @Override
    public void workerLeft(Worker worker) {
        Slot slot = slots.remove(worker);
        if (slot != null) {
            listening.remove(slot);
            ready.remove(slot); // O(workers); leaves are rare
            pair(); // R7: idle workers may be held for its answer, which will not come now
        }
    }

    @Override
    public void connectionAccepted(PendingConnection connection) {
        Objects.requireNonNull(connection, "connection");
        if (closed) {
            connection.close();
            return;
        }
        waiting.addLast(connection);
        pair();
    }

    @Override
    public void connectionAcknowledged(Worker worker, PendingConnection connection) {
        Slot slot = slots.get(worker);
        if (slot == null || slot.inFlight != connection) {
            return; // R4: a late answer (the worker left, or this is its previous life's)
        }
        slot.inFlight = null;
        if (listening.size() > 1 && (slot.refusing || System.nanoTime() - slot.handedAt >= patienceNanos)) {
            // R7: it was not counted (refusing, or late): level it with the others rather than let it make
            // up what it missed with a run of connections while they sit held.
            slot.dealt = Math.max(slot.dealt, leastDealtBut(slot));
        }
        slot.refusing = false;
        // Node's handoff(worker): if connections wait, this worker takes the next one (unless R7 holds it).
        if (waiting.isEmpty()) {
            ready.addLast(slot);
        } else {
            ready.addFirst(slot);
            pair();
        }
    }

    @Override
    public void connectionRefused(Worker worker, PendingConnection connection) {
        Objects.requireNonNull(connection, "connection");
        if (closed) {
            connection.close();
            return;
        }
        Slot slot = slots.get(worker);
        boolean itsOwn = slot != null && slot.inFlight == connection;
        if (itsOwn) {
            slot.inFlight = null;
            slot.dealt--; // R7: not served there
            slot.refusing = true;
        }
        // Back to the head of the line, and offered to the other idle workers before the refusing one is
        // idle again (Node: distribute(handle) before handoff(worker)). R4: taken back in any case.
        waiting.addFirst(connection);
        pair();
        if (itsOwn) {
            ready.addLast(slot);
            pair();
        }
    }

    @Override
    public void close() {
        closed = true;
        PendingConnection connection;
        while ((connection = waiting.poll()) != null) {
            try {
                connection.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing waiting connection " + connection.id() + " failed", e);
            }
        }
        ready.clear();
        slots.clear();
        listening.clear();
        if (patienceTimer != null) {
            patienceTimer.remove();
            patienceTimer = null;
        }
    }

    /** Deals waiting connections to idle workers until one side is empty or R7 holds every idle worker. */
    private void pair() {
        while (!waiting.isEmpty() && !ready.isEmpty()) {
            Slot slot = takeNextNotHeld();
            if (slot == null) {
                return; // R7: the timer (armed by takeNextNotHeld) or an answer ends the hold
            }
            PendingConnection connection = waiting.pollFirst();
            if (!handOff(slot, connection)) {
                waiting.addFirst(connection); // still ours: the next turn offers it to the next worker
            }
        }
    }

    /**
     * R7: takes from the ready queue the first worker that no busy worker is behind, where "behind" means
     * dealt fewer, awaiting the answer to a hand-off younger than the patience, and not refusing. Null when
     * every idle worker is held; a timer then makes sure pairing runs again when the first awaited
     * hand-off grows older than the patience.
     */
    private Slot takeNextNotHeld() {
        Slot head = ready.peekFirst();
        if (listening.size() < 2 || !anyBusyBehind(head.dealt)) {
            return ready.pollFirst(); // the common case: no clock read
        }
        long now = System.nanoTime();
        long leastAwaited = Long.MAX_VALUE;
        long firstExpiry = Long.MAX_VALUE;
        for (int i = 0; i < listening.size(); i++) {
            Slot other = listening.get(i);
            if (other.inFlight != null && !other.refusing) {
                long age = now - other.handedAt;
                if (age < patienceNanos) {
                    leastAwaited = Math.min(leastAwaited, other.dealt);
                    firstExpiry = Math.min(firstExpiry, patienceNanos - age);
                }
            }
        }
        for (Iterator<Slot> it = ready.iterator(); it.hasNext();) {
            Slot slot = it.next();
            if (slot.dealt <= leastAwaited) {
                it.remove();
                return slot;
            }
        }
        armPatienceTimer(now + firstExpiry + TIMER_MARGIN_NANOS);
        return null;
    }

    /** R7, before the clock is read: could a worker behind {@code dealt} be holding anyone? */
    private boolean anyBusyBehind(long dealt) {
        for (int i = 0; i < listening.size(); i++) {
            Slot other = listening.get(i);
            if (other.inFlight != null && !other.refusing && other.dealt < dealt) {
                return true;
            }
        }
        return false;
    }

    /** Pairing runs again at {@code due} at the latest (one armed run at a time: the earliest asked for). */
    private void armPatienceTimer(long due) {
        if (patienceTimer != null && patienceTimerDue - due <= 0) {
            return;
        }
        if (patienceTimer != null) {
            patienceTimer.remove();
        }
        patienceTimerDue = due;
        patienceTimer = context.schedule(Duration.ofNanos(Math.max(0, due - System.nanoTime())), () -> {
            patienceTimer = null;
            pair();
        });
    }

    /**
     * Hands {@code connection} to the idle {@code slot}'s worker. On false the worker can no longer take
     * connections (workerLeft follows): its slot is dropped, and the connection is still ours.
     */
    private boolean handOff(Slot slot, PendingConnection connection) {
        boolean taken;
        try {
            taken = context.handOff(slot.worker, connection);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "handing connection " + connection.id() + " to worker " + slot.worker.id()
                    + " failed; the worker gets no more connections from this server", e);
            taken = false;
        }
        if (!taken) {
            if (slots.remove(slot.worker, slot)) {
                listening.remove(slot);
            }
            return false;
        }
        slot.inFlight = connection;
        slot.dealt++;
        slot.handedAt = System.nanoTime();
        return true;
    }

    /** R7: the least {@code dealt} of the listening workers other than {@code except} (0 if none). */
    private long leastDealtBut(Slot except) {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < listening.size(); i++) {
            Slot slot = listening.get(i);
            if (slot != except) {
                least = Math.min(least, slot.dealt);
            }
        }
        return least == Long.MAX_VALUE ? 0 : least;
    }

    // For tests and diagnostics.

    /** Connections waiting for a worker. */
    int waitingCount() {
        return waiting.size();
    }

    /** Listening workers that are idle. */
    int idleCount() {
        return ready.size();
    }

    /** Connections dealt to the worker (R7), or -1 if it does not listen. */
    long dealt(Worker worker) {
        Slot slot = slots.get(worker);
        return slot == null ? -1 : slot.dealt;
    }

    /** A run of pairing is armed to end R7's holds. */
    boolean patienceArmed() {
        return patienceTimer != null;
    }

    @Override
    public String toString() {
        List<String> workers = new ArrayList<>();
        listening.forEach(s -> workers.add(s.toString()));
        return "RoundRobinDispatcher[" + context.address() + ", waiting " + waiting.size() + ", workers " + workers
                + (patienceTimer != null ? ", patience timer armed" : "") + (closed ? ", closed" : "") + "]";
    }
}
