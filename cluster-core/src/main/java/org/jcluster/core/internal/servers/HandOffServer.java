package org.jcluster.core.internal.servers;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.ConnectionHandler;
import org.jcluster.api.ListenAddress;
import org.jcluster.core.internal.transport.Descriptor;

/**
 * A worker's server under round-robin: the primary accepts, and each connection arrives over the IPC
 * channel. The worker acknowledges each one (admitted or refused) on its connection thread just before
 * the handler runs, as Node's worker does; the primary sends it another only after that (Node rule 36).
 * Acknowledging before the handler keeps the primary's dealing fast and even, whatever the handler
 * costs (a cold handler's first calls take milliseconds); acknowledging on the connection thread, not
 * the reader thread, keeps a worker whose handler is stuck from being dealt more than one connection.
 *
 * <p>A server whose options promise a non-blocking handler has no connection thread: the reader runs
 * the whole hand-over, acknowledgement and handler, saving a thread wake-up per connection (11-15% of
 * the workers' CPU per connection with the Netty demo, benchmarks/compare/rr-handler-thread.sh). A
 * stuck handler then stops the reader: the one connection dealt after its acknowledgement waits
 * unread, as it would behind a stuck connection thread, and so do the worker's messages.
 */
final class HandOffServer extends AcceptingServer implements WorkerServers.Share {
    private final WorkerServers servers;
    private final int handleId;
    private final Runnable releaseIndex;
    /**
     * One thread runs the handler, in arrival order; it ends when idle so an idle server costs nothing,
     * and a daemon because the channel, not the server, keeps a worker alive under round-robin. Null
     * when the handler never blocks: the reader thread runs it.
     */
    private final ExecutorService delivery;

    HandOffServer(WorkerServers servers, int handleId, ListenAddress address, ConnectionHandler handler,
            OptionalInt maxConnections, boolean nonBlockingHandler, Runnable releaseIndex) {
        super(address, handler, maxConnections, servers.primary()::reportError);
        this.servers = servers;
        this.handleId = handleId;
        this.releaseIndex = releaseIndex;
        if (nonBlockingHandler) {
            this.delivery = null;
            return;
        }
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "jcluster-connections-" + Addresses.describe(address));
            t.setDaemon(true);
            return t;
        });
        executor.allowCoreThreadTimeOut(true);
        this.delivery = executor;
    }

    @Override
    public int handleId() {
        return handleId;
    }

    @Override
    public Optional<ServerSocketChannel> listeningChannel() {
        return Optional.empty();
    }

    /** Reader thread: a connection from the primary. */
    void deliver(long connectionId, Descriptor connection) {
        if (delivery == null) {
            handle(connectionId, connection); // once closed, admits() refuses it, as the shut-down executor does
            return;
        }
        try {
            delivery.execute(() -> handle(connectionId, connection));
        } catch (RejectedExecutionException e) {
            connection.close();
            servers.acknowledge(connectionId, false);
        }
    }

    private void handle(long connectionId, Descriptor received) {
        SocketChannel connection;
        try {
            connection = received.toChannel(SocketChannel.class);
        } catch (RuntimeException e) {
            reportError(new IOException("cannot take a connection of the server on " + Addresses.describe(address())
                    + ": " + e.getMessage(), e));
            servers.acknowledge(connectionId, false);
            return;
        }
        boolean admitted = admits();
        servers.acknowledge(connectionId, admitted);
        if (admitted) {
            take(connection);
        } else {
            LocalServer.closeQuietly(connection); // this copy only: the primary's goes to another worker
        }
    }

    @Override
    CompletionStage<Void> stopListening() {
        if (delivery != null) {
            delivery.shutdown(); // connections already queued are still offered, and refused now the server is closed
        }
        return servers.leave(this, releaseIndex);
    }
}
