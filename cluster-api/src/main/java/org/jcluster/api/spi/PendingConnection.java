package org.jcluster.api.spi;

import java.net.SocketAddress;

/** A connection the primary accepted and holds until a worker takes it. */
public interface PendingConnection {
    /** Unique within the primary, in accept order. */
    long id();

    /**
     * The client's address: an {@link java.net.InetSocketAddress}, or a
     * {@link java.net.UnixDomainSocketAddress} (often unnamed) for a Unix-domain server.
     */
    SocketAddress remoteAddress();

    /** Drops the connection (the client sees it closed). Idempotent. */
    void close();
}
