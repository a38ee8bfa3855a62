package org.jcluster.metrics.micrometer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.locks.LockSupport;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;

/**
 * The tests' worker: shares a {@link SimpleMeterRegistry} holding {@link AllMeters}, says "ready", and on
 * {@code "count N"} increments the counter N times and answers {@code "counted N"}; on {@code "block"} it
 * parks its event thread for good (it can then answer no ask); on {@code "listen"} it listens on 127.0.0.1
 * (a port of the primary's choosing), answers {@code "listening 127.0.0.1:PORT"}, and {@code "took"} for each
 * connection, which it closes. It ends once disconnected.
 */
public final class MetersWorkerMain {
    private MetersWorkerMain() {
    }

    public static void main(String[] args) {
        Cluster cluster = Cluster.get();
        Worker me = cluster.worker().orElseThrow(() -> new IllegalStateException("run me as a jcluster worker"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Counter requests = AllMeters.register(registry);
        WorkerMeters.share(cluster, registry);
        me.on(WorkerEvent.MESSAGE, message -> {
            String text = String.valueOf(message);
            if (text.startsWith("count ")) {
                int n = Integer.parseInt(text.substring("count ".length()));
                for (int i = 0; i < n; i++) {
                    requests.increment();
                }
                me.send("counted " + n);
            } else if (text.equals("listen")) {
                try {
                    ClusterServer server = cluster.listen(ServerOptions.tcp("127.0.0.1", 0), connection -> {
                        connection.close();
                        me.send("took");
                    });
                    me.send("listening " + server.address().describe());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else if (text.equals("block")) {
                // Sent from another thread: a send from the event thread is flushed when its task ends.
                new Thread(() -> me.send("blocking")).start();
                while (true) {
                    LockSupport.park();
                }
            }
        });
        me.send("ready");
    }
}
