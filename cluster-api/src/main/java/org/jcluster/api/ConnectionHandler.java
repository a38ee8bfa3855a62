package org.jcluster.api;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * Takes the connections of a {@link ClusterServer}: each arrives as a real, connected, blocking
 * {@link SocketChannel} (configure it non-blocking to use it with a Selector or Netty), and belongs to
 * the handler from then on.
 *
 * <p>Called on one thread per server, one connection at a time, so it should hand the connection on (to
 * a selector or an event loop) rather than serve it here: the next connection waits meanwhile, and under
 * round-robin a worker whose handler is busy gets no further connection from the primary.
 *
 * <p>Which connections reach the handler is decided before it is called, as in Node: a server that is
 * closing, or that holds {@link ServerOptions#maxConnections()} open connections, refuses them (under
 * round-robin the primary then gives them to another worker; otherwise they are closed). Under
 * round-robin the worker acknowledges a connection to the primary just before calling the handler, so
 * the primary deals the next one without waiting for the handler to finish.
 */
@FunctionalInterface
public interface ConnectionHandler {
    /**
     * @param connection the new connection, now the handler's to use and close
     * @throws IOException reported as the worker's error event; jcluster then closes the connection
     */
    void onConnection(SocketChannel connection) throws IOException;
}
