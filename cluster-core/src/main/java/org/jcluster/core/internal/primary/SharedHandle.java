package org.jcluster.core.internal.primary;

import java.nio.file.Path;
import java.util.Optional;

import org.jcluster.api.ListenAddress;
import org.jcluster.core.internal.transport.Descriptor;

/** "none", and UDP under any policy: the primary binds; every worker gets a copy of the socket. */
final class SharedHandle extends Handle {
    final Descriptor socket;

    SharedHandle(int id, String key, Descriptor socket, ListenAddress address, Optional<Path> unixPath) {
        super(id, key, address, unixPath);
        this.socket = socket;
    }

    /** The kernel deals its connections: the primary sees none of them. */
    @Override
    ServerFigures figures() {
        return new ServerFigures(id, address, false, memberIds(), 0, 0, 0, 0, 0, LatencyBuckets.empty());
    }

    @Override
    void close() {
        socket.close();
        removeSocketFile();
    }
}
