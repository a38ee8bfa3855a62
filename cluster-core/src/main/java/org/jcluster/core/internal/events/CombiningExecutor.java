package org.jcluster.core.internal.events;

import java.lang.System.Logger.Level;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

/**
 * Runs tasks one at a time, in the order they were queued, on whichever thread queues one while nobody
 * else is running them: no thread of its own and no lock. The cluster's event loop and each
 * round-robin server's dispatcher are serialized by one of these.
 *
 * <h2>States</h2>
 * <ul>
 * <li><b>idle</b> ({@code running} false): a thread that queued a task (an offer to the JCTools MPSC
 *     queue) tries the CAS false-&gt;true; the winner becomes the <b>runner</b>, the losers return at
 *     once, their tasks left to it.</li>
 * <li><b>running</b>: the runner polls and runs tasks until the queue is empty, sets {@code running}
 *     false, then looks at the queue again and, if a task came meanwhile, tries the CAS again.</li>
 * </ul>
 * A thread that finds the queue empty and wins the CAS runs its task without queueing it (the common
 * case). A task that queues another (on the runner's thread) does not run it inside itself: the
 * runner's loop finds it after the current task returns.
 *
 * <p>No task is stranded: a submitter offers and then reads {@code running}; the runner clears
 * {@code running} and then reads the queue. Both are volatile, so one of them sees the other. The CAS
 * and the clearing also carry every write of one runner's tasks to the next runner's, so tasks may
 * keep plain fields as if they all ran on one thread.
 */
public final class CombiningExecutor implements Executor {
    private static final System.Logger LOG = System.getLogger("org.jcluster");

    /** What the runner does beside running tasks; the event loop flushes deferred writes here. */
    public interface RunnerHooks {
        RunnerHooks NONE = new RunnerHooks() { };

        /** After each task, with the count run since the run began. */
        default void afterTask(int ranSoFar) {
        }

        /** Before the runner gives up its role. */
        default void beforeRelease() {
        }
    }

    private final String whatRuns;
    private final RunnerHooks hooks;
    private final MpscUnboundedVarHandleArrayQueue<Runnable> tasks = new MpscUnboundedVarHandleArrayQueue<>(256);
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Thread runner;

    /** @param whatRuns names the tasks in the log line of one that throws, e.g. "an event listener" */
    public CombiningExecutor(String whatRuns, RunnerHooks hooks) {
        this.whatRuns = whatRuns;
        this.hooks = hooks;
    }

    /** Runs {@code task} here, after any queued before it, unless another thread is running tasks (it then runs it). */
    @Override
    public void execute(Runnable task) {
        if (!tasks.isEmpty() || !running.compareAndSet(false, true)) {
            offer(task);
            runPending();
            return;
        }
        // Nothing queued and the role is ours: run it without a trip through the queue (the common case
        // on the connection path, where this saves an offer and a poll).
        runner = Thread.currentThread();
        try {
            runGuarded(whatRuns, task);
            drainHeld(1);
        } finally {
            runner = null;
            running.set(false);
        }
        runPending(); // tasks queued after the drain, before the release
    }

    /** Queues {@code task} without running anything; someone must call {@link #runPending()} after. */
    public void offer(Runnable task) {
        tasks.offer(task);
    }

    /** Runs every queued task on this thread, unless another thread is running them (it then runs these too). */
    public void runPending() {
        while (!tasks.isEmpty() && running.compareAndSet(false, true)) {
            runner = Thread.currentThread();
            try {
                drainHeld(0);
            } finally {
                runner = null;
                running.set(false);
            }
        }
    }

    /**
     * With the role held, {@code ran} tasks run so far: runs what is queued, then the release hook. A hook
     * that throws is logged like a task, so that the role is always given back and re-checked.
     */
    private void drainHeld(int ran) {
        Runnable task;
        if (ran > 0) {
            afterTask(ran);
        }
        while ((task = tasks.poll()) != null) {
            runGuarded(whatRuns, task);
            afterTask(++ran);
        }
        try {
            hooks.beforeRelease();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "jcluster: the release hook of " + whatRuns + " threw", e);
        }
    }

    private void afterTask(int ranSoFar) {
        try {
            hooks.afterTask(ranSoFar);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "jcluster: the hook after " + whatRuns + " threw", e);
        }
    }

    public boolean hasPending() {
        return !tasks.isEmpty();
    }

    /** A thread holds the runner role (it may be between two tasks). */
    public boolean isRunning() {
        return running.get();
    }

    /** True when called from a task being run, on the thread running it. */
    public boolean isRunnerThread() {
        return runner == Thread.currentThread();
    }

    static void runGuarded(String whatRuns, Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            // One task's exception must not stop every later one.
            LOG.log(Level.ERROR, "jcluster: " + whatRuns + " threw", t);
        }
    }
}
