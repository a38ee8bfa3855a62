package org.jcluster.core.internal.transport;

import java.nio.ByteBuffer;

/** Receives what arrives on an {@link IpcChannel}; all calls come from the channel's reader thread. */
public interface FrameHandler {
    /**
     * A complete frame, in arrival order.
     *
     * @param kind    the frame's kind, 0..127
     * @param payload the payload between position and limit; valid only during this call (the channel
     *                reuses the memory), so decode it here
     * @param handle  null, or the descriptor received with this frame, which the handler now owns: it closes
     *                it or hands it on. If onFrame throws, the channel closes it unless it is spent already,
     *                so a handler that hands it on unspent (to another thread) must not throw afterwards
     */
    void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle);

    /**
     * The frames of one read have all been delivered and the reader is about to wait for more: a good
     * moment to act on a batch at once (run the events they caused, write the answers together).
     */
    default void onBatchEnd(IpcChannel channel) {
    }

    /**
     * Exactly once, after the last {@link #onFrame}, when the channel closes for any reason.
     *
     * @param cause null for an orderly end (the peer closed, or {@link IpcChannel#close()} or
     *              {@link IpcChannel#closeAfterFlush()} was called); otherwise the error that ended the
     *              channel ({@link IpcProtocolException}, an I/O error, or an exception thrown by {@link #onFrame})
     */
    void onClose(IpcChannel channel, Throwable cause);
}
