package org.jcluster.core.internal.primary;

import org.jcluster.api.Worker;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.transport.Descriptor;

/** The primary's side of one worker, as its shared servers need it. */
public interface ServerPeer {
    Worker worker();

    /** True while the worker's channel is open. */
    boolean isConnected();

    /** Sends an internal message with {@code handle} (null for none), which the call spends. */
    void sendInternal(InternalMessage message, Descriptor handle);

    /** Counts a connection handed to this worker (for its stats); on the dispatcher's thread. */
    void connectionDealt();

    /** Counts a connection this worker handed back; on the dispatcher's thread. */
    void connectionRefused();
}
