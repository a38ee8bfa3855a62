package org.jcluster.core.it;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterDatagramSocket;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.ConnectionHandler;
import org.jcluster.api.DatagramOptions;
import org.jcluster.api.ListenException;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;

/**
 * A worker that serves as the primary's test tells it, one command message at a time (a map with an
 * "op"), and answers each with a map. Its connections get one line, "worker N server S\n", and are
 * then closed, or held open ("hold": true) until told to close them.
 *
 * <p>Commands: listen {kind tcp|unix, host, port, path, backlog, ipv6Only, maxConnections, nonBlockingHandler,
 * hold, block, sendBack, fail, reportThread (the line ends with " on " and the handler's thread name),
 * acceptItself (listen without a handler: the agent's own thread "agent-accept-S" accepts on the listening
 * channel, counts each connection with countConnection, and writes the line ending " on agent-accept-S")},
 * udp {type udp4|udp6, host, port, ipv6Only}, close {server}, counts, closeHeld, release, threads (the
 * names of this JVM's live threads), disconnect.
 */
public final class ServerAgent {
    private static final Map<Integer, ClusterServer> servers = new ConcurrentHashMap<>();
    private static final Map<Integer, AtomicInteger> counts = new ConcurrentHashMap<>();
    private static final List<SocketChannel> held = new ArrayList<>();
    private static final AtomicInteger nextServer = new AtomicInteger();
    private static volatile CountDownLatch release = new CountDownLatch(1);

    private ServerAgent() {
    }

