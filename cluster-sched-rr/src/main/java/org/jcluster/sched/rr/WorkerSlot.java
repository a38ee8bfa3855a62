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

    final Worker worker;
    private volatile int state = READY;
    /** The connection last handed to the worker and not yet answered; release/acquire (R4). */
    @SuppressWarnings("unused") // through IN_FLIGHT
    private PendingConnection inFlight;

    WorkerSlot(Worker worker) {
        this.worker = worker;
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

    /** Records the connection about to be handed off, before the hand-off can be answered (R4). */
    void handing(PendingConnection connection) {
        IN_FLIGHT.setRelease(this, connection);
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
        return "WorkerSlot[worker " + worker.id() + ", " + (state == READY ? "ready" : state == BUSY ? "busy" : "gone") + "]";
    }
}
