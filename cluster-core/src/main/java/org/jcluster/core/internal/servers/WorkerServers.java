package org.jcluster.core.internal.servers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.jcluster.core.internal.nativeio.JdkChannels;
import org.jcluster.core.internal.nativeio.Posix;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.protocol.InternalMessage.QueryServer;
import org.jcluster.core.internal.protocol.InternalMessage.ServerReply;

/**
 * A worker's servers: each listen asks the primary for a handle (Node's queryServer), and gets either
 * the shared listening socket ("none", and every UDP socket) or connections one by one ("rr").
 *
 * <p>Threads: listen and close run on the caller's thread; replies and connections arrive on the
 * channel's reader thread; each round-robin server hands connections to its handler on a thread of its
 * own, so a slow handler holds up only its server's connections, never the channel.
 */
public final class WorkerServers {
    private final PrimaryLink primary;
    private final Map<Integer, CompletableFuture<Reply>> awaitingReply = new ConcurrentHashMap<>();
    private final Map<Integer, RoundRobinShare> roundRobin = new ConcurrentHashMap<>();
    /** Every open server and datagram socket, for a graceful disconnect to close. */
    private final Map<Object, Share> open = new ConcurrentHashMap<>();
    /** Per listen address, the indexes its open servers use (Node rule 31); guarded by itself. */
    private final Map<String, TreeSet<Integer>> indexes = new HashMap<>();

    private record Reply(ServerReply reply, int fd) { }

    /** A worker's part in a shared handle, whatever its kind. */
    interface Share {
        int handleId();

        /** Closes it as the user's close() would; completes once closed (servers: and their connections). */
        CompletionStage<Void> closeForDisconnect();
    }

    public WorkerServers(PrimaryLink primary) {
        this.primary = primary;
    }

    public ClusterServer listen(ServerOptions options, ConnectionHandler handler) throws IOException {
        String path = "";
        if (options.isUnix()) {
            Path absolute = options.path().get().toAbsolutePath(); // Node rule 38: against this worker's cwd
            Addresses.checkUnixPathLength(absolute);
            path = absolute.toString();
        }
        String kind = options.isUnix() ? "unix" : "tcp";
        String host = options.host().orElse("");
        String indexKey = kind + "|" + host + "|" + options.port() + "|" + path;
        int index = takeIndex(indexKey);
        boolean done = false;
        try {
            int seq = primary.nextSeq();
            Reply r = query(new QueryServer(seq, index, kind, host, options.port(), path, options.backlog(),
                    options.ipv6Only()));
            ListenAddress address = new ListenAddress(r.reply().address(), r.reply().port(),
                    AddressType.valueOf(r.reply().addressType()));
            Runnable releaseIndex = () -> releaseIndex(indexKey, index);
            AcceptingServer server;
            if (r.fd() >= 0) {
                ServerSocketChannel listening = JdkChannels.serverSocketChannel(r.fd());
                server = new SharedServer(this, r.reply().handleId(), address, listening, handler, releaseIndex);
            } else {
                RoundRobinShare share = new RoundRobinShare(this, r.reply().handleId(), address, handler, releaseIndex);
                roundRobin.put(share.handleId(), share);
                server = share;
            }
            open.put(server, (Share) server);
            if (server instanceof SharedServer shared) {
                shared.startAccepting();
            }
            primary.sendInternal(new InternalMessage.Listening(r.reply().handleId(), address.address(), address.port(),
                    address.addressType().name()), -1);
            done = true;
            return server;
        } finally {
            if (!done) {
                releaseIndex(indexKey, index);
            }
        }
    }

    public ClusterDatagramSocket bindDatagram(DatagramOptions options) throws IOException {
        String kind = options.type() == AddressType.UDP4 ? "udp4" : "udp6";
        String host = options.host().orElse("");
        String indexKey = kind + "|" + host + "|" + options.port();
        int index = takeIndex(indexKey);
        boolean done = false;
        try {
            Reply r = query(new QueryServer(primary.nextSeq(), index, kind, host, options.port(), "", 0, options.ipv6Only()));
            if (r.fd() < 0) {
                throw new IOException("the primary answered a UDP bind without a socket (a primary of another"
                        + " jcluster version?)");
            }
            DatagramChannel channel = JdkChannels.datagramChannel(r.fd());
            ListenAddress address = new ListenAddress(r.reply().address(), r.reply().port(),
                    AddressType.valueOf(r.reply().addressType()));
            SharedDatagram socket = new SharedDatagram(this, r.reply().handleId(), address, channel,
                    () -> releaseIndex(indexKey, index));
            open.put(socket, socket);
            primary.sendInternal(new InternalMessage.Listening(r.reply().handleId(), address.address(), address.port(),
                    address.addressType().name()), -1);
            done = true;
            return socket;
        } finally {
            if (!done) {
                releaseIndex(indexKey, index);
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
        CompletableFuture<Reply> answer = new CompletableFuture<>();
        awaitingReply.put(query.seq(), answer);
        primary.sendInternal(query, -1);
        Reply r;
        try {
            r = answer.get();
        } catch (InterruptedException e) {
            awaitingReply.remove(query.seq());
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the primary was binding " + query.key());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        if (r.reply().failed()) {
            Posix.closeQuietly(r.fd());
            throw new ListenException(r.reply().errorCode(), r.reply().errorMessage());
        }
        return r;
    }

    // ---- reader thread ----

    public void onReply(ServerReply reply, int fd) {
        CompletableFuture<Reply> waiting = awaitingReply.remove(reply.seq());
        if (waiting == null || !waiting.complete(new Reply(reply, fd))) {
            Posix.closeQuietly(fd); // nobody waits for it any more (interrupted)
        }
    }

    public void onNewConnection(InternalMessage.NewConnection message, int fd) {
        RoundRobinShare share = roundRobin.get(message.handleId());
        if (share == null || fd < 0) {
            // Closed meanwhile: the primary still holds the connection and gives it to another worker.
            Posix.closeQuietly(fd);
            primary.sendInternal(new InternalMessage.ConnectionAck(message.connectionId(), false), -1);
            return;
        }
        share.deliver(message.connectionId(), fd);
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
        primary.sendInternal(new InternalMessage.CloseServer(seq, share.handleId()), -1);
        return acked;
    }

    void acknowledge(long connectionId, boolean accepted) {
        primary.sendInternal(new InternalMessage.ConnectionAck(connectionId, accepted), -1);
    }

    static SocketChannel socketChannel(int fd) {
        return JdkChannels.socketChannel(fd);
    }

}
