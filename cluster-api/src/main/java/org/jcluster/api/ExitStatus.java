package org.jcluster.api;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a worker process ended: an exit code or a signal, never both.
 *
 * <p>A JVM killed by signal N reports 128+N to {@link Process#exitValue()}. jcluster reports such a
 * worker as killed by the signal, using what the worker told the primary before dying where it could
 * (a SIGTERM runs shutdown hooks). One case stays ambiguous: a worker that calls {@code exit(137)}
 * after its channel is already closed is reported as killed by SIGKILL.
 */
public final class ExitStatus {
    private final Integer code;
    private final String signal;

    private ExitStatus(Integer code, String signal) {
        this.code = code;
        this.signal = signal;
    }

    /** The process exited with {@code code}. */
    public static ExitStatus ofCode(int code) {
        return new ExitStatus(code, null);
    }

    /** The process was killed by {@code signal}, a name such as "SIGTERM". */
    public static ExitStatus ofSignal(String signal) {
        Objects.requireNonNull(signal, "signal");
        if (!signal.startsWith("SIG")) {
            throw new IllegalArgumentException("signal names start with SIG, e.g. SIGTERM; got " + signal);
        }
        return new ExitStatus(null, signal);
    }

    /** The exit code, when the process exited rather than being killed by a signal. */
    public OptionalInt exitCode() {
        return code == null ? OptionalInt.empty() : OptionalInt.of(code);
    }

    /** The signal name (e.g. "SIGKILL"), when the process was killed by a signal. */
    public Optional<String> signal() {
        return Optional.ofNullable(signal);
    }

    public boolean isSignal() {
        return signal != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExitStatus other && Objects.equals(code, other.code) && Objects.equals(signal, other.signal);
    }

    @Override
    public int hashCode() {
        return Objects.hash(code, signal);
    }

    @Override
    public String toString() {
        return signal != null ? "signal " + signal : "code " + code;
    }
}
