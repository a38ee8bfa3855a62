package org.jcluster.examples;

import java.io.IOException;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.ListenException;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;

/**
 * The demo cluster: Node's cluster HTTP hello world, one main method that is the primary or a worker.
 *
 * <pre>{@code
 * ./demo.sh [options]      (./demo.sh --help: the options, from DemoOptions)
 * }</pre>
 *
 * <p>The primary forks one worker per core (or {@code --workers N}) and prints every event; each worker
 * serves {@code Hello World\n} with Netty on the one shared port (8000, or {@code --port P}; 0 picks a
 * free one), under the scheduling policy {@code --policy} (default: the {@value Cluster#SCHED_POLICY_ENV}
 * environment variable, else "rr").
 *
 * <p>Ctrl-C (SIGINT), SIGTERM or the end of {@code --seconds S} shuts the cluster down gracefully: the
 * primary asks every worker to stop; each worker stops taking connections, closes its idle keep-alive
 * connections (busy ones after their response), then reports how many requests it answered; the primary
 * prints each count and the total, disconnects the workers and waits for them to exit (exit code 0 after
 * {@code --seconds}, 128+signal after a signal, as for any JVM).
 *
 * <p>A worker that cannot listen (the port is taken, say) reports the error to the primary and exits;
 * the primary prints it, stops the other workers and exits with 1 at once. So does a primary whose
 * workers all exited on their own. Exit code 2: a bad option.
 */
public final class Demo {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    /** The listen queue: under rr the primary's, under none the one socket all workers accept on. */
    static final int BACKLOG = 1024;
    /** Requests each worker serves itself before it listens (HelloServer.warmUp). */
    static final int WARM_UP_REQUESTS = 200;
    /** How long a worker lets busy connections finish their request before closing them anyway. */
    private static final long DRAIN_MS = 3_000;
    /** How long the primary waits for the reports, then for the exits, before killing workers. */
    private static final long STEP_TIMEOUT_MS = 10_000;
    /** How long a worker that cannot listen waits for its report to be written before it exits anyway. */
    private static final long LISTEN_ERROR_REPORT_MS = 2_000;
    /** The message key of a worker's listen failure (the primary prints its "message" and stops). */
    static final String LISTEN_ERROR = "listenError";
    /** The exit status when the cluster cannot serve: a worker cannot listen, or every worker left on its own. */
    static final int EXIT_CANNOT_SERVE = 1;

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
        /** Requests and connections per worker id, as reported at shutdown. */
        private final Map<Integer, Long> served = new ConcurrentSkipListMap<>();
        private final Map<Integer, Long> connections = new ConcurrentHashMap<>();
        /** Per worker id: completes when the worker reported its count, or can no longer. */
        private final Map<Integer, CompletableFuture<Void>> reported = new ConcurrentHashMap<>();
        /** Per worker id: completes when the worker's exit event has been printed. */
        private final Map<Integer, CompletableFuture<Void>> exited = new ConcurrentHashMap<>();
        private final AtomicInteger listening = new AtomicInteger();
        private final AtomicBoolean shuttingDown = new AtomicBoolean();
        /** Every worker forked, in order (cluster.workers() forgets the ones that left). */
        private final List<Worker> forked = new ArrayList<>();
        private volatile boolean allForked;
        /**
         * Why the main thread should stop the cluster, and with which exit code: the first of --seconds
         * elapsing, a worker's listen error, and the last worker leaving on its own. Listeners only
         * complete it; the main thread does the stopping, because stopping waits for events (the
         * disconnect callback, the exits) that the event thread delivers: a listener that stopped the
         * cluster itself, or called System.exit (whose shutdown hook stops it), would wait for itself.
         */
        private final CompletableFuture<Ending> ending = new CompletableFuture<>();

