package org.jcluster.core.internal.primary;

import java.net.SocketAddress;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.core.internal.transport.Descriptor;

/** A connection a {@link RoundRobinHandle} accepted: its own copy stays open until a worker took it. */
final class HeldConnection implements PendingConnection {
    final long id;
    final Descriptor socket;
    final SocketAddress remote;
    final RoundRobinHandle handle;
    final long acceptedAtNanos = System.nanoTime();
    /** Begun at the accept; null unless a recording wants hand-offs. */
    final JfrEvents.HandOff handOff = JfrEvents.HandOff.beginIfEnabled();

    /** Set in the handle's turn, before the connection goes into the in-flight map (which publishes it). */
    Worker handedTo;

    HeldConnection(long id, Descriptor socket, SocketAddress remote, RoundRobinHandle handle) {
        this.id = id;
        this.socket = socket;
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

    /** Its own copy: it stops counting as held by its server (once: the policy may close it again). */
    @Override
    public void close() {
        if (socket.closeIfUnspent()) {
            handle.connectionClosed();
        }
    }

    @Override
    public String toString() {
        return "connection " + id + " from " + remote;
    }
}
