package org.jcluster.core.internal.events;

import java.lang.System.Logger.Level;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one ordered event thread of a cluster: every event and message is delivered through it, so
 * listeners never race each other. An embedding runtime may hand in its own serial executor before
 * the first event.
 *
 * <p>The default thread is a daemon: what keeps a JVM alive is decided by {@link KeepAlive}, not by
 * whether this thread exists. It ends after a few idle seconds and is recreated on demand.
 */
public final class EventLoop implements Executor {
    private static final System.Logger LOG = System.getLogger("org.jcluster");

    private volatile Executor delegate;
    private volatile boolean used;
    private volatile Thread currentThread;

    public EventLoop(String name) {
        ThreadFactory factory = runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            return t;
        };
        ThreadPoolExecutor own = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
        own.allowCoreThreadTimeOut(true);
        this.delegate = own;
    }

    /** Replaces the delivery executor; allowed only before anything was queued. */
    public synchronized void useExecutor(Executor executor) {
        if (used) {
            throw new IllegalStateException("eventExecutor must be set before the cluster's first event"
                    + " (before fork() in the primary, at start-up in a worker)");
        }
        delegate = executor;
    }

    @Override
    public void execute(Runnable task) {
        used = true;
        delegate.execute(() -> {
            currentThread = Thread.currentThread();
            try {
                task.run();
            } catch (Throwable t) {
                // A listener's exception must not stop delivery of every later event.
                LOG.log(Level.ERROR, "jcluster: an event listener threw", t);
            } finally {
                currentThread = null;
            }
        });
    }

    /** True when called from inside an event being delivered. */
    public boolean inEventThread() {
        return currentThread == Thread.currentThread();
    }
}
