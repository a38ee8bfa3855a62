package org.jcluster.examples;

import java.io.IOException;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.ListenException;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.supervisor.ReloadReport;
import org.jcluster.supervisor.ShutdownReason;
import org.jcluster.supervisor.ShutdownReport;
import org.jcluster.supervisor.Supervisor;
import org.jcluster.supervisor.SupervisorEvent;
import org.jcluster.supervisor.SupervisorSettings;

/**
 * The demo cluster: Node's cluster HTTP hello world, one main method that is the primary or a worker,
 * kept up by jcluster's {@link Supervisor} as PM2 keeps a Node cluster up.
 *
 * <pre>{@code
 * ./demo.sh [options]      (./demo.sh --help: the options, from DemoOptions)
 * }</pre>
 *
 * <p>The primary's supervisor forks one worker per core (or {@code --workers N}) and the primary prints
 * every event, the cluster's and the supervisor's; each worker serves {@code Hello World\n} with Netty on
 * the one shared port (8000, or {@code --port P}; 0 picks a free one), under the scheduling policy
 * {@code --policy} (default: the {@value Cluster#SCHED_POLICY_ENV} environment variable, else "rr").
 *
 * <p>The supervisor replaces a worker that crashes (or is SIGKILLed) after a backoff, stops a crash loop,
 * reloads every worker one at a time on SIGHUP (each replacement listens before the worker it replaces
 * is disconnected; new code on disk is picked up), and on Ctrl-C (SIGINT), SIGTERM or the end of
 * {@code --seconds S} shuts the cluster down gracefully: every worker is disconnected, stops taking
 * connections, closes its idle keep-alive connections (busy ones after their response), prints how
 * many requests it answered and exits; the primary exits 0 once every worker left in time, 1 otherwise.
 * Its settings come from {@code -Djcluster.supervisor.*} and {@code JCLUSTER_SUPERVISOR_*}
 * (docs/supervisor.md), which win over {@code --workers}.
 *
 * <p>A worker that cannot listen (the port is taken, say) reports the error to the primary and exits;
 * the primary prints it, stops the other workers and exits with 1 at once. So does a primary whose
 * workers all left on their own without being replaced. Exit code 2: a bad option or setting.
 */
