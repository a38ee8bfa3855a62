package org.jcluster.core.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import org.jcluster.api.Cluster;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;

/**
 * A small but complete jcluster program, run as its own JVM by {@link NoJdkWarningsTest}: the primary
 * forks one worker, which serves a line on a shared port (the primary accepts and hands the
 * connection over, under "rr") and answers a message. It touches every queue jcluster has (event
 * loops, IPC channels, the rr dispatcher) and jffi in both JVMs. Prints what the test reads on
 * standard output; whatever the JDK or jcluster would warn about goes to standard error, which the
 * worker shares with the primary.
 */
public final class QuietMain {
    private QuietMain() {
    }

    public static void main(String[] args) throws Exception {
        Cluster cluster = Cluster.get();
        if (cluster.isWorker()) {
            Worker me = cluster.worker().orElseThrow();
            me.on(WorkerEvent.MESSAGE, m -> me.send("pong " + m));
            cluster.listen(ServerOptions.tcp("127.0.0.1", 0), connection -> {
                try (connection) {
                    connection.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.UTF_8)));
                }
            });
            return;
        }
        Worker w = cluster.fork();
        w.on(WorkerEvent.LISTENING, address -> {
            // Not on the event thread: the answer to the message below is delivered there.
            Thread client = new Thread(() -> {
                try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", address.port()))) {
                    System.out.println("served " + readLine(c));
                    w.send("ping");
                } catch (IOException e) {
                    System.out.println("client failed: " + e);
                    w.kill();
                }
            });
            client.start();
        });
        w.on(WorkerEvent.MESSAGE, m -> {
            System.out.println("answer " + m);
            w.kill();
        });
        w.on(WorkerEvent.EXIT, status -> System.out.println("exit " + status));
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        while (c.read(buffer) >= 0 && (buffer.position() == 0 || buffer.get(buffer.position() - 1) != '\n')) {
            // until the line ends or the worker closes
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
    }
}
