package org.jcluster.api.spi;

import java.time.Duration;

import org.jcluster.api.ListenAddress;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;

/** What the primary offers a {@link ConnectionDispatcher}. */
public interface DispatchContext {
    /** The shared server the dispatcher serves. */
    ListenAddress address();

    /**
     * Sends {@code connection} to {@code worker}. The dispatcher then hears
     * {@link ConnectionDispatcher#connectionAcknowledged} or {@link ConnectionDispatcher#connectionRefused}
     * for it, unless the worker leaves first.
     *
     * <p>Never blocks (the connection is queued on the worker's channel) and never calls the dispatcher
     * (the worker's answer comes in a later call). A dispatcher may hand a worker several connections
     * before it answers (the worker takes them in order); "rr" hands one at a time, as Node does.
     *
     * @return false when the worker can no longer take connections (it has left this server or its
     *     channel is closed; {@link ConnectionDispatcher#workerLeft} follows, unless it came already):
     *     about the worker only; the connection is still the dispatcher's. A hand-off the primary cannot
     *     make for a moment (out of descriptors) answers true and comes back as a refusal.
     * @throws IllegalArgumentException for a connection that is not this server's, that the dispatcher
     *     has already closed, or that is in flight (handed off and not yet answered)
     * @throws IllegalStateException when called from outside the dispatcher's calls and scheduled tasks
     */
    boolean handOff(Worker worker, PendingConnection connection);

    /**
     * Runs {@code task} after {@code delay} (zero or negative: as soon as it can), in turn with the
     * dispatcher's calls (never during one), unless the dispatcher is closed by then or the returned
     * registration is removed first. For a dispatcher that waits for something that may not come (an
     * answer, say) and must act by a deadline.
     */
    Registration schedule(Duration delay, Runnable task);
}
