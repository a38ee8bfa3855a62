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
 * its JVM outlives its disconnect.
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
        supervisor.on(SupervisorEvent.SHUTDOWN_STARTED, e -> print("event shutdown-started " + e.reason() + " " + ids(e.workers())));
        supervisor.on(SupervisorEvent.SHUTDOWN_DONE, e -> print("event shutdown-done " + e.exitStatus() + " killed="
                + ids(e.killed())));
        cluster.on(ClusterEvent.MESSAGE, (w, m) -> print("worker " + w.id() + " " + w.pid() + " says " + m));
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
                me.send("port " + server.address().port());
            }
            default -> throw new IllegalArgumentException(scenario);
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
