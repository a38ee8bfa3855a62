package org.jcluster.ipc.advanced;

/**
 * A {@link RemoteError} as a throwable, so it can be rethrown or logged with the sender's stack trace.
 * Sending it again sends the error it was made from.
 */
public final class RemoteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    // Transient: jcluster never uses java.io serialization; the field only has to survive in memory.
    private final transient RemoteError error;

    RemoteException(RemoteError error) {
        super(error.toString(), error.cause() == null ? null : error.cause().toException());
        this.error = error;
        setStackTrace(error.stackTrace().toArray(new StackTraceElement[0]));
        for (RemoteError s : error.suppressed()) {
            addSuppressed(s.toException());
        }
    }

    /** The error this exception was made from. */
    public RemoteError error() {
        return error;
    }
}
