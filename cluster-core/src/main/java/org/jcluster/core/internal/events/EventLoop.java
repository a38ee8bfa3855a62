package org.jcluster.core.internal.events;

import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.jcluster.api.Registration;
import org.jcluster.core.internal.transport.IpcChannel;

/**
 * The ordered event delivery of a cluster: every event and message runs through here, one at a time,
 * in submission order, so listeners never race each other.
 *
 * <h2>Who runs the events</h2>
 * A {@link CombiningExecutor}: whoever holds its runner role runs the queued tasks. Two kinds of
 * thread take the role:
 * <ul>
 * <li>jcluster's own I/O threads (channel readers), through {@link #runPendingHere()} at the end of a
 *     read batch: a message is then handled on the thread that read it, with no hand-off, which is what
 *     makes a round trip cheap;</li>
 * <li>the loop's own daemon thread, woken when a task is queued and nobody runs: so tasks queued from
 *     user threads (a fork event, say) are delivered asynchronously, never inside the call that caused
 *     them.</li>
 * </ul>
 * An embedding runtime may hand in its own serial executor instead ({@link #useExecutor}); then every
 * task goes there and I/O threads never run events.
 *
 * <h2>Writes made while events run</h2>
 * Sends made by a running task are queued on their channel and written together when the run ends
 * ({@link #deferFlush}), so answering a batch of 100 messages costs one sendmsg, not 100.
 *
 * <h2>What keeps the JVM alive</h2>
 * The loop's threads are daemons. A cluster holds the JVM with {@link #holdJvm()} while it has something
 * to wait for (a worker to watch, a channel to the primary). Beyond that, as in Node, queued events keep
 * the JVM alive: a task queued while nothing holds it takes a hold that is given back once the queue is
 * drained, so a callback queued just before a program's last thread ends still runs (exactly once).
 * The check is one volatile read per task. It cannot miss: a producer offers, then reads the hold count;
 * {@link #releaseJvm()} lowers the count, then looks at the queue; one of them sees the other, and
 * whichever does takes the hold.
 *
 * <p>The runner role's hand-over from one thread to the next also carries the runner-only state
 * ({@link #toFlush}).
 */
public final class EventLoop implements Executor {
    /** Flush deferred writes at least this often during a long run, so answers are not held back. */
    private static final int FLUSH_EVERY_TASKS = 64;

    private final String name;
    private final CombiningExecutor tasks = new CombiningExecutor("an event listener", new CombiningExecutor.RunnerHooks() {
        @Override
        public void afterTask(int ranSoFar) {
            if (ranSoFar % FLUSH_EVERY_TASKS == 0) {
                flushDeferred();
            }
        }

        @Override
        public void beforeRelease() {
            flushDeferred();
        }
    });
    private final Object threadLock = new Object();
    private volatile Thread ownThread;
    private volatile Executor external;
    private volatile boolean used;
    /** Channels with frames queued by the current run; touched by the runner only. */
    private final List<IpcChannel> toFlush = new ArrayList<>();

    private final KeepAlive jvmHold;
    /** Timers: a daemon thread started with the first, which only moves each due task onto the loop. */
    private final ScheduledThreadPoolExecutor timer;
    /** Gives back the hold taken for queued tasks once none is left (runs as a task, behind them). */
    private final Runnable releaseWhenDrained = this::releaseWhenDrained;
    /** That hold is taken: at most one at a time, so its release task never waits on another's. */
    private final AtomicBoolean holdingForQueue = new AtomicBoolean();

    public EventLoop(String name) {
        this.name = name;
        this.jvmHold = new KeepAlive(name + "-keepalive");
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "jcluster-timer");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /** The timer thread itself, for deadlines that act there rather than on the loop. */
    public ScheduledExecutorService timer() {
        return timer;
    }

