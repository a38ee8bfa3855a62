package org.jcluster.core.internal.servers;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

import org.jcluster.api.AddressType;
import org.jcluster.api.ClusterDatagramSocket;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.ConnectionHandler;
import org.jcluster.api.DatagramOptions;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.ListenException;
import org.jcluster.api.ServerOptions;
import org.jcluster.core.internal.protocol.InternalMessage.QueryServer;
import org.jcluster.core.internal.protocol.InternalMessage.ServerReply;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.transport.Descriptor;

/**
 * A worker's servers: each listen asks the primary for a handle (Node's queryServer), and gets either
 * the shared listening socket ("none", and every UDP socket) or connections one by one ("rr").
 *
 * <p>Threads: listen and close run on the caller's thread, which waits for the primary's answer (from
 * an event listener too: the reader then hands its reading over, see {@link PrimaryLink#beforeAwaitingAnswer});
 * replies and connections arrive on the channel's reader thread; each round-robin server hands connections to its handler on a thread of its
 * own, so a slow handler holds up only its server's connections, never the channel.
 */
public final class WorkerServers {
    private final PrimaryLink primary;
    private final Map<Integer, CompletableFuture<Reply>> awaitingReply = new ConcurrentHashMap<>();
    private final Map<Integer, HandOffServer> roundRobin = new ConcurrentHashMap<>();
    /** Every open server and datagram socket, for a graceful disconnect to close. */
    private final Map<Object, Share> open = new ConcurrentHashMap<>();
    /** Per listen address, the indexes its open servers use (Node rule 31); guarded by itself. */
    private final Map<String, TreeSet<Integer>> indexes = new HashMap<>();

    /** @param socket the shared socket, or null under round-robin */
    private record Reply(ServerReply reply, Descriptor socket) { }

    /** A worker's part in a shared handle, whatever its kind. */
    interface Share {
        int handleId();

        /** Closes it as the user's close() would; completes once closed (servers: and their connections). */
        CompletionStage<Void> closeForDisconnect();
    }

    public WorkerServers(PrimaryLink primary) {
        this.primary = primary;
    }

    /** @param handler null when the program accepts on the listening channel itself ("none" only) */
    public ClusterServer listen(ServerOptions options, ConnectionHandler handler) throws IOException {
        String path = "";
        if (options.isUnix()) {
            Path absolute = options.path().get().toAbsolutePath(); // Node rule 38: against this worker's cwd
            Addresses.checkUnixPathLength(absolute);
            path = absolute.toString();
        }
        // <Share>: without it javac infers AcceptingServer & Share, and the lambda fails to link at run time.
        return (ClusterServer) this.<Share>join(options.isUnix() ? "unix" : "tcp", options.host().orElse(""),
                options.port(), path, options.backlog(), options.ipv6Only(), handler == null,
                (handleId, address, socket, releaseIndex) -> {
                    if (socket != null) {
                        ServerSocketChannel listening = socket.toChannel(ServerSocketChannel.class);
                        SharedServer server = new SharedServer(this, handleId, address, listening, handler,
                                options.maxConnections(), releaseIndex);
                        server.startAccepting();
                        return server;
                    }
                    HandOffServer share = new HandOffServer(this, handleId, address, handler,
                            options.maxConnections(), options.nonBlockingHandler(), releaseIndex);
                    roundRobin.put(handleId, share);
                    return share;
                });
    }

    public ClusterDatagramSocket bindDatagram(DatagramOptions options) throws IOException {
        String kind = options.type() == AddressType.UDP4 ? "udp4" : "udp6";
        return join(kind, options.host().orElse(""), options.port(), "", 0, options.ipv6Only(), false,
                (handleId, address, socket, releaseIndex) -> {
                    if (socket == null) {
                        throw new IOException("the primary answered a UDP bind without a socket (a primary of another"
                                + " jcluster version?)");
                    }
                    return new SharedDatagram(this, handleId, address, socket.toChannel(DatagramChannel.class),
                            releaseIndex);
                });
    }

    /** Makes this worker's part in a handle from the primary's answer. */
    @FunctionalInterface
    private interface ShareFactory<S extends Share> {
        /** @param socket the shared socket, or null under round-robin; the call owns it */
        S make(int handleId, ListenAddress address, Descriptor socket, Runnable releaseIndex) throws IOException;
    }

    /**
     * Node's queryServer: takes this worker's index for the address, asks the primary for the handle,
     * makes the share, and tells the primary it listens ('listening'). The index is given back if anything
     * fails, so that a failed listen leaves nothing behind.
     */
    private <S extends Share> S join(String kind, String host, int port, String path, int backlog, boolean ipv6Only,
            boolean acceptsItself, ShareFactory<S> factory) throws IOException {
        String indexKey = kind + "|" + host + "|" + port + "|" + path;
        int index = takeIndex(indexKey);
        boolean done = false;
        Reply r = null;
        try {
            r = query(new QueryServer(primary.nextSeq(), index, kind, host, port, path, backlog, ipv6Only,
                    acceptsItself));
            ServerReply reply = r.reply();
            ListenAddress address = new ListenAddress(reply.address(), reply.port(), AddressType.valueOf(reply.addressType()));
            S share = factory.make(reply.handleId(), address, r.socket(), () -> releaseIndex(indexKey, index));
            open.put(share, share);
            primary.sendInternal(new InternalMessage.Listening(reply.handleId(), address.address(), address.port(),
                    address.addressType().name()), null);
            done = true;
            return share;
        } finally {
            if (!done) {
                releaseIndex(indexKey, index);
                if (r != null && r.socket() != null) {
                    r.socket().close(); // unless the share took it already
                }
            }
        }
    }

