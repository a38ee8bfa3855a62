package org.jcluster.ipc.advanced;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.jcluster.api.spi.SerializationOptions;

/**
 * An exception as it arrives from another process: what a {@link Throwable} sent with the "advanced"
 * serialization decodes to.
 *
 * <p>The receiver never instantiates the sender's exception class (it may not exist here, and
 * creating classes named by the wire is how deserialization attacks start): it gets this value, which
 * keeps the class name, message, stack trace, cause and suppressed errors. {@link #toException()}
 * turns it into a throwable to rethrow or log with the remote stack trace.
 *
 * @param className the sender's exception class, e.g. {@code java.io.FileNotFoundException}
 * @param message the exception's {@link Throwable#getMessage()}, or null
 * @param stackTrace the sender's stack frames, innermost first; never null
 * @param cause the cause, or null
 * @param suppressed the suppressed exceptions; never null
 */
public record RemoteError(String className, String message, List<StackTraceElement> stackTrace, RemoteError cause,
        List<RemoteError> suppressed) {

    public RemoteError {
        Objects.requireNonNull(className, "className");
        stackTrace = stackTrace == null ? List.of() : List.copyOf(stackTrace);
        suppressed = suppressed == null ? List.of() : List.copyOf(suppressed);
    }

    /** An error with no stack trace, cause or suppressed errors. */
    public RemoteError(String className, String message) {
        this(className, message, List.of(), null, List.of());
    }

    /**
     * The error that {@code throwable} is sent as. A {@link RemoteException} gives back the error it
     * was made from. Causes and suppressed errors nest at most
     * {@link SerializationOptions#DEFAULT_MAX_NESTING_DEPTH} levels deep, and a cause chain that loops
     * back on itself is cut where it would repeat.
     */
    public static RemoteError of(Throwable throwable) {
        return of(throwable, SerializationOptions.DEFAULT_MAX_NESTING_DEPTH);
    }

    static RemoteError of(Throwable throwable, int maxLevels) {
        return of(throwable, Math.max(1, maxLevels), Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static RemoteError of(Throwable t, int levels, Set<Throwable> path) {
        if (t instanceof RemoteException remote) {
            return remote.error();
        }
        path.add(t);
        try {
            Throwable causeThrowable = t.getCause();
            RemoteError cause = levels > 1 && causeThrowable != null && !path.contains(causeThrowable)
                    ? of(causeThrowable, levels - 1, path)
                    : null;
            List<RemoteError> suppressed = new ArrayList<>();
            if (levels > 1) {
                for (Throwable s : t.getSuppressed()) {
                    if (!path.contains(s)) {
                        suppressed.add(of(s, levels - 1, path));
                    }
                }
            }
            return new RemoteError(t.getClass().getName(), t.getMessage(), List.of(t.getStackTrace()), cause,
                    suppressed);
        } finally {
            path.remove(t);
        }
    }

    /**
     * A throwable to rethrow or log: its message is {@code "className: message"}, its stack trace the
     * remote one, and its cause and suppressed exceptions made the same way.
     */
    public RemoteException toException() {
        return new RemoteException(this);
    }

    /** {@code className: message}, as {@link Throwable#toString()} prints it. */
    @Override
    public String toString() {
        return message == null ? className : className + ": " + message;
    }
}
