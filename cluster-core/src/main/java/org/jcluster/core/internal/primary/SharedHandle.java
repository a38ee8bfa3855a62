package org.jcluster.core.internal.primary;

import java.nio.file.Path;
import java.util.Optional;

import org.jcluster.api.ListenAddress;
import org.jcluster.core.internal.nativeio.Posix;

/** "none", and UDP under any policy: the primary binds; every worker gets a copy of the socket. */
final class SharedHandle extends Handle {
    final int fd;

    SharedHandle(int id, String key, int fd, ListenAddress address, Optional<Path> unixPath) {
        super(id, key, address, unixPath);
        this.fd = fd;
    }

    @Override
    void close() {
        Posix.closeQuietly(fd);
        removeSocketFile();
    }
}
