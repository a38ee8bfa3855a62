package org.jcluster.testkit;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import org.jcluster.api.spi.PendingConnection;

/** A connection for a dispatcher's unit tests, shown as "c{id}", that counts its closes. */
public final class TestConnection implements PendingConnection {
    private static final SocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);

    private final long id;
    private final SocketAddress remote;
    /** Counts the connections closed at least once, across connections; null when nobody counts. */
    private final AtomicInteger firstCloses;
    public final AtomicInteger closes = new AtomicInteger();

    /** A connection from 127.0.0.1:40000. */
    public TestConnection(long id) {
        this(id, CLIENT, null);
    }

    /** A connection from 127.0.0.1:40000 that, on its first close, counts one in {@code firstCloses}. */
    public TestConnection(long id, AtomicInteger firstCloses) {
        this(id, CLIENT, firstCloses);
    }

    /** A connection from {@code remote}. */
    public TestConnection(long id, SocketAddress remote) {
        this(id, remote, null);
    }

    private TestConnection(long id, SocketAddress remote, AtomicInteger firstCloses) {
        this.id = id;
        this.remote = remote;
        this.firstCloses = firstCloses;
    }

    /** A TCP connection from {@code ip} (a literal, so nothing is looked up). */
    public static TestConnection from(long id, String ip) {
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
        if (closes.getAndIncrement() == 0 && firstCloses != null) {
            firstCloses.incrementAndGet();
        }
    }

    public boolean isClosed() {
        return closes.get() > 0;
    }

    @Override
    public String toString() {
        return "c" + id;
    }
}
