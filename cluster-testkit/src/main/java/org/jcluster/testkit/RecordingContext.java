package org.jcluster.testkit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiPredicate;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;

/**
 * The primary as a dispatcher sees it, for deterministic single-threaded tests: records every hand-off
 * attempt in order, and answers false for workers the test marked as unable to take connections.
 * Scheduled tasks are recorded, not run on a thread of their own: the test runs them between its calls
 * ({@link #runDueTimers()}, {@link #runTimersWhenDue(long)}), so they too come in turn with the
 * dispatcher's calls, as the SPI promises, and the test decides when.
 */
public final class RecordingContext implements DispatchContext {
    /** One hand-off attempt, shown as "c1->worker 2", with " (not taken)" when it failed. */
    public record HandOff(Worker worker, PendingConnection connection, boolean taken) {
        @Override
        public String toString() {
            return connection + "->" + worker + (taken ? "" : " (not taken)");
        }
    }

    /** A task the dispatcher scheduled; {@code due} on the {@link System#nanoTime()} clock. */
    public static final class Timer implements Registration {
        public final Duration delay;
        public final long due;
        final Runnable task;
        boolean removed;
        boolean ran;

        Timer(Duration delay, Runnable task) {
            this.delay = delay;
            this.due = System.nanoTime() + Math.max(0, delay.toNanos());
            this.task = task;
        }

        /** Not run yet, and not removed: it will run when due. */
        public boolean pending() {
            return !removed && !ran;
        }

        @Override
        public void remove() {
            removed = true;
        }

        @Override
        public String toString() {
            return "timer in " + delay.toNanos() / 1000 + " us" + (removed ? " (removed)" : ran ? " (ran)" : "");
        }
    }

    public final List<HandOff> attempts = new ArrayList<>();
    /** Taken hand-offs not yet answered, for tests that play the workers' replies in order. */
    public final Deque<HandOff> unanswered = new ArrayDeque<>();
    /** Workers whose hand-offs answer false (their channel closed, say). */
    public final Set<Worker> cannotTake = new HashSet<>();
    /** Decides whether a hand-off is taken; by default, unless the worker is in {@link #cannotTake}. */
    public BiPredicate<Worker, PendingConnection> taker = (w, c) -> !cannotTake.contains(w);
    /** Every task scheduled, in the order asked, whatever became of it. */
    public final List<Timer> timers = new ArrayList<>();

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

    @Override
    public Registration schedule(Duration delay, Runnable task) {
        Timer timer = new Timer(delay, task);
        timers.add(timer);
        return timer;
    }

    /** The scheduled tasks that will run when due: neither run nor removed. */
    public List<Timer> pendingTimers() {
        return timers.stream().filter(Timer::pending).toList();
    }

    /**
     * Runs the pending tasks that are due now, earliest first, as the primary would between two calls;
     * returns how many ran. A task removed by one that runs before it does not run; one scheduled by a
     * task that runs here waits for the next call of this method.
     */
    public int runDueTimers() {
        long now = System.nanoTime();
        List<Timer> due = pendingTimers().stream().filter(t -> t.due - now <= 0)
                .sorted(Comparator.comparingLong(t -> t.due - now)).toList();
        int ran = 0;
        for (Timer timer : due) {
            if (timer.pending()) { // an earlier task may have removed it
                timer.ran = true;
                timer.task.run();
                ran++;
            }
        }
        return ran;
    }

    /**
     * Waits until the earliest pending task is due, then runs every due one ({@link #runDueTimers()}).
     * The wait is for the clock to reach that time, nothing else; it fails if that is beyond
     * {@code deadlineNanos} from now, or if nothing is pending.
     */
    public int runTimersWhenDue(long deadlineNanos) {
        long deadline = System.nanoTime() + deadlineNanos;
        long due = pendingTimers().stream().mapToLong(t -> t.due).min()
                .orElseThrow(() -> new AssertionError("no scheduled task is pending: " + timers));
        if (due - deadline > 0) {
            throw new AssertionError("the first task is due after the deadline, in "
                    + TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime()) + " ms: " + timers);
        }
        for (long left; (left = due - System.nanoTime()) > 0;) {
            LockSupport.parkNanos(left);
        }
        return runDueTimers();
    }

    /** The successful hand-offs, as "cN->worker M". */
    public List<String> handed() {
        return attempts.stream().filter(HandOff::taken).map(HandOff::toString).toList();
    }

    /** The last hand-off attempt. */
    public HandOff last() {
        return attempts.get(attempts.size() - 1);
    }

    /** The worker the last successful hand-off of {@code connection} went to. */
    public Worker workerOf(PendingConnection connection) {
        for (int i = attempts.size() - 1; i >= 0; i--) {
            HandOff h = attempts.get(i);
            if (h.connection() == connection && h.taken()) {
                return h.worker();
            }
        }
        throw new AssertionError(connection + " was never handed off; attempts: " + attempts);
    }
}
