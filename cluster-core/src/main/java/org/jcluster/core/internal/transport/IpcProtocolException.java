package org.jcluster.core.internal.transport;

import java.io.IOException;

/** The peer sent a stream that is not a valid sequence of frames; the channel is closed with this as the cause. */
public class IpcProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public IpcProtocolException(String message) {
        super(message);
    }
}
