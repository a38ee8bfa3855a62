package org.jcluster.agent.internal;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.ProtocolFamily;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.SocketOption;
import java.nio.channels.Channel;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.time.Duration;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;

import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

import org.jcluster.api.AddressType;
import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterDatagramSocket;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.DatagramOptions;
import org.jcluster.api.ListenException;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.WorkerEvent;

/**
 * What happens when the application binds (the hook behind {@code BindBridge}).
 *
 * <p>Under "none" a listening socket is asked of the primary ({@link Cluster#listen(ServerOptions)}),
 * which binds each distinct address once; the copy it passes is put under the application's own
 * descriptor number with {@code dup2}, so the application's channel, its Selector registrations and its
 * {@code getLocalAddress()} all work on the shared socket, and the JDK's bind is skipped. The
 * application's {@code listen} then runs on the shared socket and sets its backlog. UDP binds share the
 * primary's socket the same way ({@link Cluster#bindDatagram}), as in Node.
 *
 * <p>Under "reuseport" the application's own socket gets SO_REUSEPORT before the JDK binds it, and the
 * kernel spreads connections over the workers' sockets; the primary is off the path. The worker tells the
 * primary it is ready once its first server is bound.
 *
 * <p>On a graceful disconnect (reload, shutdown) the application's server channels are closed, so it
 * takes no more connections; under "none" the connections still queued stay in the shared socket for
 * the other workers. Once every connection it accepted is closed, or after the drain time, the worker
 * exits with {@code System.exit(0)}: the application's shutdown hooks run, as on SIGTERM, which is how
 * Java servers stop gracefully (Spring Boot, Jetty, Tomcat). An application knows nothing of jcluster's
 * disconnect; its shutdown hooks are what it has.
 */
final class SocketSharing implements Function<Object[], Object> {
    private static final int FD_CLOEXEC = 1;
    /** JDK channels say nothing when they close, so a leaving worker looks at its connections now and then. */
    private static final long CONNECTION_CHECK_MILLIS = 20;
    /** Nothing to leave: a reuseport socket is the application's own. */
    private static final AutoCloseable OWN_SOCKET = () -> { };

    private final Cluster cluster;
    private final boolean reusePort;
    /**
     * The application's servers (ServerSocketChannel, ServerSocket, AsynchronousServerSocketChannel) on
     * the sockets the agent bound or marked, closed on a graceful disconnect, each with the worker's
     * share in the primary's socket, left when the application closes its server.
     */
    private final Map<Closeable, AutoCloseable> applicationServers = new ConcurrentHashMap<>();
    /** The connections those servers accepted, forgotten once closed and collected. */
    private final Set<Closeable> accepted = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private final Duration drain;
    private final AtomicBoolean readySignalled = new AtomicBoolean();
    private final ThreadLocal<Boolean> insideHook = new ThreadLocal<>();
    /**
     * The share of the server bind under way on this thread: the JDK's server classes call Net.bind
     * from their own bind, on the caller's thread, and "bound" then says which server it was.
     */
    private final ThreadLocal<AutoCloseable> pendingShare = new ThreadLocal<>();
    private final MethodHandle fdValue;
    private final MethodHandle channelDescriptor;
    private final MethodHandle setSocketOption;
    private volatile POSIX posix;

    SocketSharing(Cluster cluster, boolean reusePort, Duration drain) {
        this.cluster = cluster;
        this.reusePort = reusePort;
        this.drain = drain;
        try {
            // The worker runs with --add-opens java.base/sun.nio.ch=ALL-UNNAMED (jcluster adds it).
            Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil");
            Class<?> selectable = Class.forName("sun.nio.ch.SelChImpl");
            Class<?> net = Class.forName("sun.nio.ch.Net");
            fdValue = MethodHandles.privateLookupIn(ioUtil, MethodHandles.lookup())
                    .findStatic(ioUtil, "fdVal", MethodType.methodType(int.class, FileDescriptor.class));
            channelDescriptor = MethodHandles.privateLookupIn(selectable, MethodHandles.lookup())
                    .findVirtual(selectable, "getFD", MethodType.methodType(FileDescriptor.class));
            setSocketOption = MethodHandles.privateLookupIn(net, MethodHandles.lookup()).findStatic(net,
                    "setSocketOption", MethodType.methodType(void.class, FileDescriptor.class, SocketOption.class,
                            Object.class));
        } catch (ReflectiveOperationException | IllegalAccessError e) {
            throw new IllegalStateException("the jcluster agent needs --add-opens java.base/sun.nio.ch=ALL-UNNAMED,"
                    + " which bin/jcluster puts on every worker's command line: " + e, e);
        }
        cluster.worker().orElseThrow().on(WorkerEvent.DISCONNECTING, this::leave);
    }

