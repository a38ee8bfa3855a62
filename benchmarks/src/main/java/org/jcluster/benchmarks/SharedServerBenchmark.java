package org.jcluster.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.Worker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * "rr" against "none", whole path: a client connects to a port shared by real worker JVMs, the worker
 * writes one line and closes, the client reads to the end. Under rr every connection goes through the
 * primary (this JVM): accept, dispatcher, fd over the IPC channel, the worker's acknowledgement; under
 * none the kernel hands it to a worker's own accept. The difference is what round-robin costs per
 * connection, and {@code -prof gc} shows the primary's allocation per connection.
 *
 * <p>Each policy runs in a JVM of its own (JMH forks per parameter set), since a JVM has one cluster.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar SharedServerBenchmark -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Threads(4)
public class SharedServerBenchmark {
    @Param({"rr", "none"})
    public String policy;

    @Param({"2"})
    public int workers;

    private Cluster cluster;
    private int port;

    /** The worker side: listen on a shared port, greet and close every connection. */
    public static final class ServingWorker {
        public static void main(String[] args) throws IOException {
            Cluster cluster = Cluster.get();
            Worker me = cluster.worker().orElseThrow();
            byte[] greeting = ("worker " + me.id() + "\n").getBytes(StandardCharsets.US_ASCII);
            var server = cluster.listen(ServerOptions.tcp("127.0.0.1", 0), connection -> {
                try (connection) {
                    connection.write(java.nio.ByteBuffer.wrap(greeting));
                }
            });
            me.send(Map.of("port", server.address().port()));
        }
    }

    @Setup(Level.Trial)
    public void startCluster() throws Exception {
        cluster = Cluster.get();
        cluster.schedulingPolicy(policy);
        cluster.setupPrimary(ClusterSettings.builder()
                .exec(ServingWorker.class.getName())
                .classPath(System.getProperty("java.class.path"))
                .modulePath("")
                .execArgv(List.of("-XX:+UseSerialGC", "-Xmx128m", "--enable-native-access=ALL-UNNAMED"))
                .build());
        Map<Integer, Integer> ports = new ConcurrentHashMap<>();
        CompletableFuture<Void> allListening = new CompletableFuture<>();
        cluster.on(ClusterEvent.MESSAGE, (w, m) -> {
            ports.put(w.id(), ((Number) ((Map<?, ?>) m).get("port")).intValue());
            if (ports.size() == workers) {
                allListening.complete(null);
            }
        });
        for (int i = 0; i < workers; i++) {
            cluster.fork();
        }
        allListening.get(60, TimeUnit.SECONDS);
        port = ports.values().iterator().next();
        if (ports.values().stream().distinct().count() != 1) {
            throw new IllegalStateException("workers listen on different ports: " + ports);
        }
    }

    @TearDown(Level.Trial)
    public void stopCluster() throws Exception {
        CompletableFuture<Void> gone = new CompletableFuture<>();
        cluster.disconnect(() -> gone.complete(null));
        gone.get(60, TimeUnit.SECONDS);
    }

    @Benchmark
    public int connectionPerRequest() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            InputStream in = s.getInputStream();
            int read = 0;
            while (in.read() >= 0) {
                read++;
            }
            if (read == 0) {
                throw new IllegalStateException("a connection ended without the worker's greeting");
            }
            return read;
        }
    }

}
