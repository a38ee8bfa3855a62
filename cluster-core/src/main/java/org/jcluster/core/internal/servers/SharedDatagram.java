package org.jcluster.core.internal.servers;

import java.nio.channels.DatagramChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jcluster.api.ClusterDatagramSocket;
import org.jcluster.api.ListenAddress;

/** A worker's copy of a UDP socket the primary bound for every worker asking for the same address. */
final class SharedDatagram implements ClusterDatagramSocket, WorkerServers.Share {
    private final WorkerServers servers;
    private final int handleId;
    private final ListenAddress address;
    private final DatagramChannel channel;
    private final Runnable releaseIndex;
    private final AtomicBoolean open = new AtomicBoolean(true);

    SharedDatagram(WorkerServers servers, int handleId, ListenAddress address, DatagramChannel channel,
            Runnable releaseIndex) {
        this.servers = servers;
        this.handleId = handleId;
        this.address = address;
        this.channel = channel;
        this.releaseIndex = releaseIndex;
    }

    @Override
    public int handleId() {
        return handleId;
    }

    @Override
    public ListenAddress address() {
        return address;
    }

    @Override
    public DatagramChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        closeForDisconnect();
    }

    @Override
    public CompletionStage<Void> closeForDisconnect() {
        if (!open.compareAndSet(true, false)) {
            return CompletableFuture.completedFuture(null);
        }
        LocalServer.closeQuietly(channel);
        return servers.leave(this, releaseIndex);
    }

    @Override
    public String toString() {
        return "ClusterDatagramSocket[" + Addresses.describe(address) + "]";
    }
}
