package org.jcluster.core.internal.primary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jcluster.api.ListenAddress;
import org.jcluster.api.Worker;

/**
 * One server the primary shares, bound once for every worker that asks for the same address: a
 * {@link SharedHandle} (each worker gets a copy of the socket) or a {@link RoundRobinHandle} (the primary
 * accepts and deals). {@link SharedHandles} keeps them.
 */
abstract class Handle {
    static final System.Logger LOG = System.getLogger("org.jcluster");

    final int id;
    final String key;
    final ListenAddress address;
    final Optional<Path> unixPath;
    /** The workers that asked for it (queried), with their channels. */
    final Map<Worker, ServerPeer> members = new ConcurrentHashMap<>();
    /** The key with the real port, for a handle first asked for with port 0; guarded by SharedHandles. */
    String alias;

    Handle(int id, String key, ListenAddress address, Optional<Path> unixPath) {
        this.id = id;
        this.key = key;
        this.address = address;
        this.unixPath = unixPath;
    }

    /** Its last member left: unbind. */
    abstract void close();

    /** Its figures now, from any thread. */
    abstract ServerFigures figures();

    /** The ids of the workers that asked for it, ascending. */
    List<Integer> memberIds() {
        return members.keySet().stream().map(Worker::id).sorted().toList();
    }

    void removeSocketFile() {
        unixPath.ifPresent(p -> {
            try {
                Files.deleteIfExists(p); // Node rule 38: the file goes with the server
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "jcluster: cannot remove the socket file " + p + ": " + e);
            }
        });
    }
}
