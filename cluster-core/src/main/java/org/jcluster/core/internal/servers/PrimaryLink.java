package org.jcluster.core.internal.servers;

import org.jcluster.core.internal.protocol.InternalMessage;

/** What a worker's servers need of the worker's channel to its primary. */
public interface PrimaryLink {
    /** A fresh sequence number for a request. */
    int nextSeq();

    /** Runs {@code then} (on a reader thread) when the primary acknowledges {@code seq}. */
    void onAck(int seq, Runnable then);

    /** Sends an internal message, with {@code fd} (-1 for none) whose ownership passes to the call. */
    void sendInternal(InternalMessage message, int fd);

    /** True while the channel is open. */
    boolean isConnected();

    /** Reports an error with no caller to throw to, as the worker's 'error' event. */
    void reportError(Throwable error);
}
