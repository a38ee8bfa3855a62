package org.jcluster.core.internal.events;

/**
 * Keeps the JVM alive while the cluster has something to wait for (live workers in the primary, an
 * open channel in a worker), the way Node keeps its event loop alive while handles are referenced.
 * One non-daemon thread exists exactly while the count is above zero.
 */
public final class KeepAlive {
    private final String name;
    private volatile int holds;

    public KeepAlive(String name) {
        this.name = name;
    }

    public synchronized void acquire() {
        if (holds++ == 0) {
            Thread t = new Thread(this::awaitRelease, name);
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

    private synchronized void awaitRelease() {
        while (holds > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
