package org.jcluster.core.it;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.core.internal.worker.WorkerCluster;

/**
 * The program test workers run: the scenario named by the first argument. Runs in a worker JVM.
 */
public final class WorkerMain {
    private WorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Cluster cluster = Cluster.get();
        if (cluster.isPrimary()) {
            throw new IllegalStateException("WorkerMain runs in workers only");
        }
        Worker me = cluster.worker().orElseThrow();
        String scenario = args[0];
        switch (scenario) {
            case "echo" -> me.on(WorkerEvent.MESSAGE, me::send);
            case "idle" -> { }
            case "report" -> me.send(report(cluster, me, args));
            case "exit" -> System.exit(Integer.parseInt(args[1]));
            case "exit-after-report" -> {
                me.send("bye", error -> System.exit(Integer.parseInt(args[1])));
            }
            case "disconnect-self" -> {
                Worker returned = me.disconnect();
                System.out.println("disconnect-returned-self=" + (returned == me));
            }
            case "kill-self" -> me.kill();
            case "kill-self-on-message" -> me.on(WorkerEvent.MESSAGE, m -> me.kill());
            case "disconnect-self-on-message" -> me.on(WorkerEvent.MESSAGE, m -> me.disconnect());
            case "busy-loop" -> {
                me.send("looping");
                long x = 0;
                while (true) {
                    x += System.nanoTime() % 7; // never returns; only a signal ends it
                    if (x == -1) {
                        break;
                    }
                }
            }
            case "outlive-disconnect" -> {
                // A non-daemon thread that ends the JVM with code 7 only after the disconnect: a
                // disconnect must not force the exit (Node rule 16).
                Object lock = new Object();
                me.on(WorkerEvent.DISCONNECT, () -> {
                    synchronized (lock) {
                        lock.notifyAll();
                    }
                });
                Thread t = new Thread(() -> {
                    synchronized (lock) {
                        while (me.isConnected()) {
                            try {
                                lock.wait();
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                    System.out.println("still alive after disconnect");
                    System.exit(7);
                });
                t.start();
                me.send("ready");
            }
            case "hold-open" -> {
                // A non-daemon thread that never ends: only a forced exit ends this JVM.
                Thread t = new Thread(() -> {
                    while (true) {
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                t.start();
                me.send("ready");
            }
            case "disconnect-listener-state" -> {
                me.on(WorkerEvent.DISCONNECT, () -> System.out.println(
                        "in-disconnect state=" + me.state() + " connected=" + me.isConnected()));
                me.send("ready");
            }
            case "raw-frame" -> {
                // Sends a frame straight onto the channel, bypassing every check: kind, then payload size.
                int kind = Integer.parseInt(args[1]);
                byte[] payload = new byte[Integer.parseInt(args[2])];
                Arrays.fill(payload, (byte) '{');
                ((WorkerCluster) cluster).channelForTesting().send(kind, payload, null, null);
            }
            case "raw-header" -> {
                // A frame header that declares more bytes than the primary accepts, and nothing after it.
                java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(5);
                header.putInt(Integer.parseInt(args[1])).put((byte) 1);
                ((WorkerCluster) cluster).channelForTesting().writeRawForTesting(header.array());
            }
            case "raw-internal" -> {
                byte[] payload = new byte[] {(byte) Integer.parseInt(args[1]), 0, 0, 0, 1};
                ((WorkerCluster) cluster).channelForTesting().send(0, payload, null, null);
            }
            case "spawn-jvm" -> {
                // A JVM this worker starts inherits its environment, jcluster's worker variables included.
                String launcher = ProcessHandle.current().info().command().orElseThrow();
                Process child = new ProcessBuilder(launcher, "--enable-native-access=ALL-UNNAMED",
                        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                        ChildPrimaryMain.class.getName()).redirectErrorStream(true).start();
                String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                me.send(Map.of("exit", (long) child.waitFor(), "output", output));
            }
            case "listen-on-message" -> me.on(WorkerEvent.MESSAGE, m -> {
                // On jcluster's I/O thread (listeners run there): the listen must not wait on itself.
                try {
                    ClusterServer server = cluster.listen(ServerOptions.tcp("127.0.0.1", 0), c -> close(c));
                    me.send(Map.of("port", (long) server.address().port()));
                } catch (Exception e) {
                    me.send(Map.of("error", e.toString()));
                }
            });
            case "listen-in-io-handler" -> {
                ClusterServer server = cluster.listen(ServerOptions.tcp("127.0.0.1", 0).withNonBlockingHandler(true),
                        c -> {
                            close(c);
                            try {
                                cluster.listen(ServerOptions.tcp(0), x -> { });
                                me.send("listened");
                            } catch (Exception e) {
                                me.send(e.getClass().getSimpleName() + ": " + e.getMessage());
                            }
                        });
                me.send(Map.of("port", (long) server.address().port()));
            }
            case "send-until-disconnected" -> {
                // Sends large messages until the channel is closed under it, printing every accepted send and
                // every callback on stdout, which the test reads after the JVM is gone.
                byte[] chunk = new byte[Integer.parseInt(args[1])];
                java.util.Arrays.fill(chunk, (byte) 'x');
                String payload = new String(chunk, StandardCharsets.US_ASCII);
                for (int n = 0; ; n++) {
                    int sent = n;
                    try {
                        me.send(payload, error -> System.out.println("callback " + sent + (error == null ? " ok" : " failed")));
                    } catch (IllegalStateException closed) {
                        System.out.println("refused " + sent);
                        break;
                    }
                    System.out.println("sent " + sent);
                }
            }
            case "count-connections" -> {
                // Tells the primary its port, then "took" for each connection its server took; "pause" holds its
                // event thread for 300 ms.
                ClusterServer server = cluster.listen(ServerOptions.tcp(0), connection -> {
                    connection.close();
                    me.send("took");
                });
                me.on(WorkerEvent.MESSAGE, m -> {
                    if ("pause".equals(m)) {
                        java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L);
                    }
                });
                me.send(Map.of("port", (long) server.address().port()));
            }
            case "block-in-handler" -> {
                // Under rr: the handler thread stops at the first connection, so the next one waits unanswered.
                ClusterServer server = cluster.listen(ServerOptions.tcp(0), connection -> {
                    me.send("took");
                    for (;;) {
                        java.util.concurrent.locks.LockSupport.park();
                    }
                });
                me.send(Map.of("port", (long) server.address().port()));
            }
            case "accept-itself-and-count" -> {
                // Under none: the program accepts on the shared socket itself and counts what it took.
                ClusterServer server = cluster.listen(ServerOptions.tcp(0));
                Thread acceptor = new Thread(() -> {
                    try {
                        for (;;) {
                            server.listeningChannel().orElseThrow().accept().close();
                            server.countConnection();
                            me.send("took");
                        }
                    } catch (java.io.IOException e) {
                        // the server closed
                    }
                });
                acceptor.setDaemon(true);
                acceptor.start();
                me.send(Map.of("port", (long) server.address().port()));
            }
            case "block-event-thread-on-message" -> me.on(WorkerEvent.MESSAGE, m -> cluster.schedule(
                    java.time.Duration.ZERO, () -> {
                        // Sent from another thread: a send from the event thread is flushed when its task ends.
                        new Thread(() -> me.send("blocking")).start();
                        for (;;) {
                            java.util.concurrent.locks.LockSupport.park(); // the event thread, for good
                        }
                    }));
            case "busy-threads" -> {
                for (int i = 0; i < 3; i++) {
                    Thread spinner = new Thread(() -> {
                        long x = 0;
                        while (x != -1) {
                            x += System.nanoTime() % 7;
                        }
                    }, "spinner-" + i);
                    spinner.setDaemon(true);
                    spinner.start();
                }
                me.send("spinning");
            }
            case "announce-disconnecting" -> {
                // Holds each connection until the client closes it; says when a graceful disconnect begins.
                ClusterServer server = cluster.listen(ServerOptions.tcp(0), connection -> {
                    me.send("took");
                    Thread t = new Thread(() -> {
                        try (java.nio.channels.SocketChannel c = connection) {
                            while (c.read(java.nio.ByteBuffer.allocate(64)) >= 0) {
                                // until the client closes
                            }
                        } catch (java.io.IOException e) {
                            // closed
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                });
                ClusterServer[] servers = {server};
                me.on(WorkerEvent.DISCONNECTING, () -> me.send("disconnecting, server open: " + servers[0].isOpen()));
                me.send(Map.of("port", (long) server.address().port()));
            }
            case "ready-on-message" -> me.on(WorkerEvent.MESSAGE, m -> {
                cluster.signalReady();
                cluster.signalReady(); // once is what counts
                me.send("signalled");
            });
            case "unref-and-return" -> {
                // Nothing else keeps this JVM alive: with the channel unref'd it ends when main returns.
                cluster.unrefChannel();
                cluster.unrefChannel(); // again: nothing more
            }
            case "unref-and-throw" -> {
                cluster.unrefChannel();
                throw new IllegalStateException("the unref-and-throw scenario's main fails on purpose");
            }
            case "count-on-message" -> me.on(WorkerEvent.MESSAGE, m -> {
                // Counts m connections "accepted by the program", from a thread of its own, then says so.
                Thread counter = new Thread(() -> {
                    for (int i = 0; i < ((Number) m).intValue(); i++) {
                        cluster.countConnection();
                    }
                    me.send("counted");
                }, "counter");
                counter.start();
            });
            case "answer" -> {
                // "figures" answers how many messages came so far; "broken" throws; "forget" removes "figures";
                // "slow" takes 300 ms.
                long[] messages = {0};
                org.jcluster.api.Registration figures = cluster.answer("figures", () -> Map.of("messages", messages[0]));
                cluster.answer("broken", () -> {
                    throw new IllegalStateException("no figures today");
                });
                // Under a limit of 4096 bytes: a value that encodes within it, in an answer frame that does not.
                cluster.answer("huge", () -> "x".repeat(4090));
                cluster.answer("slow", () -> {
                    java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L); // longer than a disconnect takes
                    return "late but here";
                });
                cluster.answer("unlinked", () -> {
                    throw new NoClassDefFoundError("com/example/Gone");
                });
                me.on(WorkerEvent.MESSAGE, m -> {
                    messages[0]++;
                    if ("forget".equals(m)) {
                        figures.remove();
                    }
                    me.send("seen " + m);
                });
                me.send("answering");
            }
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }
    }

    private static void close(java.nio.channels.SocketChannel connection) {
        try {
            connection.close();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Object> report(Cluster cluster, Worker me, String[] args) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("isWorker", cluster.isWorker());
        r.put("isPrimary", cluster.isPrimary());
        r.put("id", me.id());
        r.put("pid", me.pid());
        r.put("args", List.of(args));
        r.put("cwd", Path.of("").toAbsolutePath().toString());
        r.put("jvmFlags", ManagementFactory.getRuntimeMXBean().getInputArguments());
        Map<String, Object> env = new LinkedHashMap<>();
        for (String name : List.of("JCLUSTER_TEST_NEW", "JCLUSTER_TEST_OVERRIDE", "PATH")) {
            env.put(name, System.getenv(name));
        }
        r.put("env", env);
        r.put("property", System.getProperty("jcluster.test.flag"));
        return r;
    }
}
