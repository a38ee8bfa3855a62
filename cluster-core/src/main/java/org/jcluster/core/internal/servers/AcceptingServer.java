package org.jcluster.core.internal.servers;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.jcluster.api.ClusterServer;
import org.jcluster.api.ConnectionHandler;
import org.jcluster.api.ListenAddress;

/**
 * What every {@link ClusterServer} shares, however its connections arrive (handed over by the primary,
 * accepted on a shared socket, or accepted by a server of its own): admission (open, below
 * maxConnections), the handler call, the count of connections it took, and a close that completes
 * once those are closed too (Node's server 'close').
 */
abstract class AcceptingServer implements ClusterServer {
    /**
     * JDK channels say nothing when they close, so a closing server looks at its connections now and
     * then. Only servers that are closing and still have open connections are looked at.
     */
    private static final long CONNECTION_CHECK_MILLIS = 20;
    private static final ScheduledExecutorService CLOSE_WATCH = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jcluster-server-close-watch");
        t.setDaemon(true);
        return t;
    });

    private final ListenAddress address;
    private final ConnectionHandler handler;
    /** Integer.MAX_VALUE for no limit. */
    private final int maxConnections;
    private final Consumer<Throwable> errors;
    private final Set<SocketChannel> taken = ConcurrentHashMap.newKeySet();
    /** Every connection it took, with those the program counted on it: what a ping reports per server. */
    private final LongAdder takenCount = new LongAdder();
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** For the servers that accept themselves: the accept loop has returned, so nothing accepted is in flight. */
    final CompletableFuture<Void> acceptLoopEnded = new CompletableFuture<>();

    AcceptingServer(ListenAddress address, ConnectionHandler handler, OptionalInt maxConnections,
            Consumer<Throwable> errors) {
        this.address = address;
        this.handler = handler;
        this.maxConnections = maxConnections.orElse(Integer.MAX_VALUE);
        this.errors = errors;
    }

    @Override
    public ListenAddress address() {
        return address;
    }

    @Override
    public void countConnection() {
        takenCount.increment();
        ConnectionsTaken.one();
    }

    /** Since it listened. */
    final long connectionsTaken() {
        return takenCount.sum();
    }

    @Override
    public boolean isOpen() {
        return open.get();
    }

    @Override
    public int openConnections() {
        taken.removeIf(c -> !c.isOpen());
        return taken.size();
    }

    /**
     * Whether a connection arriving now is admitted (Node decides this before the connection handler
     * runs): the server is open and below its maxConnections. Counting open connections walks the ones
     * taken, so it is only done for a server that has a limit.
     */
    final boolean admits() {
        return open.get() && (maxConnections == Integer.MAX_VALUE || openConnections() < maxConnections);
    }

    /**
     * Gives an admitted connection to the handler, which owns it from then on; if the handler throws,
     * the error is reported and the connection closed.
     */
    final void take(SocketChannel connection) {
        taken.add(connection); // before the handler, which may hand it on and close it at once
        countConnection();
        if (taken.size() % 1024 == 0) {
            taken.removeIf(c -> !c.isOpen()); // a long-lived server must not remember every connection
        }
        try {
            handler.onConnection(connection);
        } catch (IOException | RuntimeException e) {
            LocalServer.closeQuietly(connection);
            errors.accept(new IOException("the connection handler of the server on " + Addresses.describe(address)
                    + " failed; the connection was closed: " + e, e));
        }
    }

    /**
     * Accepts on {@code listening} until this server or the channel is closed, giving each admitted
     * connection to the handler and closing the others. For the servers that accept themselves: outside
     * a cluster, and under "none".
     */
    final void acceptLoop(ServerSocketChannel listening) {
        try {
            acceptUntilClosed(listening);
        } finally {
            acceptLoopEnded.complete(null);
        }
    }

    private void acceptUntilClosed(ServerSocketChannel listening) {
        while (isOpen()) {
            SocketChannel connection;
            try {
                connection = listening.accept();
            } catch (ClosedChannelException e) { // also AsynchronousCloseException: closed by close()
                return;
            } catch (IOException e) {
                if (!isOpen()) {
                    return;
                }
                reportError(new IOException("accept failed on " + Addresses.describe(address()) + ": " + e.getMessage(), e));
                LockSupport.parkNanos(10_000_000L); // back off (EMFILE, say); the cause may pass
                continue;
            }
            // Once accepted, a connection is this process's alone: a close that began meanwhile does not
            // refuse it (under "none" that would reset a request the other workers could have served).
            if (maxConnections == Integer.MAX_VALUE || openConnections() < maxConnections) {
                take(connection);
            } else {
                LocalServer.closeQuietly(connection);
            }
        }
    }

    final void reportError(Throwable error) {
        errors.accept(error);
    }

    @Override
    public final void close() {
        if (!open.compareAndSet(true, false)) {
            return;
        }
        stopListening().whenComplete((ignored, error) -> {
            if (error != null) {
                errors.accept(error);
            }
            completeWhenConnectionsClosed();
        });
    }

    /** For a graceful disconnect (Node rule 16): closes, and completes once the connections are closed too. */
    public CompletionStage<Void> closeForDisconnect() {
        close();
        return closed();
    }

    /** Stops taking connections; completes when this process's part in the server is over. */
    abstract CompletionStage<Void> stopListening();

    private void completeWhenConnectionsClosed() {
        if (openConnections() == 0) {
            closed.complete(null);
            return;
        }
        CLOSE_WATCH.schedule(this::completeWhenConnectionsClosed, CONNECTION_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public final CompletionStage<Void> closed() {
        return closed.copy();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + Addresses.describe(address) + (isOpen() ? "" : ", closed") + "]";
    }
}