        /** {@code graceful}: ask the workers for their counts and disconnect them; otherwise kill them. */
        private record Ending(String why, int exitCode, boolean graceful) {
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
            cluster.on(ClusterEvent.FORK, w -> log("fork      worker " + w.id() + " (pid " + w.pid() + ")"));
            cluster.on(ClusterEvent.ONLINE, w -> log("online    worker " + w.id()));
            cluster.on(ClusterEvent.LISTENING, (w, address) -> {
                log("listening worker " + w.id() + " on " + format(address));
                // (not once shutting down: a worker may still come to listen just before it stops)
                if (listening.incrementAndGet() == options.workers() && !shuttingDown.get()) {
                    log("all " + options.workers() + " workers listening: curl http://localhost:" + address.port() + "/");
                }
            });
            cluster.on(ClusterEvent.MESSAGE, (w, m) -> {
                if (m instanceof Map<?, ?> map && map.get(LISTEN_ERROR) instanceof String code) {
                    if (!ending.isDone()) { // every worker fails alike on a shared port: say it once
                        logError("worker " + w.id() + " " + map.get("message") + portAdvice(code));
                        ending.complete(new Ending("worker " + w.id() + " cannot listen (" + code + ")",
                                EXIT_CANNOT_SERVE, false));
                    }
                } else if (m instanceof Map<?, ?> map && map.get("requests") instanceof Number n) {
                    served.put(w.id(), n.longValue());
                    if (map.get("connections") instanceof Number c) {
                        connections.put(w.id(), c.longValue());
                    }
                    log("report    worker " + w.id() + ": " + n + " requests");
                    future(reported, w.id()).complete(null);
                }
            });
            cluster.on(ClusterEvent.DISCONNECT, w -> {
                log("disconnect worker " + w.id());
                future(reported, w.id()).complete(null); // it can no longer report
                endIfNoWorkersLeft();
            });
            cluster.on(ClusterEvent.EXIT, (w, status) -> {
                log("exit      worker " + w.id() + " with " + status
                        + (w.exitedAfterDisconnect().orElse(false) ? " (after disconnect)" : ""));
                future(reported, w.id()).complete(null);
                future(exited, w.id()).complete(null);
                endIfNoWorkersLeft();
            });

            log("primary pid " + ProcessHandle.current().pid() + ": policy " + cluster.schedulingPolicy()
                    + ", forking " + options.workers() + " workers to serve HTTP on port " + options.port()
                    + " (Ctrl-C to stop)");
            handleShutdownSignals();
            for (int i = 0; i < options.workers(); i++) {
                Worker w = cluster.fork();
                forked.add(w);
                future(reported, w.id());
                future(exited, w.id());
            }
            allForked = true;
            endIfNoWorkersLeft(); // in case they all left while the later ones were forked
            if (options.seconds() > 0) {
                ending.completeOnTimeout(new Ending("--seconds " + options.seconds() + " elapsed", 0, true),
                        options.seconds(), TimeUnit.SECONDS);
            }
            // Without --seconds only a failure completes it: a signal ends the JVM through the shutdown hook.
            Ending end = ending.join();
            if (end.graceful()) {
                shutdown(end.why());
            } else {
                stopAfterFailure(end.why());
            }
            log("the primary exits with " + end.exitCode());
            System.exit(end.exitCode());
        }

        /** The demo's own way out of a port that is taken or forbidden, beside jcluster's general advice. */
        private String portAdvice(String code) {
            return code.equals("EADDRINUSE") || code.equals("EACCES")
                    ? " (in the demo: --port P; --port 0 picks a free one)" : "";
        }

        /**
         * Ends the demo once its last worker left without being asked to. Called on both the disconnect
         * and the exit event: whichever of the two comes last, the worker has left workers() by then.
         */
        private void endIfNoWorkersLeft() {
            if (allForked && !shuttingDown.get() && cluster.workers().isEmpty()) {
                ending.complete(new Ending("no workers left (each exited on its own)", EXIT_CANNOT_SERVE, false));
            }
        }

        /** Stops what is left of the cluster without asking for counts: SIGTERM, then SIGKILL after the timeout. */
        private void stopAfterFailure(String why) {
            if (!shuttingDown.compareAndSet(false, true)) {
                return;
            }
            log("stopping: " + why);
            forked.stream().filter(w -> !w.isDead()).forEach(Worker::kill);
            if (!await(forked, exited, "exit")) {
                forked.stream().filter(w -> !w.isDead()).forEach(w -> w.kill("SIGKILL"));
                await(forked, exited, "exit after SIGKILL");
            }
        }

