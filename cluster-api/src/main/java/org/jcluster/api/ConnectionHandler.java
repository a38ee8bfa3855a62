package org.jcluster.api;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * Takes the connections of a {@link ClusterServer}: each arrives as a real, connected, blocking
 * {@link SocketChannel} (configure it non-blocking to use it with a Selector or Netty).
 *
 * <p>Called on one thread per server, one connection at a time. Under round-robin the worker is handed
 * its next connection only after this method returned for the last one, so it should hand the
 * connection on (to a selector or an event loop) rather than serve it here.
 */
@FunctionalInterface
public interface ConnectionHandler {
    /**
     * @return true when the handler took the connection (and closes it when done); false to refuse it
     *     without having touched it (for example at a connection limit): under round-robin the primary then
     *     hands it to another worker, otherwise it is closed
     * @throws IOException counted as a refusal, and reported as the worker's error event
     */
    boolean onConnection(SocketChannel connection) throws IOException;
}
