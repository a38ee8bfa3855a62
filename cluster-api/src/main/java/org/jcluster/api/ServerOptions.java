package org.jcluster.api;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a stream server listens on: a TCP host and port, or a Unix-domain socket path. Immutable; made
 * with {@link #tcp(int)}, {@link #tcp(String, int)} or {@link #unix(Path)} and refined with the
 * {@code with...} methods.
 *
 * <p>In a worker, servers with equal options share one listening socket held by the primary (Node's
 * shared handles); in any other process the server listens by itself.
 *
 * @param host        the address to bind; empty binds every address ({@code ::}, dual-stack, falling back
 *                    to {@code 0.0.0.0} where IPv6 is missing)
 * @param port        0 to 65535; 0 asks for a free port, and every worker sharing the server gets the same
 * @param path        for a Unix-domain socket, its path (relative paths resolve against the working
 *                    directory of the process that listens); empty for TCP
 * @param backlog     the listen queue length (used by the primary's listen under "rr")
 * @param ipv6Only    for {@code ::}, accept IPv6 only instead of dual-stack
 * @param maxConnections at most this many open connections in this process's server (Node's
 *                    {@code server.maxConnections}); a connection beyond it is refused: under round-robin
 *                    the primary gives it to another worker, otherwise it is closed. Empty: no limit. Not
 *                    part of what makes two workers' servers the same shared server.
 * @param nonBlockingHandler the handler promises to return promptly and never block (it hands each
 *                    connection to an event loop, say), so jcluster may call it on its own I/O thread and
 *                    save a thread hand-off per connection: under round-robin the worker's IPC reader
 *                    runs it, as Node's one thread does. A handler that blocks anyway stalls that
 *                    thread, and with it the worker's messages and later connections. False (the
 *                    default): under round-robin a thread of the server's own runs the handler, so a
 *                    handler may block. Under "none" and outside a cluster the server's accept thread
 *                    runs the handler either way. Not part of what makes two servers the same.
 */
public record ServerOptions(Optional<String> host, int port, Optional<Path> path, int backlog, boolean ipv6Only,
        OptionalInt maxConnections, boolean nonBlockingHandler) {
    /** Node's default backlog. */
    public static final int DEFAULT_BACKLOG = 511;

    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(maxConnections, "maxConnections");
        if (maxConnections.isPresent() && maxConnections.getAsInt() < 0) {
            throw new IllegalArgumentException("maxConnections " + maxConnections.getAsInt() + " is negative: use 0"
                    + " or more (0 refuses every connection), or leave it out for no limit");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port: use 0 to 65535 (0 picks a free one)");
        }
        if (backlog < 0) {
            throw new IllegalArgumentException("backlog " + backlog + " is negative: use 0 or more ("
                    + DEFAULT_BACKLOG + " is the default)");
        }
        if (path.isPresent() && (host.isPresent() || port != 0)) {
            throw new IllegalArgumentException("a server listens on a Unix path or on a host and port, not both");
        }
        if (host.isPresent() && host.get().isBlank()) {
            throw new IllegalArgumentException("host is blank: leave it out to bind every address");
        }
    }

    /** TCP on every address, {@code port} (0 for a free one). */
    public static ServerOptions tcp(int port) {
        return new ServerOptions(Optional.empty(), port, Optional.empty(), DEFAULT_BACKLOG, false, OptionalInt.empty(),
                false);
    }

    /** TCP on {@code host} ("127.0.0.1", "::1", "localhost" or any name), {@code port}. */
    public static ServerOptions tcp(String host, int port) {
        return new ServerOptions(Optional.of(Objects.requireNonNull(host, "host")), port, Optional.empty(),
                DEFAULT_BACKLOG, false, OptionalInt.empty(), false);
    }

    /** A Unix-domain stream socket at {@code path}, removed again when the server closes. */
    public static ServerOptions unix(Path path) {
        return new ServerOptions(Optional.empty(), 0, Optional.of(Objects.requireNonNull(path, "path")),
                DEFAULT_BACKLOG, false, OptionalInt.empty(), false);
    }

    public ServerOptions withBacklog(int backlog) {
        return new ServerOptions(host, port, path, backlog, ipv6Only, maxConnections, nonBlockingHandler);
    }

    public ServerOptions withIpv6Only(boolean ipv6Only) {
        return new ServerOptions(host, port, path, backlog, ipv6Only, maxConnections, nonBlockingHandler);
    }

    /** At most {@code maxConnections} open connections (0 refuses all); see {@link #maxConnections()}. */
    public ServerOptions withMaxConnections(int maxConnections) {
        return new ServerOptions(host, port, path, backlog, ipv6Only, OptionalInt.of(maxConnections),
                nonBlockingHandler);
    }

    /** Promises a handler that never blocks; see {@link #nonBlockingHandler()}. */
    public ServerOptions withNonBlockingHandler(boolean nonBlockingHandler) {
        return new ServerOptions(host, port, path, backlog, ipv6Only, maxConnections, nonBlockingHandler);
    }

    /** True for a Unix-domain socket server. */
    public boolean isUnix() {
        return path.isPresent();
    }

    @Override
    public String toString() {
        return path.map(p -> "unix:" + p).orElseGet(() -> host.orElse("*") + ":" + port)
                + (ipv6Only ? " ipv6Only" : "") + " backlog " + backlog
                + (maxConnections.isPresent() ? " maxConnections " + maxConnections.getAsInt() : "")
                + (nonBlockingHandler ? " nonBlockingHandler" : "");
    }
}
