package org.jcluster.sched.rr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.PendingConnection;

/**
 * One listening life of a worker in one {@link RoundRobinDispatcher}: READY (idle, in the ready
 * queue), BUSY (claimed, or holding an unacknowledged connection) or GONE (final). A worker that
 * joins again gets a new slot. The rules that use these fields are in the package documentation.
 */
final class WorkerSlot {
    static final int READY = 0;
    static final int BUSY = 1;
    static final int GONE = 2;

    private static final VarHandle STATE;
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(WorkerSlot.class, "state", int.class);
            IN_FLIGHT = lookup.findVarHandle(WorkerSlot.class, "inFlight", PendingConnection.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Subtracted from the creation time to stand for "never handed": any age computed against it exceeds
     * any patience, and the subtraction cannot overflow for a century.
     */
    private static final long NEVER = 1L << 62;

    final Worker worker;
    private volatile int state = READY;
    /** The connection last handed to the worker and not yet answered; release/acquire (R4). */
    @SuppressWarnings("unused") // through IN_FLIGHT
    private PendingConnection inFlight;
    /**
     * Connections handed to the worker and not refused by it (R7). One writer at a time without a CAS:
     * the thread that claimed the slot writes it in {@link #handing} before the hand-off, and the only
     * other writer is the refusal of that very hand-off, which the primary reads after the hand-off was
     * sent and which comes before the slot can be claimed again. A long, so that it never wraps.
     */
    private volatile long dealt;
    /** {@link System#nanoTime()} of the last hand-off (R7), written with {@link #dealt}. */
    private volatile long handedAt = System.nanoTime() - NEVER;
    /** Its last answer was a refusal: not waited for until it acknowledges one (R7). Written like {@link #dealt}. */
    private volatile boolean refusing;

    /** @param dealt where the count starts: the least of the listening slots' (R7), so a newcomer is not flooded */
    WorkerSlot(Worker worker, long dealt) {
        this.worker = worker;
        this.dealt = dealt;
    }

    int state() {
        return state;
    }

    /** READY -> BUSY; false for a stale (GONE) entry polled from the ready queue (R1, R2). */
    boolean claim() {
        return STATE.compareAndSet(this, READY, BUSY);
    }

    /** BUSY -> READY; false once GONE. The caller that gets true offers the slot to the ready queue (R1). */
    boolean release() {
        return STATE.compareAndSet(this, BUSY, READY);
    }

    /** Final: the worker left, or can no longer take connections. */
    void retire() {
        state = GONE;
        IN_FLIGHT.setRelease(this, null);
    }

    /**
     * Records the connection about to be handed off, before the hand-off can be answered (R4), and counts
     * it (R7); the release store of {@code inFlight} publishes the count to the answering thread.
     */
    void handing(PendingConnection connection) {
        handedAt = System.nanoTime();
        dealt = dealt + 1; // one writer at a time (field comment)
        IN_FLIGHT.setRelease(this, connection);
    }

    /**
     * Its worker refused the connection it was handed, which is then not served there (R7). The refusing
     * thread owns the slot until it readies it, so it is the only writer.
     */
    void refusedOwn() {
        dealt = dealt - 1;
        refusing = true;
    }

    /**
     * Its worker acknowledged the connection it was handed: it is waited for again (R7). Returns whether
     * its last answer before this one was a refusal.
     */
    boolean acknowledgedOwn() {
        if (refusing) { // read first: the common case writes nothing
            refusing = false;
            return true;
        }
        return false;
    }

    /**
     * Raises {@code dealt} to {@code floor} if below (R7: what it missed while not counted is not made up).
     * Called by the thread that owns the slot after its answer, the only writer then (see {@link #dealt}).
     */
    void liftTo(long floor) {
        if (dealt < floor) {
            dealt = floor;
        }
    }

    boolean refusing() {
        return refusing;
    }

    long dealt() {
        return dealt;
    }

    long handedAt() {
        return handedAt;
    }

    /**
     * Forgets {@code connection} if it is the one in flight. Replies to one connection never come twice
     * at once (SPI), so a load and a store suffice: no other thread writes this field meanwhile except a
     * retire, which is final anyway.
     */
    boolean answered(PendingConnection connection) {
        if (IN_FLIGHT.getAcquire(this) != connection) {
            return false;
        }
        IN_FLIGHT.setRelease(this, null);
        return true;
    }

    /** Clears a record whose hand-off did not happen. */
    void notHanded() {
        IN_FLIGHT.setRelease(this, null);
    }

    @Override
    public String toString() {
        return "WorkerSlot[worker " + worker.id() + ", " + (state == READY ? "ready" : state == BUSY ? "busy" : "gone")
                + ", dealt " + dealt + "]";
    }
}
