package org.jcluster.core.internal.primary;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.core.internal.nativeio.Syscalls;

/** A connection a {@link RoundRobinHandle} accepted: its own copy stays open until a worker took it. */
final class HeldConnection implements PendingConnection {
    final long id;
    final int fd;
    final SocketAddress remote;
    final RoundRobinHandle handle;
    final AtomicBoolean closed = new AtomicBoolean();
    /** Set in the handle's turn, before the connection goes into the in-flight map (which publishes it). */
    Worker handedTo;

    HeldConnection(long id, int fd, SocketAddress remote, RoundRobinHandle handle) {
        this.id = id;
        this.fd = fd;
        this.remote = remote;
        this.handle = handle;
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
        if (closed.compareAndSet(false, true)) {
            Syscalls.close(fd); // once only: a second close could hit a reused descriptor
        }
    }

    @Override
    public String toString() {
        return "connection " + id + " from " + remote;
    }
}
