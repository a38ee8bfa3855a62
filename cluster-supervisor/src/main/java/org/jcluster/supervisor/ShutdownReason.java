package org.jcluster.supervisor;

/** What started a graceful shutdown. */
public enum ShutdownReason {
    /** {@link Supervisor#shutdown()} or {@link Supervisor#shutdown(java.time.Duration)} was called. */
    CALL,
    /** SIGTERM reached the primary (systemd's stop, Kubernetes' termination, {@code kill}). */
    SIGTERM,
    /** SIGINT reached the primary (Ctrl-C in its terminal). */
    SIGINT,
    /** SIGHUP reached the primary (its terminal closed), which ends a JVM. */
    SIGHUP,
    /** The crash-loop breaker opened (see {@link CrashLoop}). */
    CRASH_LOOP,
    /** A worker could not be forked at all (the java command or the working directory is wrong). */
    FORK_FAILED
}
