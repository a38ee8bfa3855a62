package org.jcluster.api;

import java.nio.channels.DatagramChannel;

/**
 * A bound UDP socket made by {@link Cluster#bindDatagram}. In a worker its channel is a copy of the one
 * socket the primary bound for every worker that asked for equal options: the kernel gives each
 * datagram to one of the readers.
 */
public interface ClusterDatagramSocket extends AutoCloseable {
    /** Where it is bound, with the real port. */
    ListenAddress address();

    /** The bound channel, blocking as made; a real JDK channel (Selector and Netty work with it). */
    DatagramChannel channel();

    /** Closes this process's copy and leaves the shared socket. Idempotent. */
    @Override
    void close();
}
