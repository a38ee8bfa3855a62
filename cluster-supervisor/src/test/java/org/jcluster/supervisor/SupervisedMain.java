package org.jcluster.supervisor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.Worker;

/**
 * A supervised service as a user writes one, run as a JVM of its own by {@link SupervisedPrimaryTest}:
 * the same main is primary or worker, the supervisor takes its settings from the system properties and
 * environment the test gives, and workers run the primary's own command. The primary prints each
 * supervisor event and each worker message as a line on standard output, for the test to read.
 *
 * <p>Worker scenarios: {@code crash} exits with 7 as it starts; {@code serve} listens on a shared port
 * (port 0: every worker gets the same one) and serves one request per connection in two steps: it
 * answers a line with {@code working <id>}, then the next line with {@code done <id>}, and closes;
 * {@code stubborn} serves the same, and worker 1 also runs a non-daemon thread that never ends, so that
 * its JVM outlives its disconnect; {@code http} serves HTTP/1.1 with keep-alive, a thread per connection,
 * and once its server is closed (the worker is being disconnected) answers each connection's next
 * request with {@code Connection: close} and closes it, as a real server drains; {@code hang-first}
 * serves as {@code serve}, and worker 1 blocks its event thread for good half a second after it starts,
 * while worker 2 keeps three other threads busy; {@code hog-first}: worker 1 holds 160 MiB of touched
 * direct memory; {@code hog-heap-first}: worker 1 holds 40 MiB of heap; {@code crash-after-first-two}: workers 1 and 2 serve, later ones exit with 3 as they
 * start (a reload of code that cannot start); {@code second-crashes-after-listening}: worker 2 exits with 5
 * a second after it listens.
 */
public final class SupervisedMain {
    private SupervisedMain() {
    }

    public static void main(String[] args) throws IOException {
        Cluster cluster = Cluster.get();
        String scenario = args[0];
        if (cluster.isWorker()) {
            worker(cluster, cluster.worker().orElseThrow(), scenario);
            return;
        }
        Supervisor supervisor = Supervisor.create(cluster);
        supervisor.on(SupervisorEvent.RESPAWN_SCHEDULED, e -> print("event respawn-scheduled " + e.worker().id() + " "
                + e.status() + " attempt=" + e.attempt() + " delay=" + e.delay().toMillis()));
        supervisor.on(SupervisorEvent.RESPAWNED, e -> print("event respawned " + e.previous().id() + " " + e.worker().id()));
        supervisor.on(SupervisorEvent.CRASH_LOOP, e -> print("event crash-loop " + e.exits().stream()
                .map(x -> x.status().toString()).collect(Collectors.joining(";"))));
        supervisor.on(SupervisorEvent.RELOAD_STARTED, e -> print("event reload-started " + e.number() + " " + ids(e.workers())));
        supervisor.on(SupervisorEvent.RELOAD_STEP, e -> print("event reload-step " + e.replaced().id() + " "
                + e.replacement().id()));
        supervisor.on(SupervisorEvent.RELOAD_DONE, e -> print("event reload-done " + e.number() + " " + e.steps().size()));
        supervisor.on(SupervisorEvent.RELOAD_ROLLED_BACK, e -> print("event reload-rolled-back " + e.number() + " "
                + e.outcome() + " " + e.message()));
        supervisor.on(SupervisorEvent.UNRESPONSIVE, e -> print("event unresponsive " + e.worker().id() + " replacing="
                + e.replacing()));
        supervisor.on(SupervisorEvent.RECYCLED, e -> print("event recycled " + e.replaced().id() + " " + e.replacement().id()
                + " " + e.reason() + " " + e.value() + " " + e.limit()));
        supervisor.on(SupervisorEvent.LEAVING, e -> print("event leaving " + e.worker().id() + " slot " + e.slot()
                + (e.recycled() ? " recycled" : " reloaded") + " connected " + e.worker().isConnected()));
        cluster.on(ClusterEvent.EXIT, (w, status) -> print("exit " + w.id() + " " + status));
        cluster.on(ClusterEvent.LISTENING, (w, address) -> print("listening " + w.id() + " " + address.port()));
        supervisor.on(SupervisorEvent.SHUTDOWN_STARTED, e -> print("event shutdown-started " + e.reason() + " " + ids(e.workers())));
        supervisor.on(SupervisorEvent.SHUTDOWN_DONE, e -> print("event shutdown-done " + e.exitStatus() + " killed="
                + ids(e.killed())));
        cluster.on(ClusterEvent.MESSAGE, (w, m) -> print("worker " + w.id() + " " + w.pid() + " says " + m));
        if (scenario.equals("disconnected-by-the-program")) {
            cluster.on(ClusterEvent.ONLINE, Worker::disconnect); // the program lets each worker go: nothing is left
        }
        supervisor.start();
    }

    private static String ids(List<Worker> workers) {
        return workers.stream().map(w -> Integer.toString(w.id())).sorted().collect(Collectors.joining(","));
    }

    private static void print(String line) {
        System.out.println(line);
    }