public final class Demo {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    /** The listen queue: under rr the primary's, under none the one socket all workers accept on. */
    static final int BACKLOG = 1024;
    /** Requests each worker serves itself before it listens (HelloServer.warmUp). */
    static final int WARM_UP_REQUESTS = 200;
    /** How long a worker lets busy connections finish their request before closing them anyway. */
    private static final long DRAIN_MS = 3_000;
    /** How long a disconnected worker gives Netty's event loops to finish what they hold. */
    private static final long NETTY_STOP_MS = 1_000;
    /** How long a worker that cannot listen waits for its report to be written before it exits anyway. */
    private static final long LISTEN_ERROR_REPORT_MS = 2_000;
    /** The message key of a worker's listen failure (the primary prints its "message" and stops). */
    static final String LISTEN_ERROR = "listenError";
    /** The exit status when the cluster cannot serve: a worker cannot listen, or every worker left on its own. */
    static final int EXIT_CANNOT_SERVE = 1;
    /**
     * The supervisor's own log records (java.util.logging, by default on standard error): the demo prints
     * each of its decisions as an event line instead, so only its warnings and errors are kept. Held here
     * because java.util.logging forgets the level of a logger nobody references.
     */
    private static final Logger SUPERVISOR_LOG = Logger.getLogger("org.jcluster.supervisor");

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        if (Runtime.version().feature() >= 24 && System.getProperty("io.netty.noUnsafe") == null) {
            // Netty 4.1 would use sun.misc.Unsafe, which Java 24+ warns about (JEP 498); before 24 it may.
            System.setProperty("io.netty.noUnsafe", "true");
        }
        if (DemoOptions.asksForHelp(args)) {
            System.out.print(DemoOptions.USAGE);
            return;
        }
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(DemoOptions.CHECK_BAD_OPTION);
            return;
        }
        Cluster cluster = Cluster.get();
        if (cluster.isPrimary()) {
            new Primary(cluster, options).start();
        } else {
            worker(cluster, cluster.worker().orElseThrow(), options); // workers get the primary's arguments
        }
    }

    // ---- the primary ----

    private static final class Primary {
        private final Cluster cluster;
        private final DemoOptions options;
        private final AtomicInteger listening = new AtomicInteger();
        /** Each worker's CPU time (ms) when it first listened: what starting one cost. Event thread only. */
        private final Map<Integer, Long> cpuWhenListening = new HashMap<>();
        private Supervisor supervisor;
        /**
         * Why the main thread should end the demo: --seconds elapsing, a worker's listen error, the last
         * worker leaving unreplaced, or the supervisor's own shutdown (a crash loop, a failed fork, a
         * signal). Listeners only complete it; the main thread waits for the shutdown and exits, because
         * that waits for events the event thread delivers.
         */
        private final CompletableFuture<Ending> ending = new CompletableFuture<>();

        /** {@code exitCode} null: the shutdown report's status. */
        private record Ending(String why, Integer exitCode) {
        }

        Primary(Cluster cluster, DemoOptions options) {
            this.cluster = cluster;
            this.options = options;
        }

        void start() {
            if (options.policy() != null) {
                try {
                    cluster.schedulingPolicy(options.policy()); // before the first fork, which freezes it
                } catch (RuntimeException e) { // no policy of that name: the message names what was found
                    System.err.println("--policy " + options.policy() + ": " + e.getMessage());
                    System.exit(DemoOptions.CHECK_BAD_OPTION);
                }
            }
            SupervisorSettings settings;
            try {
                // build() lets -Djcluster.supervisor.* and JCLUSTER_SUPERVISOR_* override these. The demo
                // exits itself after a shutdown it started (with its own status after a listen error);
                // after a signal's shutdown the supervisor ends the JVM with the shutdown's status.
                settings = SupervisorSettings.builder().workers(options.workers()).exitAfterShutdown(false).build();
            } catch (IllegalArgumentException e) { // the message names the setting, its source and the fix
                System.err.println(e.getMessage());
                System.exit(DemoOptions.CHECK_BAD_OPTION);
                return;
            }
            SUPERVISOR_LOG.setLevel(Level.WARNING);
            supervisor = Supervisor.create(cluster, settings);
            int workers = settings.workers();

            cluster.on(ClusterEvent.FORK, w -> {
                log("fork      worker " + w.id() + " (pid " + w.pid() + ")");
                // A worker's error (its channel failed, a bad frame): one line, not jcluster's warning and
                // stack trace for an error nobody listens to.
                w.on(WorkerEvent.ERROR, e -> log("error     worker " + w.id() + ": " + e.getMessage()));
            });
            cluster.on(ClusterEvent.ONLINE, w -> log("online    worker " + w.id()));
            cluster.on(ClusterEvent.LISTENING, (w, address) -> {
                w.process().flatMap(p -> p.info().totalCpuDuration())
                        .ifPresent(cpu -> cpuWhenListening.putIfAbsent(w.id(), cpu.toMillis()));
                log("listening worker " + w.id() + " on " + address.describe());
                if (listening.incrementAndGet() == workers) {
                    log("all " + workers + " workers listening: curl http://localhost:" + address.port() + "/");
                }
            });
            cluster.on(ClusterEvent.MESSAGE, (w, m) -> {
                if (m instanceof Map<?, ?> map && map.get(LISTEN_ERROR) instanceof String code) {
                    if (!ending.isDone()) { // every worker fails alike on a shared port: say it once
                        logError("worker " + w.id() + " " + map.get("message") + portAdvice(code));
                        // From here, on the event thread: the worker exits right after this message, and
                        // its exit must find the shutdown begun rather than schedule a respawn.
                        supervisor.shutdown();
                        ending.complete(new Ending("worker " + w.id() + " cannot listen (" + code + ")",
                                EXIT_CANNOT_SERVE));
                    }
                }
            });
            cluster.on(ClusterEvent.DISCONNECT, w -> log("disconnect worker " + w.id()));
            cluster.on(ClusterEvent.EXIT, (w, status) -> {
                cpuWhenListening.remove(w.id());
                log("exit      worker " + w.id() + " with " + status
                        + (w.exitedAfterDisconnect().orElse(false) ? " (after disconnect)" : ""));
            });
            logSupervisorEvents();

            log("primary pid " + ProcessHandle.current().pid() + ": policy " + cluster.schedulingPolicy()
                    + ", " + workers + " supervised workers to serve HTTP on port " + options.port()
                    + " (Ctrl-C to stop, kill -HUP " + ProcessHandle.current().pid() + " to reload)");
            supervisor.start();
            supervisor.whenDone().thenAccept(report -> ending.complete(new Ending(report.message(), null)));
            if (options.seconds() > 0) {
                ending.completeOnTimeout(new Ending("--seconds " + options.seconds() + " elapsed", null),
                        options.seconds(), TimeUnit.SECONDS);
            }
            Ending end = ending.join();
            ShutdownReport report = supervisor.shutdown().join(); // the one shutdown's report, whoever began it
            if (isSignal(report.reason())) {
                return; // the supervisor's shutdown hook ends the JVM with the report's status
            }
            int status = end.exitCode() != null ? end.exitCode() : report.exitStatus();
            log("the primary exits with " + status + " (" + end.why() + ")");
            System.out.flush();
            System.exit(status);
        }

        private static boolean isSignal(ShutdownReason reason) {
            return reason == ShutdownReason.SIGTERM || reason == ShutdownReason.SIGINT || reason == ShutdownReason.SIGHUP;
        }

        /** One line per decision of the supervisor, in the style of the cluster's events. reload.sh reads them. */
        private void logSupervisorEvents() {
            supervisor.on(SupervisorEvent.RESPAWN_SCHEDULED, e -> log("respawn   worker " + e.worker().id()
                    + " exited unexpectedly (" + e.status() + "): a replacement in " + e.delay().toMillis() + " ms"
                    + (e.attempt() > 1 ? " (crash " + e.attempt() + " in a row)" : "")));
            supervisor.on(SupervisorEvent.RESPAWNED, e -> log("respawned worker " + e.worker().id() + " in place of worker "
                    + e.previous().id()));
            supervisor.on(SupervisorEvent.BACKOFF_RESET, e -> log("stable    worker " + e.worker().id() + " up "
                    + e.uptime().toMillis() + " ms: " + e.forgottenCrashes() + " crash(es) of its slot forgotten"));
            supervisor.on(SupervisorEvent.RETIRED, e -> {
                log("retired   worker " + e.worker().id() + " (" + e.status() + "): not replaced, "
                        + e.reason().name().toLowerCase().replace('_', ' '));
                if (cluster.workers().isEmpty()) {
                    ending.complete(new Ending("no workers left (each left on its own)", EXIT_CANNOT_SERVE));
                }
            });
            supervisor.on(SupervisorEvent.CRASH_LOOP, e -> logError("crash loop: " + e.message()));
            supervisor.on(SupervisorEvent.SHUTDOWN_STARTED, e -> log("shutdown  " + describe(e.reason())
                    + ": disconnecting " + ids(e.workers()) + "; SIGKILL for any still running after "
                    + e.deadline().toMillis() + " ms"));
            supervisor.on(SupervisorEvent.SHUTDOWN_DONE, e -> log("shutdown  done: " + e.message()));
            supervisor.on(SupervisorEvent.RELOAD_STARTED, e -> log("reload    " + e.number() + " started: replacing "
                    + ids(e.workers()) + " one at a time"));
            // reload.sh takes each worker's reload time, and the CPU its start took, from this line.
            supervisor.on(SupervisorEvent.RELOAD_STEP, e -> {
                Long cpu = cpuWhenListening.get(e.replacement().id());
                log("reload    worker " + e.replacement().id() + " replaced worker " + e.replaced().id() + " in "
                        + e.took().toMillis() + " ms (ready after " + e.readyAfter().toMillis() + " ms"
                        + (cpu == null ? "" : ", on " + cpu + " ms of CPU") + ")");
            });
            supervisor.on(SupervisorEvent.RELOAD_DONE, e -> log("reload    done: " + e.message()));
            supervisor.on(SupervisorEvent.RELOAD_ROLLED_BACK, e -> {
                if (e.outcome() == ReloadReport.Outcome.STOPPED) {
                    log("reload    stopped: " + e.message());
                } else {
                    logError("reload    rolled back: " + e.message());
                }
            });
            supervisor.on(SupervisorEvent.UNRESPONSIVE, e -> logError("worker " + e.worker().id()
                    + " did not answer a ping within " + e.timeout().toMillis() + " ms"
                    + (e.replacing() ? ": replacing it (its thread dump follows on its output)" : "")));
            supervisor.on(SupervisorEvent.RECYCLED, e -> log("recycled  worker " + e.replaced().id() + " replaced by worker "
                    + e.replacement().id() + " (" + e.reason().name().toLowerCase().replace('_', ' ') + " " + e.value()
                    + ", limit " + e.limit() + ")"));
        }

        private static String describe(ShutdownReason reason) {
            return switch (reason) {
                case CALL -> "asked";
                case CRASH_LOOP -> "after a crash loop";
                case FORK_FAILED -> "after a failed fork";
                default -> "on " + reason;
            };
        }

        private static String ids(List<Worker> workers) {
            return workers.isEmpty() ? "no worker" : (workers.size() == 1 ? "worker " : "workers ")
                    + workers.stream().map(w -> Integer.toString(w.id())).collect(Collectors.joining(", "));
        }

        /** The demo's own way out of a port that is taken or forbidden, beside jcluster's general advice. */
        private String portAdvice(String code) {
            return code.equals("EADDRINUSE") || code.equals("EACCES")
                    ? " (in the demo: --port P; --port 0 picks a free one)" : "";
        }
    }

    // ---- a worker ----

    private static void worker(Cluster cluster, Worker me, DemoOptions options) throws IOException {
        HelloServer http = new HelloServer(options.threads());
        AtomicReference<ClusterServer> listening = new AtomicReference<>();
        // A graceful disconnect (a reload, a shutdown) first closes the server (DISCONNECTING), then waits
        // until every connection it handed out is closed, and only then closes the channel: so the drain
        // starts at DISCONNECTING, as only Netty can close its connections. Idle keep-alive connections
        // close once quiet, busy ones after their response (which says Connection: close), and those still
        // open after DRAIN_MS are closed anyway.
        AtomicBoolean draining = new AtomicBoolean();
        Runnable drain = () -> {
            if (draining.compareAndSet(false, true)) {
                ClusterServer server = listening.get();
                if (server != null) {
                    server.close();
                }
                http.drain().orTimeout(DRAIN_MS, TimeUnit.MILLISECONDS).exceptionally(stillBusy -> {
                    http.closeAll();
                    return null;
                });
            }
        };
        // The channel is gone (after a graceful disconnect, or because the primary went away): finish what
        // is left, say how much this worker served (it can no longer tell the primary), stop Netty's event
        // loops, and end. After a graceful disconnect every connection is closed already: jcluster closes
        // the channel only then. Set up first: a worker may be disconnected while it starts (a shutdown
        // as it warms up), and Netty's threads would then keep it running.
        AtomicBoolean ending = new AtomicBoolean();
        Runnable end = () -> {
            if (!ending.compareAndSet(false, true)) {
                return;
            }
            drain.run();
            try {
                http.drained().get(DRAIN_MS + NETTY_STOP_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                http.closeAll();
            }
            log("worker " + me.id() + " served " + http.requests() + " requests on " + http.connections() + " connections");
            http.shutdown(NETTY_STOP_MS);
            // Netty reports its loops' end on its GlobalEventExecutor, a thread that keeps the JVM up to a
            // second after its last task: with nothing left to do here, end now, as the graceful shutdown
            // PM2 documents for Node ends with process.exit(0). The channel is closed: no jcluster event is
            // still to come.
            System.out.flush();
            System.exit(0);
        };
        me.on(WorkerEvent.DISCONNECTING, drain);
        me.on(WorkerEvent.DISCONNECT, end);
        if (!me.isConnected()) {
            end.run(); // disconnected before the listener was there (as it joined, before it was online)
        }
        http.warmUp(WARM_UP_REQUESTS); // before listening, so that the first connections it is dealt are not slow
        ClusterServer server;
        try {
            // HelloServer.onConnection only registers the connection with Netty's event loop: it never
            // blocks, so jcluster may call it on its I/O thread and save a thread hand-off per connection.
            server = cluster.listen(ServerOptions.tcp(options.port()).withBacklog(BACKLOG)
                    .withNonBlockingHandler(options.handlerOnIoThread()), http);
        } catch (ListenException e) {
            reportListenErrorAndExit(me, "cannot listen on port " + options.port() + ": " + e.getMessage(), e.code());
            return;
        } catch (IOException e) {
            if (!me.isConnected()) {
                end.run(); // disconnected as it started (also run by the DISCONNECT listener: once is enough)
                return;
            }
            throw e;
        }
        listening.set(server);
        if (draining.get()) {
            server.close(); // the disconnect came as it listened
        }
    }

    /**
     * Tells the primary, which prints the error and stops the cluster, then exits with 1 (as a Node
     * worker does on a server's unhandled 'error'). Waits for the report to be written first, within a
     * deadline: a JVM that exits at once may end before the report leaves. Prints the error itself when
     * the report cannot go.
     */
    private static void reportListenErrorAndExit(Worker me, String error, String code) {
        CompletableFuture<Throwable> written = new CompletableFuture<>(); // the send's error, null once written
        boolean reported;
        try {
            me.send(Map.of(LISTEN_ERROR, code, "message", error), written::complete);
            reported = written.get(LISTEN_ERROR_REPORT_MS, TimeUnit.MILLISECONDS) == null;
        } catch (InterruptedException | ExecutionException | TimeoutException | RuntimeException e) {
            reported = false; // a closed channel may refuse the send outright
        }
        if (!reported) {
            System.err.println("worker " + me.id() + " " + error);
        }
        System.exit(EXIT_CANNOT_SERVE);
    }

    private static void log(String line) {
        System.out.println(LocalTime.now().format(TIME) + "  " + line);
    }

    private static void logError(String line) {
        System.err.println(LocalTime.now().format(TIME) + "  error: " + line);
    }
}
