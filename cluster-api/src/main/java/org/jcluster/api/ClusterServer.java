package org.jcluster.api;

import java.nio.channels.ServerSocketChannel;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A listening stream server made by {@link Cluster#listen}. In a worker it is the worker's share of a
 * server the primary holds; elsewhere it listens by itself.
 */
public interface ClusterServer extends AutoCloseable {
    /** Where it listens: the real port (also after listening on port 0), or the socket path. */
    ListenAddress address();

    /**
     * The listening channel itself, when this process has one: under the "none" policy (a copy of the
     * socket the primary bound) and outside a cluster. Empty under round-robin, where the primary
     * accepts. jcluster accepts on it for the {@link ConnectionHandler}; use it for socket options, not
     * to accept.
     */
    Optional<ServerSocketChannel> listeningChannel();

    /** The number of connections handed to the handler and still open. */
    int openConnections();

    /**
     * Counts one connection the program accepted itself on {@link #listeningChannel()}, which jcluster
     * cannot see: it then shows for this server in {@link WorkerHealth#connectionsByServer()} and
     * {@link ServerStats#takenByWorker()}, and in what {@link Cluster#countConnection()} counts. Safe from
     * any thread.
     *
     * @throws UnsupportedOperationException from a ClusterServer written before this method existed; count
     *     with {@link Cluster#countConnection()} then
     */
    default void countConnection() {
        throw new UnsupportedOperationException("this ClusterServer cannot count connections by server; use"
                + " Cluster.countConnection()");
    }

    /** False once {@link #close()} has been called. */
    boolean isOpen();

    /**
     * Stops taking connections (a worker leaves the shared server; the last one to leave closes it in
     * the primary). Connections already taken stay open; {@link #closed()} completes once they are all
     * closed too. Idempotent.
     */
    @Override
    void close();

    /** Completes when the server is closed and every connection it handed out is closed. */
    CompletionStage<Void> closed();
}
