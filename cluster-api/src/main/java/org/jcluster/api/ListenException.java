package org.jcluster.api;

import java.net.BindException;
import java.util.Objects;

/**
 * A server could not listen: the bind or listen call failed (in the primary, for a shared server) with
 * the operating system's error, or the options cannot work. {@link #code()} is the OS error's name,
 * as Node's {@code err.code}: "EADDRINUSE", "EACCES", "ENAMETOOLONG"...
 */
public class ListenException extends BindException {
    private static final long serialVersionUID = 1L;
    private final String code;

    public ListenException(String code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The error's name ("EADDRINUSE"), or "EINVAL" for options that cannot work. */
    public String code() {
        return code;
    }
}