    public static void main(String[] args) {
        Cluster cluster = Cluster.get();
        Worker me = cluster.worker().orElseThrow();
        me.on(WorkerEvent.HANDLE, (message, handle) -> {
            // A channel from the primary: greet through it, then close it.
            try (Channel c = handle) {
                if (c instanceof SocketChannel s) {
                    s.write(StandardCharsets.UTF_8.encode("worker " + me.id() + " got " + message + "\n"));
                }
                me.send(Map.of("op", "handle", "kind", c.getClass().getSimpleName(), "message", message));
            } catch (IOException e) {
                me.send(Map.of("op", "error", "code", "EIO", "message", String.valueOf(e)));
            }
        });
        me.on(WorkerEvent.ERROR, error -> me.send(Map.of("op", "workerError", "message", String.valueOf(error.getMessage()))));
        me.on(WorkerEvent.MESSAGE, message -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> command = (Map<String, Object>) message;
            // Listen calls block until the primary answers: off the event thread, as a program's main would.
            Thread t = new Thread(() -> me.send(run(cluster, me, command)), "agent-command");
            t.start();
        });
        me.send(Map.of("op", "ready", "policy", cluster.schedulingPolicy()));
    }

    private static Map<String, Object> run(Cluster cluster, Worker me, Map<String, Object> c) {
        Map<String, Object> answer = new LinkedHashMap<>();
        String op = (String) c.get("op");
        answer.put("op", op);
        answer.put("worker", me.id());
        try {
            switch (op) {
                case "listen" -> {
                    ServerOptions options = "unix".equals(c.get("kind"))
                            ? ServerOptions.unix(Path.of((String) c.get("path")))
                            : c.containsKey("host") ? ServerOptions.tcp((String) c.get("host"), num(c, "port", 0))
                            : ServerOptions.tcp(num(c, "port", 0));
                    options = options.withBacklog(num(c, "backlog", ServerOptions.DEFAULT_BACKLOG))
                            .withIpv6Only(Boolean.TRUE.equals(c.get("ipv6Only")));
                    if (c.containsKey("maxConnections")) {
                        options = options.withMaxConnections(num(c, "maxConnections", 0));
                    }
                    options = options.withNonBlockingHandler(Boolean.TRUE.equals(c.get("nonBlockingHandler")));
                    boolean reportThread = Boolean.TRUE.equals(c.get("reportThread"));
                    int id = nextServer.incrementAndGet();
                    boolean hold = Boolean.TRUE.equals(c.get("hold"));
                    boolean block = Boolean.TRUE.equals(c.get("block"));
                    boolean sendBack = Boolean.TRUE.equals(c.get("sendBack"));
                    boolean keepOpen = Boolean.TRUE.equals(c.get("keepOpen"));
                    boolean fail = Boolean.TRUE.equals(c.get("fail"));
                    boolean acceptItself = Boolean.TRUE.equals(c.get("acceptItself"));
                    AtomicInteger count = counts.computeIfAbsent(id, k -> new AtomicInteger());
                    ConnectionHandler handler = connection -> {
                        if (block) {
                            // The latch is taken before "blocked" goes out: a release the test sends on
                            // seeing that message must free this handler, not the next one.
                            CountDownLatch latch = release;
                            me.send(Map.of("op", "blocked"));
                            awaitRelease(latch);
                        }
                        count.incrementAndGet();
                        if (fail) {
                            throw new IOException("the agent's handler fails on purpose");
                        }
                        if (sendBack) {
                            me.send(Map.of("op", "connection", "server", id), connection, keepOpen, error -> {
                                me.send(Map.of("op", "sent", "error", String.valueOf(error), "open", connection.isOpen()));
                            });
                            return;
                        }
                        connection.write(StandardCharsets.UTF_8.encode("worker " + me.id() + " server " + id
                                + (reportThread ? " on " + Thread.currentThread().getName() : "") + "\n"));
                        if (hold) {
                            synchronized (held) {
                                held.add(connection);
                            }
                        } else {
                            connection.close();
                        }
                    };
                    ClusterServer server;
                    if (acceptItself) {
                        server = cluster.listen(options);
                        ServerSocketChannel listening = server.listeningChannel().orElseThrow();
                        Thread accepter = new Thread(() -> acceptItself(cluster, me, id, listening, count),
                                "agent-accept-" + id);
                        accepter.setDaemon(true);
                        accepter.start();
                    } else {
                        server = cluster.listen(options, handler);
                    }
                    servers.put(id, server);
                    answer.put("server", id);
                    answer.put("address", server.address().address());
                    answer.put("port", server.address().port());
                    answer.put("type", server.address().addressType().nodeValue());
                    answer.put("hasListeningChannel", server.listeningChannel().isPresent());
                }
                case "udp" -> {
                    DatagramOptions options = "udp6".equals(c.get("type")) ? DatagramOptions.udp6(num(c, "port", 0))
                            : DatagramOptions.udp4(num(c, "port", 0));
                    if (c.containsKey("host")) {
                        options = options.withHost((String) c.get("host"));
                    }
                    options = options.withIpv6Only(Boolean.TRUE.equals(c.get("ipv6Only")));
                    ClusterDatagramSocket socket = cluster.bindDatagram(options);
                    Thread reader = new Thread(() -> answerDatagrams(me, socket.channel()), "agent-udp");
                    reader.setDaemon(true);
                    reader.start();
                    answer.put("port", socket.address().port());
                    answer.put("address", socket.address().address());
                    answer.put("type", socket.address().addressType().nodeValue());
                    answer.put("localAddress", String.valueOf(socket.channel().getLocalAddress()));
                }
                case "close" -> {
                    ClusterServer server = servers.remove(num(c, "server", 0));
                    server.close();
                    server.closed().toCompletableFuture().get();
                    answer.put("open", server.isOpen());
                }
                case "counts" -> {
                    Map<String, Object> all = new LinkedHashMap<>();
                    counts.forEach((id, n) -> all.put(String.valueOf(id), n.get()));
                    answer.put("counts", all);
                }
                case "closeHeld" -> {
                    synchronized (held) {
                        for (SocketChannel s : held) {
                            s.close();
                        }
                        answer.put("closed", held.size());
                        held.clear();
                    }
                }
                case "threads" -> answer.put("threads", Thread.getAllStackTraces().keySet().stream()
                        .map(Thread::getName).sorted().toList());
                case "release" -> {
                    CountDownLatch r = release;
                    release = new CountDownLatch(1);
                    r.countDown();
                }
                case "disconnect" -> me.disconnect();
                default -> throw new IllegalArgumentException("unknown op " + op);
            }
        } catch (ListenException e) {
            answer.put("op", "error");
            answer.put("code", e.code());
            answer.put("message", e.getMessage());
        } catch (Exception e) {
            answer.put("op", "error");
            answer.put("code", e.getClass().getSimpleName());
            answer.put("message", String.valueOf(e.getMessage()));
        }
        return answer;
    }

    private static void awaitRelease(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A program's own accept loop on a server it listened on without a handler: counts each connection
     * with countConnection, greets it naming this thread, and closes it; ends when the channel closes.
     */
    private static void acceptItself(Cluster cluster, Worker me, int id, ServerSocketChannel listening,
            AtomicInteger count) {
        while (true) {
            SocketChannel connection;
            try {
                connection = listening.accept();
            } catch (IOException e) {
                return; // closed: done
            }
            count.incrementAndGet();
            cluster.countConnection(); // before the greeting: once a client has read it, a ping counts it
            try (SocketChannel s = connection) {
                s.write(StandardCharsets.UTF_8.encode("worker " + me.id() + " server " + id + " on "
                        + Thread.currentThread().getName() + "\n"));
            } catch (IOException e) {
                // the client went away: its problem
            }
        }
    }

    /** Answers each datagram with "worker N" to its sender, until the channel closes. */
    private static void answerDatagrams(Worker me, DatagramChannel channel) {
        ByteBuffer in = ByteBuffer.allocate(2048);
        try {
            while (true) {
                in.clear();
                SocketAddress from = channel.receive(in);
                channel.send(StandardCharsets.UTF_8.encode("worker " + me.id()), from);
            }
        } catch (IOException e) {
            // closed: done
        }
    }

    private static int num(Map<String, Object> c, String key, int otherwise) {
        Object v = c.get(key);
        return v == null ? otherwise : ((Number) v).intValue();
    }

}
