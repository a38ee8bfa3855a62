package org.jcluster.api.spi;

import org.jcluster.api.ListenAddress;
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
     * @return false when the worker can no longer take connections (it has left this server or its
     *     channel is closed); the connection is still the dispatcher's
     */
    boolean handOff(Worker worker, PendingConnection connection);
}
