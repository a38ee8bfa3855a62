package org.jcluster.core.internal.events;

import java.util.concurrent.TimeUnit;

/**
 * Keeps the JVM alive while the cluster has something to wait for (live workers in the primary, an
 * open channel in a worker, queued events), the way Node keeps its event loop alive while handles are
 * referenced. One non-daemon thread exists while the count is above zero, and lingers a few
 * milliseconds after it drops to zero: a hold taken again meanwhile (the next event of a burst, with
 * nothing else holding the JVM) reuses it instead of starting a thread per event.
 */
public final class KeepAlive {
    /** What the JVM's exit may wait after the last release; far below anything a person notices. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final String name;
    private volatile int holds;
    /** The non-daemon thread is running (holding, or lingering); guarded by this. */
    private boolean threadRunning;

    public KeepAlive(String name) {
        this.name = name;
    }

    public synchronized void acquire() {
        if (holds++ == 0 && !threadRunning) {
            threadRunning = true;
            Thread t = new Thread(this::holdWhileHeld, name);
            t.setDaemon(false);
            t.start();
        }
    }

    /** True while a hold is taken; one volatile read, for {@link EventLoop}'s per-task check. */
    public boolean isHeld() {
        return holds > 0;
    }

    public synchronized void release() {
        if (holds == 0) {
            throw new IllegalStateException("KeepAlive released more often than acquired");
        }
        if (--holds == 0) {
            notifyAll();
        }
    }

    private synchronized void holdWhileHeld() {
        try {
            for (;;) {
                while (holds > 0) {
                    wait();
                }
                long lingerEnds = System.nanoTime() + LINGER_NANOS;
                for (long left = LINGER_NANOS; holds == 0; left = lingerEnds - System.nanoTime()) {
                    if (left <= 0) {
                        return;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            threadRunning = false;
        }
    }
}