        /**
         * SIGINT and SIGTERM run {@link #shutdown} from a shutdown hook: the workers report and disconnect
         * gracefully while the JVM waits for the hook, and the JVM then exits with 128+signal (130, 143),
         * as any Java program ended by a signal does. (Exiting 0 would need sun.misc.Signal, which jcluster
         * keeps out of its code and its examples.)
         */
        private void handleShutdownSignals() {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown("signal or exit"), "demo-shutdown"));
        }

        /** Asks every worker for its count, disconnects them, waits for their exits, prints the counts. */
        void shutdown(String why) {
            if (!shuttingDown.compareAndSet(false, true)) {
                return;
            }
            log("shutting down (" + why + "): asking every worker to stop and report");
            List<Worker> workers = new ArrayList<>(cluster.workers().values());
            for (Worker w : workers) {
                try {
                    w.send(Map.of("cmd", "shutdown"));
                } catch (IllegalStateException disconnected) {
                    future(reported, w.id()).complete(null); // nothing to report from a worker already leaving
                }
            }
            await(workers, reported, "report");
            log("disconnecting every worker");
            CountDownLatch disconnected = new CountDownLatch(1);
            cluster.disconnect(disconnected::countDown);
            try {
                if (!disconnected.await(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                    log("workers still connected after " + STEP_TIMEOUT_MS + " ms");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!await(workers, exited, "exit")) {
                workers.stream().filter(w -> !w.isDead()).forEach(w -> w.kill("SIGKILL"));
                await(workers, exited, "exit after SIGKILL");
            }
            long total = 0;
            for (Worker w : workers) {
                Long n = served.get(w.id());
                if (n == null) {
                    log("worker " + w.id() + " did not report");
                } else {
                    log("worker " + w.id() + " served " + n + " requests on "
                            + connections.getOrDefault(w.id(), 0L) + " connections");
                    total += n;
                }
            }
            log("total " + total + " requests served by " + served.size() + " of " + workers.size() + " workers");
            System.out.flush();
        }

        /** Waits until {@code what} completed for every worker; false (and says so) after the timeout. */
        private boolean await(List<Worker> workers, Map<Integer, CompletableFuture<Void>> what, String name) {
            CompletableFuture<?>[] all = workers.stream().map(w -> future(what, w.id())).toArray(CompletableFuture[]::new);
            try {
                CompletableFuture.allOf(all).get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                log("no " + name + " from every worker after " + STEP_TIMEOUT_MS + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                log("waiting for " + name + ": " + e.getCause());
            }
            return false;
        }

        private static CompletableFuture<Void> future(Map<Integer, CompletableFuture<Void>> map, int id) {
            return map.computeIfAbsent(id, k -> new CompletableFuture<>());
        }
    }

    /** A listen address as people write it: 127.0.0.1:8000, [::]:8000, or a Unix-domain socket's path. */
    static String format(ListenAddress address) {
        return switch (address.addressType()) {
            case UNIX -> address.address();
            case TCP6, UDP6 -> "[" + address.address() + "]:" + address.port();
            case TCP4, UDP4 -> address.address() + ":" + address.port();
        };
    }

    // ---- a worker ----

    private static void worker(Cluster cluster, Worker me, DemoOptions options) throws IOException {
        HelloServer http = new HelloServer(options.threads());
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
        }
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            server.close();
            http.drain();
            server.closed().toCompletableFuture()
                    .orTimeout(DRAIN_MS, TimeUnit.MILLISECONDS)
                    .exceptionally(timeout -> {
                        http.closeAll(); // still busy after the grace period
                        return null;
                    })
                    .thenRun(() -> {
                        // The callback takes the error of a channel that closed meanwhile (the primary
                        // disconnected this worker without asking for its count): nobody to tell.
                        me.send(Map.of("requests", http.requests(), "connections", http.connections()), error -> { });
                        http.shutdown();
                    });
        };
        me.on(WorkerEvent.MESSAGE, m -> {
            if (m instanceof Map<?, ?> map && "shutdown".equals(map.get("cmd"))) {
                stop.run();
            }
        });
        // A disconnect that did not start with our message (the primary's cluster.disconnect(), say)
        // closes the server and then waits for its connections: close the idle ones then too.
        Thread watch = new Thread(() -> {
            while (server.isOpen()) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
            stop.run();
        }, "demo-close-watch");
        watch.setDaemon(true);
        watch.start();
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
