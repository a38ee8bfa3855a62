package org.jcluster.sched.rr;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;

/**
 * A dispatcher driven as jcluster's primary drives it, for the tests with real threads: any thread may
 * make a call (an accept thread, the workers' channel readers, an event thread), but the calls, and the
 * tasks the dispatcher schedules, take turns, each seeing what the earlier ones did (the SPI's contract).
 * One lock stands for the primary's turns (a combining executor in jcluster's core); a timer thread runs
 * each scheduled task in turn too, unless its registration was removed or the dispatcher closed by then.
 *
 * <p>Hand-offs go to {@link Workers}, the primary's other side, called in turn. Two rules of the SPI are
 * checked, not assumed: {@code handOff} comes only from inside a call or a task, and nothing calls the
 * dispatcher while one of its calls runs.
 */
final class SerialPrimary implements ConnectionDispatcher, DispatchContext {
    /** Where the primary sends a connection: called in turn; it must not call the dispatcher. */
    @FunctionalInterface
    interface Workers {
        /** As {@link DispatchContext#handOff}: false when the worker can no longer take connections. */
        boolean handOff(Worker worker, PendingConnection connection);
    }

    /** One timer thread for every test, as the primary has one: a daemon, so that a test's end never waits. */
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "serial-primary-timer");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true); // an hour-long timer removed at a test's end is not kept
        return timer;
    }

    private final ReentrantLock turn = new ReentrantLock();
    private final Workers workers;
    private final RoundRobinDispatcher dispatcher;
    /** Scheduled tasks not yet run and not removed. */
    private final Set<ScheduledTask> pendingTimers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger timersRun = new AtomicInteger();
    private final AtomicReference<Throwable> timerFailure = new AtomicReference<>();
    // In turn only:
    private boolean inCall;
    private boolean closed;

    /** @param patienceNanos R7's patience of the dispatcher made here */
    SerialPrimary(Workers workers, long patienceNanos) {
        this.workers = Objects.requireNonNull(workers, "workers");
        this.dispatcher = new RoundRobinDispatcher(this, patienceNanos);
    }

    /**
     * Runs {@code call} in turn: after every call and task that took the turn before it, before every one
     * that takes it after. A test runs its own bookkeeping here too when it must change together with
     * the dispatcher's state, as the primary keeps its own in the same turn.
     */
    void inTurn(Consumer<RoundRobinDispatcher> call) {
        turn.lock();
        try {
            if (inCall) {
                throw new AssertionError("a dispatcher call made during another one (from inside a hand-off?)");
            }
            inCall = true;
            try {
                call.accept(dispatcher);
            } finally {
                inCall = false;
            }
        } finally {
            turn.unlock();
        }
    }

    /** What {@code query} reads of the dispatcher, in turn: so it sees every call that has returned. */
    <T> T read(Function<RoundRobinDispatcher, T> query) {
        AtomicReference<T> result = new AtomicReference<>();
        inTurn(d -> result.set(query.apply(d)));
        return result.get();
    }

    // The SPI's calls, each in turn.

    @Override
    public void workerJoined(Worker worker) {
        inTurn(d -> d.workerJoined(worker));
    }

    @Override
    public void workerLeft(Worker worker) {
        inTurn(d -> d.workerLeft(worker));
    }

    @Override
    public void connectionAccepted(PendingConnection connection) {
        inTurn(d -> d.connectionAccepted(connection));
    }

    @Override
    public void connectionAcknowledged(Worker worker, PendingConnection connection) {
        inTurn(d -> d.connectionAcknowledged(worker, connection));
    }

    @Override
    public void connectionRefused(Worker worker, PendingConnection connection) {
        inTurn(d -> d.connectionRefused(worker, connection));
    }

    @Override
    public void close() {
        inTurn(d -> {
            closed = true;
            d.close();
        });
    }

    // The context the dispatcher sees.

    @Override
    public ListenAddress address() {
        return new ListenAddress("127.0.0.1", 8000, AddressType.TCP4);
    }

    @Override
    public boolean handOff(Worker worker, PendingConnection connection) {
        if (!turn.isHeldByCurrentThread() || !inCall) {
            throw new IllegalStateException("handOff outside the dispatcher's calls and scheduled tasks");
        }
        return workers.handOff(worker, connection);
    }

    @Override
    public Registration schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        ScheduledTask scheduled = new ScheduledTask(task);
        pendingTimers.add(scheduled);
        scheduled.future = TIMER.schedule(scheduled::runInTurn, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return scheduled;
    }

    private final class ScheduledTask implements Registration {
        private final Runnable task;
        private volatile ScheduledFuture<?> future;

        ScheduledTask(Runnable task) {
            this.task = task;
        }

        void runInTurn() {
            try {
                inTurn(d -> {
                    // Removed meanwhile (the removal took an earlier turn): it must not run.
                    if (pendingTimers.remove(this) && !closed) {
                        timersRun.incrementAndGet();
                        task.run();
                    }
                });
            } catch (Throwable e) {
                timerFailure.compareAndSet(null, e);
            }
        }

        @Override
        public void remove() {
            if (pendingTimers.remove(this)) {
                future.cancel(false);
            }
        }
    }

    // For the tests' checks and messages.

    int waitingCount() {
        return read(RoundRobinDispatcher::waitingCount);
    }

    int idleCount() {
        return read(RoundRobinDispatcher::idleCount);
    }

    long dealt(Worker worker) {
        return read(d -> d.dealt(worker));
    }

    boolean patienceArmed() {
        return read(RoundRobinDispatcher::patienceArmed);
    }

    /** Scheduled tasks that will run when due: not run yet, not removed. */
    int pendingTimers() {
        return pendingTimers.size();
    }

    /** Scheduled tasks that have run (in turn). */
    int timersRun() {
        return timersRun.get();
    }

    /** What a scheduled task threw, if one did. */
    Throwable timerFailure() {
        return timerFailure.get();
    }

    @Override
    public String toString() {
        return read(RoundRobinDispatcher::toString) + ", timers pending " + pendingTimers() + ", run " + timersRun()
                + (timerFailure() != null ? ", a timer task threw " + timerFailure() : "");
    }
}