    private int takeIndex(String key) {
        synchronized (indexes) {
            TreeSet<Integer> used = indexes.computeIfAbsent(key, k -> new TreeSet<>());
            int next = used.isEmpty() ? 0 : used.last() + 1;
            used.add(next);
            return next;
        }
    }

    private void releaseIndex(String key, int index) {
        synchronized (indexes) {
            TreeSet<Integer> used = indexes.get(key);
            if (used != null) {
                used.remove(index);
                if (used.isEmpty()) {
                    indexes.remove(key); // Node: once all are closed, the next listen starts again at 0
                }
            }
        }
    }

    private Reply query(QueryServer query) throws IOException {
        if (!primary.isConnected()) {
            throw new IOException("cannot listen: this worker is disconnected from its primary");
        }
        primary.beforeAwaitingAnswer(query.kind().startsWith("udp") ? "bindDatagram()" : "listen()");
        CompletableFuture<Reply> answer = new CompletableFuture<>();
        awaitingReply.put(query.seq(), answer);
        primary.sendInternal(query, null);
        Reply r;
        try {
            r = answer.get();
        } catch (InterruptedException e) {
            awaitingReply.remove(query.seq());
            if (!answer.cancel(false) && !answer.isCompletedExceptionally() && answer.join().socket() != null) {
                answer.join().socket().close(); // the answer came meanwhile: nobody will take its socket
            }
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the primary was binding " + query.key());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        if (r.reply().failed()) {
            if (r.socket() != null) {
                r.socket().close();
            }
            throw new ListenException(r.reply().errorCode(), r.reply().errorMessage());
        }
        return r;
    }

    // ---- reader thread ----

    public void onReply(ServerReply reply, Descriptor socket) {
        CompletableFuture<Reply> waiting = awaitingReply.remove(reply.seq());
        if ((waiting == null || !waiting.complete(new Reply(reply, socket))) && socket != null) {
            socket.close(); // nobody waits for it any more (interrupted)
        }
    }

    public void onNewConnection(InternalMessage.NewConnection message, Descriptor connection) {
        HandOffServer share = roundRobin.get(message.handleId());
        if (share == null || connection == null) {
            // Closed meanwhile: the primary still holds the connection and gives it to another worker.
            if (connection != null) {
                connection.close();
            }
            primary.sendInternal(new InternalMessage.ConnectionAck(message.connectionId(), false), null);
            return;
        }
        share.deliver(message.connectionId(), connection);
    }

    /** The channel closed: nobody will answer the queries still waiting. */
    public void channelClosed() {
        for (Integer seq : List.copyOf(awaitingReply.keySet())) {
            CompletableFuture<Reply> waiting = awaitingReply.remove(seq);
            if (waiting != null) {
                waiting.completeExceptionally(new IOException("the channel to the primary closed before it answered"));
            }
        }
    }

    /** Node rule 16: a graceful disconnect closes every server and waits for them (and their connections). */
    public CompletionStage<Void> closeAll() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Share share : List.copyOf(open.values())) {
            closing.add(share.closeForDisconnect().toCompletableFuture());
        }
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new));
    }

    /** What each stream server open now took, by its address: a ping's answer. */
    public Map<ListenAddress, Long> connectionsByServer() {
        Map<ListenAddress, Long> counts = new LinkedHashMap<>();
        for (Share share : open.values()) {
            if (share instanceof AcceptingServer server) {
                counts.put(server.address(), server.connectionsTaken());
            }
        }
        return counts;
    }

    // ---- for the shares ----

    PrimaryLink primary() {
        return primary;
    }

    /** A share stops: tell the primary (which answers with an ack), forget it here. */
    CompletionStage<Void> leave(Share share, Runnable releaseIndex) {
        open.remove(share);
        roundRobin.remove(share.handleId(), share);
        releaseIndex.run();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        if (!primary.isConnected()) {
            acked.complete(null); // the primary dropped this worker from every handle when the channel closed
            return acked;
        }
        int seq = primary.nextSeq();
        primary.onAck(seq, () -> acked.complete(null));
        primary.sendInternal(new InternalMessage.CloseServer(seq, share.handleId()), null);
        return acked;
    }

    void acknowledge(long connectionId, boolean accepted) {
        primary.sendInternal(new InternalMessage.ConnectionAck(connectionId, accepted), null);
    }
}