    private static void worker(Cluster cluster, Worker me, String scenario) throws IOException {
        switch (scenario) {
            case "crash" -> System.exit(7);
            case "disconnected-by-the-program" -> { } // stays while connected
            case "serve", "stubborn" -> {
                if (scenario.equals("stubborn") && me.id() == 1) {
                    Thread holdOn = new Thread(() -> {
                        for (;;) {
                            LockSupport.park();
                        }
                    }, "never-ends");
                    holdOn.setDaemon(false);
                    holdOn.start();
                }
                ClusterServer server = cluster.listen(ServerOptions.tcp(0), connection -> serve(me, connection));
                if (Boolean.getBoolean("test.signal.ready")) {
                    cluster.signalReady();
                }
                me.send("port " + server.address().port());
            }
            case "http" -> {
                ClusterServer[] server = new ClusterServer[1];
                server[0] = cluster.listen(ServerOptions.tcp(0), connection -> {
                    Thread t = new Thread(() -> serveHttp(connection, server[0]), "http-" + me.id());
                    t.setDaemon(true); // the server's close, not these threads, decides when the worker ends
                    t.start();
                });
                me.send("port " + server[0].address().port());
            }
            case "hang-first" -> {
                if (me.id() == 1) {
                    cluster.schedule(java.time.Duration.ofMillis(500), () -> {
                        for (;;) {
                            LockSupport.park(); // for good: a park may return early, and an unpark comes with each event
                        }
                    });
                } else if (me.id() == 2) {
                    for (int i = 0; i < 3; i++) {
                        Thread spinner = new Thread(SupervisedMain::spin, "spinner-" + i);
                        spinner.setDaemon(true);
                        spinner.start();
                    }
                }
                serveAndSayPort(cluster, me);
            }
            case "hog-first" -> {
                if (me.id() == 1) {
                    ByteBuffer hog = ByteBuffer.allocateDirect(160 << 20);
                    for (int i = 0; i < hog.capacity(); i += 4096) {
                        hog.put(i, (byte) 1); // touched, so resident
                    }
                    HOG.add(hog);
                }
                serveAndSayPort(cluster, me);
            }
            case "hog-heap-first" -> {
                if (me.id() == 1) {
                    for (int i = 0; i < 40; i++) {
                        HEAP_HOG.add(new byte[1 << 20]);
                    }
                    System.gc(); // so that the heap used after GC, which the worker reports, holds them
                }
                serveAndSayPort(cluster, me);
            }
            case "second-crashes-after-listening" -> {
                serveAndSayPort(cluster, me);
                if (me.id() == 2) {
                    cluster.schedule(java.time.Duration.ofSeconds(1), () -> System.exit(5));
                }
            }
            case "crash-after-first-two" -> {
                if (me.id() > 2) {
                    System.exit(3);
                }
                serveAndSayPort(cluster, me);
            }
            default -> throw new IllegalArgumentException(scenario);
        }
    }

    /** Listens on a shared port (port 0: every worker gets the same one), served by {@link #serve}, and says which. */
    private static void serveAndSayPort(Cluster cluster, Worker me) throws IOException {
        ClusterServer server = cluster.listen(ServerOptions.tcp(0), connection -> serve(me, connection));
        me.send("port " + server.address().port());
    }

    private static final List<ByteBuffer> HOG = new java.util.ArrayList<>();
    private static final List<byte[]> HEAP_HOG = new java.util.ArrayList<>();

    private static void spin() {
        long x = 0;
        while (x != -1) {
            x += System.nanoTime() % 7;
        }
    }

    private static final byte[] OK_KEEP_ALIVE = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK_CLOSE = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
            .getBytes(StandardCharsets.US_ASCII);

    /** HTTP/1.1 requests without bodies, until the client or the server's close ends the connection. */
    private static void serveHttp(SocketChannel connection, ClusterServer server) {
        try (SocketChannel c = connection) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.US_ASCII));
            for (;;) {
                String requestLine = in.readLine();
                if (requestLine == null) {
                    return;
                }
                boolean clientCloses = false;
                for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
                    clientCloses |= header.equalsIgnoreCase("Connection: close");
                }
                boolean close = clientCloses || !server.isOpen(); // draining: this response is the connection's last
                c.write(ByteBuffer.wrap(close ? OK_CLOSE : OK_KEEP_ALIVE));
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            System.out.println("http error " + e);
        }
    }

    /** One request in two steps, on the server's own thread (a test server: one connection at a time). */
    private static void serve(Worker me, SocketChannel connection) throws IOException {
        try (SocketChannel c = connection) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.US_ASCII));
            if (in.readLine() == null) {
                return;
            }
            c.write(ByteBuffer.wrap(("working " + me.id() + "\n").getBytes(StandardCharsets.US_ASCII)));
            if (in.readLine() == null) {
                return;
            }
            c.write(ByteBuffer.wrap(("done " + me.id() + "\n").getBytes(StandardCharsets.US_ASCII)));
        }
    }
}