    /**
     * Runs {@code task} on the loop after {@code delay}; the JVM is held until it has run or is
     * cancelled. Each of the two ends (run, cancel) gives the hold back once, whichever comes first.
     *
     * @return cancels the task if it has not started
     */
    public Registration schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("a timer's delay cannot be negative: " + delay);
        }
        AtomicBoolean pending = new AtomicBoolean(true);
        holdJvm();
        Runnable onLoop = () -> {
            if (pending.compareAndSet(true, false)) {
                try {
                    task.run();
                } finally {
                    releaseJvm();
                }
            }
        };
        ScheduledFuture<?> due = timer.schedule(() -> execute(onLoop), delayNanos(delay), TimeUnit.NANOSECONDS);
        return () -> {
            if (pending.compareAndSet(true, false)) {
                due.cancel(false);
                releaseJvm();
            }
        };
    }

    /** {@code delay} in nanoseconds, saturated: a delay too long to count is "never" rather than an error. */
    public static long delayNanos(Duration delay) {
        try {
            return delay.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** Keeps the JVM alive until the matching {@link #releaseJvm()}. */
    public void holdJvm() {
        jvmHold.acquire();
    }

    /** Ends a {@link #holdJvm()}; the JVM still stays up until every task queued so far has run. */
    public void releaseJvm() {
        jvmHold.release();
        if (!jvmHold.isHeld() && tasks.hasPending()) {
            holdUntilDrained(false);
        }
    }

    /**
     * Takes the hold for queued tasks, unless another thread just did.
     *
     * @param fromIo an I/O thread runs the queue itself, so the loop's own thread is not woken
     */
    private void holdUntilDrained(boolean fromIo) {
        if (holdingForQueue.compareAndSet(false, true)) {
            jvmHold.acquire();
            if (fromIo) {
                enqueue(releaseWhenDrained);
            } else {
                enqueueOrHandOver(releaseWhenDrained);
            }
        }
    }

    private void releaseWhenDrained() {
        if (tasks.hasPending()) {
            enqueueOrHandOver(releaseWhenDrained); // behind the tasks queued meanwhile
            return;
        }
        holdingForQueue.set(false);
        releaseJvm();
    }

    private void enqueueOrHandOver(Runnable task) {
        if (enqueue(task) && !tasks.isRunning()) {
            LockSupport.unpark(ownThread());
        }
    }

    /** Replaces the delivery executor; allowed only before anything was queued. */
    public synchronized void useExecutor(Executor executor) {
        if (used) {
            throw new IllegalStateException("eventExecutor must be set before the cluster's first event"
                    + " (before fork() in the primary, at start-up in a worker)");
        }
        external = executor;
    }

    /** Queues a task; it runs later, never inside this call. */
    @Override
    public void execute(Runnable task) {
        enqueueOrHandOver(task);
        if (!jvmHold.isHeld()) {
            holdUntilDrained(false);
        }
    }

    /**
     * For jcluster's I/O threads, which promise a {@link #runPendingHere()} when their batch ends:
     * queues without waking the loop's own thread, which would only compete for the work.
     */
    public void executeFromIo(Runnable task) {
        enqueue(task);
        if (!jvmHold.isHeld()) {
            holdUntilDrained(true);
        }
    }

    /** @return true when the task went into the queue (false: to the embedder's executor) */
    private boolean enqueue(Runnable task) {
        used = true;
        Executor ext = external;
        if (ext != null) {
            ext.execute(() -> CombiningExecutor.runGuarded("an event listener", task));
            return false;
        }
        tasks.offer(task);
        return true;
    }

    /**
     * For jcluster's I/O threads: runs every queued task on this thread, unless another thread is
     * running them already (it then runs these too).
     */
    public void runPendingHere() {
        if (external == null) {
            tasks.runPending();
        }
    }

    /** True when called from a task being run, on the thread running it. */
    public boolean isRunnerThread() {
        return tasks.isRunnerThread();
    }

    /**
     * From a running task: the channel has frames queued with {@link IpcChannel#sendDeferred}; they are
     * written when the run ends.
     */
    public void deferFlush(IpcChannel channel) {
        if (!toFlush.contains(channel)) {
            toFlush.add(channel);
        }
    }

    private void flushDeferred() {
        for (int i = 0; i < toFlush.size(); i++) {
            toFlush.get(i).flushQueued();
        }
        toFlush.clear();
    }

    private Thread ownThread() {
        Thread t = ownThread;
        if (t != null) {
            return t;
        }
        synchronized (threadLock) {
            if (ownThread == null) {
                t = new Thread(this::ownLoop, name);
                t.setDaemon(true); // what keeps a JVM alive is KeepAlive's business, not this thread's
                ownThread = t;
                t.start();
            }
            return ownThread;
        }
    }

    private void ownLoop() {
        for (;;) {
            tasks.runPending();
            if (!tasks.hasPending() || tasks.isRunning()) {
                LockSupport.park(this);
            }
        }
    }
}
