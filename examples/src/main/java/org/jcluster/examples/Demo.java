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
 * ./demo.sh [--policy rr|none] [--workers N] [--port P] [--threads T] [--seconds S] [--handler-thread io|own]
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

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
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
        private final Options options;
        /** Requests and connections per worker id, as reported at shutdown. */
        private final Map<Integer, Long> served = new ConcurrentSkipListMap<>();
        private final Map<Integer, Long> connections = new ConcurrentHashMap<>();
        /** Per worker id: completes when the worker reported its count, or can no longer. */
        private final Map<Integer, CompletableFuture<Void>> reported = new ConcurrentHashMap<>();
        /** Per worker id: completes when the worker's exit event has been printed. */
        private final Map<Integer, CompletableFuture<Void>> exited = new ConcurrentHashMap<>();
        private final AtomicInteger listening = new AtomicInteger();
        private final AtomicBoolean shuttingDown = new AtomicBoolean();

        Primary(Cluster cluster, Options options) {
            this.cluster = cluster;
            this.options = options;
        }

        void start() throws InterruptedException {
            if (options.policy() != null) {
                try {
                    cluster.schedulingPolicy(options.policy()); // before the first fork, which freezes it
                } catch (RuntimeException e) { // no policy of that name: the message names what was found
                    System.err.println("--policy " + options.policy() + ": " + e.getMessage());
                    System.exit(2);
                }
            }
            cluster.on(ClusterEvent.FORK, w -> log("fork      worker " + w.id() + " (pid " + w.pid() + ")"));
            cluster.on(ClusterEvent.ONLINE, w -> log("online    worker " + w.id()));
            cluster.on(ClusterEvent.LISTENING, (w, address) -> {
                log("listening worker " + w.id() + " on " + describe(address));
                if (listening.incrementAndGet() == options.workers()) {
                    log("all " + options.workers() + " workers listening: curl http://localhost:" + address.port() + "/");
                }
            });
            cluster.on(ClusterEvent.MESSAGE, (w, m) -> {
                if (m instanceof Map<?, ?> map && map.get("requests") instanceof Number n) {
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
            });
            cluster.on(ClusterEvent.EXIT, (w, status) -> {
                log("exit      worker " + w.id() + " with " + status
                        + (w.exitedAfterDisconnect().orElse(false) ? " (after disconnect)" : ""));
                future(reported, w.id()).complete(null);
                future(exited, w.id()).complete(null);
                if (!shuttingDown.get() && cluster.workers().isEmpty()) {
                    log("no workers left (each exited on its own); the primary exits with 1");
                    System.exit(1);
                }
            });

            log("primary pid " + ProcessHandle.current().pid() + ": policy " + cluster.schedulingPolicy()
                    + ", forking " + options.workers() + " workers to serve HTTP on port " + options.port()
                    + " (Ctrl-C to stop)");
            handleShutdownSignals();
            for (int i = 0; i < options.workers(); i++) {
                Worker w = cluster.fork();
                future(reported, w.id());
                future(exited, w.id());
            }
            if (options.seconds() > 0) {
                Thread.sleep(options.seconds() * 1000L);
                shutdown("--seconds " + options.seconds() + " elapsed");
                System.exit(0);
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
                if (w.isConnected()) {
                    w.send(Map.of("cmd", "shutdown"));
                } else {
                    future(reported, w.id()).complete(null);
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

    private static String describe(ListenAddress address) {
        String host = address.address().contains(":") ? "[" + address.address() + "]" : address.address();
        return host + ":" + address.port() + " (address type " + address.addressType().nodeValue() + ")";
    }

    // ---- a worker ----

    private static void worker(Cluster cluster, Worker me, Options options) throws IOException {
        HelloServer http = new HelloServer(options.threads());
        http.warmUp(WARM_UP_REQUESTS); // before listening, so that the first connections it is dealt are not slow
        ClusterServer server;
        try {
            // HelloServer.onConnection only registers the connection with Netty's event loop: it never
            // blocks, so jcluster may call it on its I/O thread and save a thread hand-off per connection.
            server = cluster.listen(ServerOptions.tcp(options.port()).withBacklog(BACKLOG)
                    .withNonBlockingHandler(options.handlerOnIoThread()), http);
        } catch (ListenException e) {
            System.err.println("worker " + me.id() + ": cannot listen on port " + options.port() + ": " + e.getMessage());
            System.exit(1);
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

    private static void log(String line) {
        System.out.println(LocalTime.now().format(TIME) + "  " + line);
    }

    record Options(String policy, int workers, int port, int threads, int seconds, boolean handlerOnIoThread) {
        static final String USAGE = "options: --policy rr|none, --workers N, --port P (0 picks a free port),"
                + " --threads T (event loop threads per worker), --seconds S, --handler-thread io|own (under rr:"
                + " jcluster's I/O thread runs the connection handler, the default, or the server's own thread)";

        static Options parse(String[] args) {
            String policy = null; // the cluster's default: JCLUSTER_SCHED_POLICY, else rr
            int workers = Runtime.getRuntime().availableProcessors();
            int port = 8000;
            int threads = 1;
            int seconds = 0;
            boolean handlerOnIoThread = true;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--policy" -> policy = value(args, ++i, "--policy");
                    case "--workers" -> workers = number(args, ++i, "--workers", 1, 1024);
                    case "--port" -> port = number(args, ++i, "--port", 0, 65535);
                    case "--threads" -> threads = number(args, ++i, "--threads", 1, 64);
                    case "--seconds" -> seconds = number(args, ++i, "--seconds", 1, Integer.MAX_VALUE);
                    case "--handler-thread" -> handlerOnIoThread = switch (value(args, ++i, "--handler-thread")) {
                        case "io" -> true;
                        case "own" -> false;
                        default -> throw new IllegalArgumentException("--handler-thread takes io or own, not "
                                + args[i] + "; " + USAGE);
                    };
                    default -> throw new IllegalArgumentException("Unknown option " + args[i] + "; " + USAGE);
                }
            }
            return new Options(policy, workers, port, threads, seconds, handlerOnIoThread);
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length || args[i].startsWith("--")) {
                throw new IllegalArgumentException(name + " needs a value; " + USAGE);
            }
            return args[i];
        }

        private static int number(String[] args, int i, String name, int min, int max) {
            try {
                int value = Integer.parseInt(value(args, i, name));
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(name + " takes a whole number from " + min + " to " + max);
        }
    }
}