    @Override
    public Object apply(Object[] call) {
        if (insideHook.get() != null) {
            return Boolean.FALSE; // a bind of jcluster's own, made while serving the application's
        }
        insideHook.set(Boolean.TRUE);
        try {
            if (call[0].equals("bind")) {
                return bind((ProtocolFamily) call[1], (FileDescriptor) call[2], (InetAddress) call[3], (Integer) call[4]);
            }
            if (call[0].equals("bound")) {
                bound((Closeable) call[1]);
            } else if (call[0].equals("bindFailed")) {
                leaveUnclaimedShare();
            } else {
                AutoCloseable share = applicationServers.get((Closeable) call[1]);
                if (share != null) {
                    accepted.add((Closeable) call[2]);
                    // For status and stats (by server when the primary shares it), and the supervisor's --max-requests.
                    countConnection(share);
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            insideHook.remove();
        }
    }

    /** By server when the share is one the primary holds; the cluster's count only otherwise. */
    private void countConnection(AutoCloseable share) {
        if (share instanceof ClusterServer server) {
            try {
                server.countConnection();
                return;
            } catch (UnsupportedOperationException olderProvider) {
                // counted below, without the server
            }
        }
        cluster.countConnection();
    }

    private enum Caller { STREAM_SERVER, DATAGRAM, OTHER }

    private Boolean bind(ProtocolFamily family, FileDescriptor fd, InetAddress address, int port) throws IOException {
        leaveUnclaimedShare(); // none, unless a bind on this thread escaped the advice that reports its end
        Caller caller = caller();
        if (caller == Caller.OTHER || caller == Caller.DATAGRAM && port == 0) {
            // A client socket binding before it connects, or a datagram socket on a port of its own (a DNS or
            // StatsD client): this worker's alone, as Node's implicit exclusive bind is.
            return Boolean.FALSE;
        }
        if (reusePort && caller == Caller.STREAM_SERVER) {
            invoke(setSocketOption, fd, StandardSocketOptions.SO_REUSEPORT, Boolean.TRUE);
            pendingShare.set(OWN_SOCKET);
            if (readySignalled.compareAndSet(false, true)) {
                // The primary cannot see this bind. The program listens right after it, on this thread.
                cluster.signalReady();
            }
            return Boolean.FALSE; // the JDK binds it, beside the other workers' sockets
        }
        boolean inet4 = family == StandardProtocolFamily.INET;
        // The application's socket is IPv6 (dual-stack) unless it asked for INET: ask the primary for the same.
        Optional<String> host = address.isAnyLocalAddress() && !inet4 ? Optional.empty()
                : Optional.of(address.getHostAddress());
        leaveClosedServers(); // a server closed and bound again shares the primary's socket again
        AutoCloseable share;
        Channel copy;
        try {
            if (caller == Caller.STREAM_SERVER) {
                ClusterServer server = cluster.listen(host.map(h -> ServerOptions.tcp(h, port))
                        .orElseGet(() -> ServerOptions.tcp(port)));
                share = server;
                copy = server.listeningChannel().orElseThrow(); // always present under "none"
            } else {
                AddressType type = inet4 || address instanceof Inet4Address && !address.isAnyLocalAddress()
                        ? AddressType.UDP4 : AddressType.UDP6;
                ClusterDatagramSocket socket = cluster.bindDatagram(new DatagramOptions(type, host, port, false));
                share = socket;
                copy = socket.channel();
            }
        } catch (ListenException e) {
            BindException refused = new BindException(e.getMessage());
            refused.initCause(e);
            throw refused;
        }
        try (copy) { // the application's descriptor holds the socket once put under it
            putUnder(fd, descriptorOf(copy));
        } catch (IOException | RuntimeException e) {
            closeQuietly(share);
            throw e;
        }
        if (caller == Caller.STREAM_SERVER) {
            pendingShare.set(share);
        }
        return Boolean.TRUE;
    }

    private void leaveClosedServers() {
        applicationServers.entrySet().removeIf(e -> {
            if (isOpen(e.getKey())) {
                return false;
            }
            closeQuietly(e.getValue());
            return true;
        });
    }

    private static void closeQuietly(AutoCloseable share) {
        try {
            share.close();
        } catch (Exception ignored) {
            // leaving a share only tells the primary; there is nothing to undo
        }
    }

    /**
     * dup2: the shared socket under the application's descriptor number. dup2 leaves the number
     * inheritable, so close-on-exec is set again, as the JDK has it. O_NONBLOCK belongs to the socket,
     * which other workers share: it is always set, so that no worker's Selector thread can block in
     * accept(2) on a connection another worker took; a channel in blocking mode still blocks, because
     * the JDK (17 and 25) parks its thread when accept answers EAGAIN.
     */
    private void putUnder(FileDescriptor application, int sharedFd) throws IOException {
        POSIX p = posix();
        int target = (int) invoke(fdValue, application);
        if (p.dup2(sharedFd, target) < 0) {
            throw new IOException("dup2 of the shared socket failed: errno " + p.errno());
        }
        p.fcntlInt(target, Fcntl.F_SETFD, FD_CLOEXEC);
        p.fcntlInt(target, Fcntl.F_SETFL, p.fcntl(target, Fcntl.F_GETFL) | OpenFlags.O_NONBLOCK.intValue());
    }

    /** The JDK failed the server's bind after the agent's part (its listen): the share goes. */
    private void leaveUnclaimedShare() {
        AutoCloseable unclaimed = pendingShare.get();
        if (unclaimed != null) {
            pendingShare.remove();
            closeQuietly(unclaimed);
        }
    }

    private void bound(Closeable server) {
        AutoCloseable share = pendingShare.get();
        if (share != null) {
            pendingShare.remove();
            applicationServers.put(server, share);
        }
    }

    /** The three server kinds and their connections are Channels, or ServerSockets and Sockets. */
    private static boolean isOpen(Closeable serverOrConnection) {
        if (serverOrConnection instanceof Channel channel) {
            return channel.isOpen();
        }
        if (serverOrConnection instanceof ServerSocket server) {
            return !server.isClosed();
        }
        return !((Socket) serverOrConnection).isClosed();
    }

    /** On the event thread, which must not wait: the waiting is done on a thread of its own. */
    private void leave() {
        for (Closeable server : applicationServers.keySet()) {
            try {
                // The JDK's close also wakes a thread blocked in accept before it takes another connection,
                // which is why a blocking accept loop (Tomcat's) logs a failed accept here.
                server.close();
            } catch (IOException ignored) {
                // closing a listening socket has nothing left to recover
            }
        }
        Thread exit = new Thread(this::exitOnceDrained, "jcluster-agent-drain");
        exit.setDaemon(true);
        exit.start();
    }

    private void exitOnceDrained() {
        long deadline = System.nanoTime() + drain.toNanos();
        try {
            while (System.nanoTime() < deadline && anyConnectionOpen()) {
                Thread.sleep(CONNECTION_CHECK_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // exit now
        }
        System.exit(0);
    }

    private boolean anyConnectionOpen() {
        synchronized (accepted) {
            accepted.removeIf(c -> !isOpen(c));
            return !accepted.isEmpty();
        }
    }

    private int descriptorOf(Channel channel) {
        return (int) invoke(fdValue, invoke(channelDescriptor, channel));
    }

    private POSIX posix() {
        if (posix == null) {
            posix = POSIXFactory.getNativePOSIX();
        }
        return posix;
    }

    /** Who called Net.bind: the first frame below it. */
    private static Caller caller() {
        List<String> below = StackWalker.getInstance().walk(frames -> frames.map(StackWalker.StackFrame::getClassName)
                .dropWhile(name -> !name.equals("sun.nio.ch.Net"))
                .dropWhile(name -> name.equals("sun.nio.ch.Net"))
                .limit(4)
                .collect(Collectors.toList()));
        String first = below.isEmpty() ? "" : below.get(0);
        if (first.equals("sun.nio.ch.ServerSocketChannelImpl") || first.endsWith("AsynchronousServerSocketChannelImpl")
                || first.equals("sun.nio.ch.NioSocketImpl") && below.contains("java.net.ServerSocket")) {
            return Caller.STREAM_SERVER;
        }
        return first.equals("sun.nio.ch.DatagramChannelImpl") ? Caller.DATAGRAM : Caller.OTHER;
    }

    private static Object invoke(MethodHandle handle, Object... arguments) {
        try {
            return handle.invokeWithArguments(arguments);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // BindAdvice rethrows it as the IOException it is
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
