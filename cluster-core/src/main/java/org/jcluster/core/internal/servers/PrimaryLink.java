package org.jcluster.core.internal.servers;

import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.transport.Descriptor;

/** What a worker's servers need of the worker's channel to its primary. */
public interface PrimaryLink {
    /** A fresh sequence number for a request. */
    int nextSeq();

    /** Runs {@code then} (on a reader thread) when the primary acknowledges {@code seq}. */
    void onAck(int seq, Runnable then);

    /** Sends an internal message with {@code handle} (null for none), which the call spends. */
    void sendInternal(InternalMessage message, Descriptor handle);

    /**
     * Called before the calling thread waits for the primary's answer: when it is the channel's reader
     * (an event listener runs there), another thread takes over reading, or the answer could never come.
     *
     * @throws IllegalStateException when the caller is the reader delivering a frame, which cannot wait
     */
    void beforeAwaitingAnswer(String forWhat);

    /** True while the channel is open. */
    boolean isConnected();

    /** Reports an error with no caller to throw to, as the worker's 'error' event. */
    void reportError(Throwable error);
}
