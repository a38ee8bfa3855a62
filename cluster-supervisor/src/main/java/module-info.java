/**
 * Keeps a jcluster service up: a desired number of workers, respawned with exponential backoff when
 * they exit unasked, a crash-loop breaker, rolling reload with rollback ({@code SIGHUP}), replacement
 * of hung workers, recycling by connections or memory, and a graceful shutdown on
 * {@code SIGTERM}/{@code SIGINT} that ends the primary with 0 only when every worker left in time. Built on {@code jcluster.api}
 * alone, as PM2 is built on Node's {@code cluster}: see {@link org.jcluster.supervisor.Supervisor}.
 */
module jcluster.supervisor {
    requires transitive jcluster.api;
    // sun.misc.Signal: SIGHUP starts a reload instead of the JVM's shutdown.
    requires jdk.unsupported;
    // A Flight Recorder event for each decision: docs/observability.md.
    requires jdk.jfr;

    exports org.jcluster.supervisor;
}
