package org.jcluster.examples.sticky;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.Worker;

/**
 * The worker program of {@link StickyClusterTest}, run in each worker JVM (on the class path): it
 * listens on port 0 (every worker gets the same port, of the one server the primary holds), tells the
 * primary the port, and answers every connection with one line, {@code "worker <id>\n"}, then closes
 * it. It uses jcluster.api only; which worker gets which connection is the primary's policy.
 */
public final class StickyWorkerMain {
    private StickyWorkerMain() {
    }

    public static void main(String[] args) throws IOException {
        Cluster cluster = Cluster.get();
        Worker me = cluster.worker().orElseThrow(() -> new IllegalStateException("run me as a jcluster worker"));
        byte[] greeting = ("worker " + me.id() + "\n").getBytes(StandardCharsets.US_ASCII);
        ClusterServer server = cluster.listen(ServerOptions.tcp(0), connection -> {
            try (SocketChannel c = connection) {
                c.write(java.nio.ByteBuffer.wrap(greeting)); // a blocking channel: writes it all
            }
        });
        me.send(Map.of("port", server.address().port()));
    }
}
