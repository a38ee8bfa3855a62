package org.jcluster.core.internal.protocol;

/** A peer broke jcluster's internal protocol; its channel is closed with this as the reason. */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
