package org.jcluster.core.internal.primary;

import org.jcluster.api.Worker;
import org.jcluster.core.internal.protocol.InternalMessage;

/** The primary's side of one worker, as its shared servers need it. */
public interface ServerPeer {
    Worker worker();

    /** True while the worker's channel is open. */
    boolean isConnected();

    /** Sends an internal message with {@code fd} (-1 for none), whose ownership passes to the call. */
    void sendInternal(InternalMessage message, int fd);
}
