package org.jcluster.examples;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;

/**
 * The demo cluster, in the Node style: one main method is the primary or a worker.
 *
 * <p>The primary forks one worker per core (or {@code --workers N}) and prints every event; each
 * worker reports in, then sends a tick every 200 ms; the primary counts the messages. Ctrl-C (or
 * {@code --seconds S}) disconnects every worker gracefully and prints the counts.
 */
public final class Demo {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private Demo() {
    }

    public static void main(String[] args) throws InterruptedException {
        Cluster cluster = Cluster.get();
        if (cluster.isPrimary()) {
            primary(cluster, Options.parse(args));
        } else {
            worker(cluster.worker().orElseThrow());
        }
    }

    private static void primary(Cluster cluster, Options options) throws InterruptedException {
        Map<Integer, AtomicLong> received = new ConcurrentHashMap<>();
        cluster.on(ClusterEvent.FORK, w -> log("fork      worker " + w.id() + " (pid " + w.pid() + ")"));
        cluster.on(ClusterEvent.ONLINE, w -> log("online    worker " + w.id()));
        cluster.on(ClusterEvent.MESSAGE, (w, m) -> {
            long n = received.computeIfAbsent(w.id(), id -> new AtomicLong()).incrementAndGet();
            if (n == 1) {
                log("message   worker " + w.id() + " reports in: " + m);
            }
        });
        cluster.on(ClusterEvent.DISCONNECT, w -> log("disconnect worker " + w.id()));
        cluster.on(ClusterEvent.EXIT, (w, status) -> log("exit      worker " + w.id() + " with " + status
                + (w.exitedAfterDisconnect().orElse(false) ? " (after disconnect)" : "")));

        log("primary pid " + ProcessHandle.current().pid() + " forking " + options.workers + " workers"
                + " (Ctrl-C to stop)");
        for (int i = 0; i < options.workers; i++) {
            cluster.fork();
        }

        CountDownLatch allGone = new CountDownLatch(1);
        Runnable shutdown = () -> {
            log("disconnecting every worker");
            cluster.disconnect(allGone::countDown);
            try {
                if (!allGone.await(10, TimeUnit.SECONDS)) {
                    log("workers still running after 10 s; killing them");
                    cluster.workers().values().forEach(w -> w.kill("SIGKILL"));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            received.forEach((id, n) -> log("worker " + id + " sent " + n + " messages"));
            log("total " + received.values().stream().mapToLong(AtomicLong::get).sum() + " messages");
        };
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "demo-shutdown"));
        if (options.seconds > 0) {
            Thread.sleep(options.seconds * 1000L);
            System.exit(0); // runs the shutdown hook, as Ctrl-C does
        }
    }

    private static void worker(Worker me) {
        me.send(Map.of("hello", "worker " + me.id(), "pid", me.pid()));
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-ticker");
            t.setDaemon(true); // the channel keeps this worker alive, not the ticker
            return t;
        });
        AtomicLong ticks = new AtomicLong();
        ticker.scheduleAtFixedRate(() -> {
            if (me.isConnected()) { // false as soon as a disconnect starts
                me.send(Map.of("tick", ticks.incrementAndGet()));
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        me.on(WorkerEvent.DISCONNECT, ticker::shutdown);
    }

    private static void log(String line) {
        System.out.println(LocalTime.now().format(TIME) + "  " + line);
    }

    private record Options(int workers, int seconds) {
        static Options parse(String[] args) {
            int workers = Runtime.getRuntime().availableProcessors();
            int seconds = 0;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--workers" -> workers = positive(args, ++i, "--workers");
                    case "--seconds" -> seconds = positive(args, ++i, "--seconds");
                    default -> throw new IllegalArgumentException("Unknown option " + args[i]
                            + "; the demo takes --workers N and --seconds S");
                }
            }
            return new Options(workers, seconds);
        }

        private static int positive(String[] args, int i, String name) {
            try {
                int value = Integer.parseInt(args[i]);
                if (value > 0) {
                    return value;
                }
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                // reported below
            }
            throw new IllegalArgumentException(name + " takes a positive whole number");
        }
    }
}
