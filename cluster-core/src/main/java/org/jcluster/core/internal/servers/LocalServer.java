package org.jcluster.core.internal.servers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import org.jcluster.api.ConnectionHandler;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.ListenException;
import org.jcluster.api.ServerOptions;

/**
 * A server outside any cluster (in the primary, or in a JVM jcluster did not fork): a plain JDK
 * server channel with an accept thread, as a standalone Node program's server is.
 *
 * <p>The accept thread is not a daemon: a listening server keeps its JVM alive, as it keeps a Node
 * process alive.
 */
public final class LocalServer extends AcceptingServer {
    private final ServerSocketChannel channel;
    private final Optional<Path> unixPath;
    private final Thread acceptThread;

    private LocalServer(ServerSocketChannel channel, ListenAddress address, Optional<Path> unixPath,
            ConnectionHandler handler, OptionalInt maxConnections, Consumer<Throwable> errors) {
        super(address, handler, maxConnections, errors);
        this.channel = channel;
        this.unixPath = unixPath;
        if (handler == null) {
            acceptThread = null; // the program accepts on listeningChannel() itself
            acceptLoopEnded.complete(null);
        } else {
            acceptThread = new Thread(() -> acceptLoop(channel), "jcluster-accept-" + Addresses.describe(address));
        }
    }

    /** @param handler null when the program accepts on the listening channel itself */
    public static LocalServer listen(ServerOptions options, ConnectionHandler handler, Consumer<Throwable> errors)
            throws IOException {
        if (options.ipv6Only()) {
            throw new ListenException("EINVAL", "ipv6Only needs the listening socket to come from a jcluster primary;"
                    + " a JDK ServerSocketChannel cannot be made IPv6-only: bind the IPv6 host you want instead of ::");
        }
        ServerSocketChannel channel;
        SocketAddress bindTo;
        Optional<Path> unixPath = options.path().map(p -> p.toAbsolutePath());
        if (unixPath.isPresent()) {
            Addresses.checkUnixPathLength(unixPath.get());
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            bindTo = UnixDomainSocketAddress.of(unixPath.get());
        } else {
            InetAddress host = options.host().isPresent() ? Addresses.resolve(options.host().get()) : null;
            channel = ServerSocketChannel.open();
            bindTo = host == null ? new InetSocketAddress(options.port()) : new InetSocketAddress(host, options.port());
        }
        try {
            channel.bind(bindTo, options.backlog());
        } catch (IOException e) {
            channel.close();
            throw Addresses.listenError(e, options);
        }
        ListenAddress address = Addresses.listenAddress(channel.getLocalAddress(), false);
        LocalServer server = new LocalServer(channel, address, unixPath, handler, options.maxConnections(), errors);
        if (server.acceptThread != null) {
            server.acceptThread.start();
        }
        return server;
    }

    @Override
    public Optional<ServerSocketChannel> listeningChannel() {
        return Optional.of(channel);
    }


    @Override
    CompletionStage<Void> stopListening() {
        closeQuietly(channel);
        unixPath.ifPresent(p -> {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                reportError(new IOException("cannot remove the socket file " + p + ": " + e.getMessage(), e));
            }
        });
        return acceptLoopEnded; // what it accepted last is handed on before the close completes
    }

    static void closeQuietly(Channel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // a failed close of a socket leaves nothing to recover
        }
    }
}
