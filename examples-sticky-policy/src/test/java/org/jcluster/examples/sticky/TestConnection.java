package org.jcluster.examples.sticky;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import org.jcluster.api.spi.PendingConnection;

/** A connection from a given client address that counts its closes. */
final class TestConnection implements PendingConnection {
    private final long id;
    private final SocketAddress remote;
    final AtomicInteger closes = new AtomicInteger();

    TestConnection(long id, SocketAddress remote) {
        this.id = id;
        this.remote = remote;
    }

    /** A TCP client at {@code ip} (a literal, so nothing is looked up). */
    static TestConnection from(long id, String ip) {
        return new TestConnection(id, new InetSocketAddress(ip, 40000 + (int) (id % 20000)));
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public SocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }

    boolean isClosed() {
        return closes.get() > 0;
    }

    @Override
    public String toString() {
        return "c" + id;
    }
}
