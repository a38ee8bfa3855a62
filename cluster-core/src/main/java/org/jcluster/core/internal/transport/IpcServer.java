package org.jcluster.core.internal.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;

/**
 * The primary's listening Unix socket, in a fresh private directory. Only the owner can reach it (the
 * directory is 0700, the socket 0600); workers then prove who they are with SO_PEERCRED and a secret.
 */
public final class IpcServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(IpcServer.class.getName());
    static final String SOCKET_NAME = "ipc.sock";
    /** sun_path has 108 bytes, the last for the terminating NUL. */
    private static final int MAX_SOCKET_PATH_BYTES = 107;
    private static final int BACKLOG = 128;
    /** The accept thread leaves as soon as shutdown(2) wakes it; this only bounds a pathological case. */
    private static final long ACCEPT_THREAD_EXIT_MILLIS = 5_000;
    private static final Set<PosixFilePermission> DIRECTORY_PERMISSIONS = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> SOCKET_PERMISSIONS = PosixFilePermissions.fromString("rw-------");

    private final ChannelConfig config;
    private final Path directory;
    private final Path socketPath;
    private final UnixServerSocketChannel server;
    private final int serverFd;

    /** Guards the fields below, so that the listening fd is shut down only while still open. */
    private final Object lock = new Object();
    private boolean closed;
    private boolean serverFdClosed;
    private Thread acceptThread;

    private IpcServer(ChannelConfig config, Path directory, Path socketPath, UnixServerSocketChannel server) {
        this.config = config;
        this.directory = directory;
        this.socketPath = socketPath;
        this.server = server;
        this.serverFd = server.getFD();
    }

    /** Every IPC directory's name starts so; {@link StaleDirectories} looks for it. */
    static final String DIRECTORY_PREFIX = "jcluster-";

    /**
     * Creates a fresh private directory (0700, named "jcluster-&lt;pid&gt;-&lt;random&gt;", under $XDG_RUNTIME_DIR when set and
     * writable, else java.io.tmpdir, else /tmp if the others give too long a path) and binds "ipc.sock" (0600) in it.
     */
    public static IpcServer open(ChannelConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        List<String> problems = new ArrayList<>();
        for (Path base : candidateDirectories()) {
            Path directory;
            try {
                // The pid in the name lets a later primary tell a directory whose owner died (SIGKILL) from a live one.
                directory = Files.createTempDirectory(base, DIRECTORY_PREFIX + ProcessHandle.current().pid() + "-",
                        PosixFilePermissions.asFileAttribute(DIRECTORY_PERMISSIONS));
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                problems.add(base + ": " + e);
                continue;
            }
            Path socketPath = directory.resolve(SOCKET_NAME);
            int pathBytes = socketPath.toString().getBytes(StandardCharsets.UTF_8).length;
            if (pathBytes > MAX_SOCKET_PATH_BYTES) {
                deleteQuietly(directory);
                problems.add(base + ": " + socketPath + " is " + pathBytes + " bytes, a Unix socket path holds "
                        + MAX_SOCKET_PATH_BYTES);
                continue;
            }
            UnixServerSocketChannel server = null;
            try {
                // The umask may have narrowed the mode further; make it exactly 0700.
                Files.setPosixFilePermissions(directory, DIRECTORY_PERMISSIONS);
                server = UnixServerSocketChannel.open();
                server.socket().bind(new UnixSocketAddress(socketPath.toFile()), BACKLOG);
                // Already unreachable for others through the 0700 directory; 0600 holds if it is ever moved.
                Files.setPosixFilePermissions(socketPath, SOCKET_PERMISSIONS);
                StaleDirectories.removeIn(base, directory);
                return new IpcServer(config, directory, socketPath, server);
            } catch (IOException | RuntimeException e) {
                if (server != null) {
                    try {
                        server.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                deleteQuietly(socketPath);
                deleteQuietly(directory);
                throw new IOException("cannot bind the IPC socket " + socketPath + ": " + e.getMessage(), e);
            }
        }
        throw new IOException("found no directory for the IPC socket: " + String.join("; ", problems));
    }

    private static List<Path> candidateDirectories() {
        List<Path> candidates = new ArrayList<>();
        String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
        if (runtimeDir != null && !runtimeDir.isBlank()) {
            Path path = Path.of(runtimeDir);
            if (Files.isDirectory(path) && Files.isWritable(path)) {
                candidates.add(path);
            }
        }
        String tmp = System.getProperty("java.io.tmpdir");
        if (tmp != null && !tmp.isBlank()) {
            candidates.add(Path.of(tmp));
        }
        Path slashTmp = Path.of("/tmp");
        if (!candidates.contains(slashTmp)) {
            candidates.add(slashTmp);
        }
        return candidates;
    }

    public Path socketPath() {
        return socketPath;
    }

    /** The private directory holding the socket. */
    public Path directory() {
        return directory;
    }

    /**
     * Starts accepting on a daemon thread "jcluster-ipc-accept". Each accepted channel, not yet started,
     * goes to the handler with its peer's credentials; the handler starts it or closes it. A handler
     * that throws gets the channel closed.
     */
    public void start(AcceptHandler handler) {
        Objects.requireNonNull(handler, "handler");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("IPC server " + socketPath + " is closed");
            }
            if (acceptThread != null) {
                throw new IllegalStateException("IPC server " + socketPath + " is already started");
            }
            acceptThread = new Thread(() -> acceptLoop(handler), "jcluster-ipc-accept");
            acceptThread.setDaemon(true);
            acceptThread.start();
        }
    }

    /** Receives each accepted channel on the accept thread. */
    @FunctionalInterface
    public interface AcceptHandler {
        void accepted(IpcChannel channel, PeerCredentials peer);
    }

    private void acceptLoop(AcceptHandler handler) {
        try {
            while (!isClosed()) {
                UnixSocketChannel socket;
                try {
                    socket = server.accept();
                } catch (IOException | RuntimeException e) {
                    if (isClosed()) {
                        // shutdown(2) in close() woke us; jnr reports its EINVAL as NotYetBoundException
                        return;
                    }
                    if (e instanceof RuntimeException) {
                        // The socket is no longer listening: nothing will ever be accepted again.
                        LOG.log(System.Logger.Level.ERROR, "IPC socket " + socketPath + " stopped accepting", e);
                        return;
                    }
                    // EMFILE and the like: reported, and retried (the fd shortage may pass).
                    LOG.log(System.Logger.Level.WARNING, "accept on IPC socket " + socketPath + " failed", e);
                    pauseAfterFailure();
                    continue;
                }
                if (socket == null) {
                    continue;
                }
                IpcChannel channel;
                try {
                    channel = new IpcChannel(socket, config);
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "dropping an IPC connection: " + e.getMessage(), e);
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // nothing more to do with it
                    }
                    continue;
                }
                try {
                    handler.accepted(channel, channel.peerCredentials());
                } catch (Throwable e) {
                    LOG.log(System.Logger.Level.WARNING, "the accept handler of " + socketPath + " threw; closing "
                            + channel, e);
                    channel.close();
                }
            }
        } finally {
            closeServerFd();
        }
    }

    private static void pauseAfterFailure() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    private void closeServerFd() {
        synchronized (lock) {
            if (serverFdClosed) {
                return;
            }
            serverFdClosed = true;
            try {
                server.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing IPC server socket failed", e);
            }
        }
    }

    /**
     * Stops accepting, deletes the socket file and the directory. Channels already accepted stay open.
     * Returns once the accept thread has ended (at once: it is woken), unless called from that thread.
     */
    @Override
    public void close() {
        Thread accepter;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            accepter = acceptThread;
            if (accepter == null) {
                closeServerFd();
            } else if (!serverFdClosed) {
                // Wakes the accept thread (close(2) alone would not), which then closes the fd itself, so the
                // number cannot be reused under its accept call.
                Syscalls.shutdown(serverFd, Syscalls.SHUT_RDWR);
            }
        }
        deleteQuietly(socketPath);
        deleteContents(directory); // the workers' id claims (WorkerEnvironment.claimId)
        deleteQuietly(directory);
        if (accepter != null && accepter != Thread.currentThread()) {
            try {
                accepter.join(ACCEPT_THREAD_EXIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Deletes the regular files in the private directory, which only this primary's workers write. */
    static void deleteContents(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            entries.filter(Files::isRegularFile).forEach(IpcServer::deleteQuietly);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot list " + directory + ": " + e);
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete " + path + ": " + e);
        }
    }

    @Override
    public String toString() {
        return "IpcServer[" + socketPath + "]";
    }
}
