package org.jcluster.sched.rr;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import org.jcluster.api.spi.PendingConnection;

/** A connection that counts its closes. */
final class TestConnection implements PendingConnection {
    private static final SocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);

    private final long id;
    final AtomicInteger closes = new AtomicInteger();

    private final AtomicInteger firstCloses;

    TestConnection(long id) {
        this(id, null);
    }

    /** {@code firstCloses}, when given, counts the connections closed at least once. */
    TestConnection(long id, AtomicInteger firstCloses) {
        this.id = id;
        this.firstCloses = firstCloses;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public SocketAddress remoteAddress() {
        return CLIENT;
    }

    @Override
    public void close() {
        if (closes.getAndIncrement() == 0 && firstCloses != null) {
            firstCloses.incrementAndGet();
        }
    }

    boolean isClosed() {
        return closes.get() > 0;
    }

    @Override
    public String toString() {
        return "c" + id;
    }
}
