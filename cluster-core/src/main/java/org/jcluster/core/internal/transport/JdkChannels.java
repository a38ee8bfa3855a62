package org.jcluster.core.internal.transport;

import java.io.FileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * Turns a socket fd (passed by the primary, or received with a user message) into a real JDK channel,
 * and a JDK channel back into its fd (to pass it on).
 *
 * <p>Why real JDK channels: users and runtimes (a JDK {@link java.nio.channels.Selector}, Netty's
 * {@code NioSocketChannel}/{@code NioServerSocketChannel}, any NIO code) take exactly those, and the JDK
 * offers no public way to wrap an existing fd. So this class calls the JDK's private constructors in
 * {@code sun.nio.ch} by reflection: the one place jcluster touches {@code sun.*}. It needs
 * {@code --add-opens java.base/sun.nio.ch=jcluster.core} ({@code ALL-UNNAMED} on the class path), which
 * jcluster puts on every worker's command line. The primary never needs it: it holds plain fds
 * ({@link NativeSockets}).
 *
 * <p>Constructors used (the same signatures on JDK 17 and 25, checked with javap on both):
 * <ul>
 *   <li>{@code SocketChannelImpl(SelectorProvider, ProtocolFamily, FileDescriptor, SocketAddress remote)}:
 *       the one {@code ServerSocketChannel.accept()} uses, so the channel starts connected, with the
 *       family given (INET, INET6 or UNIX);</li>
 *   <li>{@code ServerSocketChannelImpl(SelectorProvider, ProtocolFamily, FileDescriptor, boolean bound)}:
 *       the one {@code System.inheritedChannel()} uses, for AF_INET6 and AF_UNIX listeners;</li>
 *   <li>{@code ServerSocketChannelImpl(SelectorProvider, ProtocolFamily)} for AF_INET listeners, and
 *       {@code DatagramChannelImpl(SelectorProvider, ProtocolFamily, boolean interruptible)} for every
 *       datagram socket: the constructors behind the public {@code open(family)} methods.</li>
 * </ul>
 * Why the last two: the fd-taking constructors of ServerSocketChannelImpl and DatagramChannelImpl ignore
 * the family of an IP socket and record INET6 whenever the JVM has IPv6. For an AF_INET socket that is
 * wrong where it shows: a datagram channel addresses its sends as IPv6 (EAFNOSUPPORT from the kernel),
 * connections accepted from a listener set IP_TOS as IPV6_TCLASS. And DatagramChannelImpl's fd-taking
 * constructor, when it fails, has either closed the fd or left it to a Cleaner, so the caller cannot
 * know whether closing it is right. So these sockets go into a fresh channel the JDK makes for the right
 * family in the ordinary way; {@code dup3} then puts the passed socket in place of the fresh one, under
 * the channel's own fd number, and the (non-final) {@code localAddress} field is set. No final field is
 * ever written. Such a channel's fd number differs from the one passed in: ask {@link #fdOf}.
 *
 * <p>Ownership: every method that takes an fd takes it over. The channel owns it (closing the channel
 * closes the socket); when no channel can be made, the fd is closed before the exception leaves, so a
 * failure never leaks a descriptor.
 *
 * <p>Blocking mode: a channel starts in the mode of the socket it wraps (O_NONBLOCK is a property of the
 * socket, shared by every process holding it), so a socket from {@code accept4} or a fresh listener gives
 * a blocking channel, ready for {@code configureBlocking(false)} and a Selector. Switching the mode of a
 * listening socket shared with other workers switches it for them too.
 *
 * <p>Thread-safety: stateless apart from the method handles, which are looked up once and immutable.
 */
final class JdkChannels {
    /** The message for a JVM without the flag: what is missing, that jcluster adds it to workers, and the fix. */
    public static final String FLAG_MISSING = "jcluster needs --add-opens java.base/sun.nio.ch=jcluster.core"
            + " (ALL-UNNAMED on the class path) to turn a passed socket into a JDK channel; jcluster adds it to"
            + " workers; add it to this JVM's flags";

    private JdkChannels() {
    }

    private record Handles(MethodHandle socket, MethodHandle server, MethodHandle freshServer,
                           MethodHandle freshDatagram, MethodHandle newFd, MethodHandle channelFd,
                           VarHandle serverLocal, VarHandle datagramLocal, Class<?> selChImpl,
                           boolean ipv6Available) {
    }

    /** Looked up on first use: a JVM that never receives a socket never pays for, or fails on, the lookup. */
    private static final class Holder {
        /** The {@link Handles}, or the reason (a message) why there are none. */
        static final Object STATE = load();
    }

    private static Object load() {
        if (!Object.class.getModule().isOpen("sun.nio.ch", JdkChannels.class.getModule())) {
            return FLAG_MISSING;
        }
        try {
            MethodHandles.Lookup self = MethodHandles.lookup();
            Class<?> socketImpl = Class.forName("sun.nio.ch.SocketChannelImpl");
            Class<?> serverImpl = Class.forName("sun.nio.ch.ServerSocketChannelImpl");
            Class<?> datagramImpl = Class.forName("sun.nio.ch.DatagramChannelImpl");
            Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil");
            Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl");
            Class<?> net = Class.forName("sun.nio.ch.Net");
            MethodHandles.Lookup socketLookup = MethodHandles.privateLookupIn(socketImpl, self);
            MethodHandles.Lookup serverLookup = MethodHandles.privateLookupIn(serverImpl, self);
            MethodHandles.Lookup datagramLookup = MethodHandles.privateLookupIn(datagramImpl, self);
            MethodHandles.Lookup ioUtilLookup = MethodHandles.privateLookupIn(ioUtil, self);
            MethodHandles.Lookup selChLookup = MethodHandles.privateLookupIn(selChImpl, self);
            MethodHandles.Lookup netLookup = MethodHandles.privateLookupIn(net, self);

            MethodHandle socket = socketLookup.findConstructor(socketImpl, MethodType.methodType(void.class,
                            SelectorProvider.class, ProtocolFamily.class, FileDescriptor.class, SocketAddress.class))
                    .asType(MethodType.methodType(SocketChannel.class,
                            SelectorProvider.class, ProtocolFamily.class, FileDescriptor.class, SocketAddress.class));
            MethodHandle server = serverLookup.findConstructor(serverImpl, MethodType.methodType(void.class,
                            SelectorProvider.class, ProtocolFamily.class, FileDescriptor.class, boolean.class))
                    .asType(MethodType.methodType(ServerSocketChannel.class,
                            SelectorProvider.class, ProtocolFamily.class, FileDescriptor.class, boolean.class));
            MethodHandle freshServer = serverLookup.findConstructor(serverImpl, MethodType.methodType(void.class,
                            SelectorProvider.class, ProtocolFamily.class))
                    .asType(MethodType.methodType(ServerSocketChannel.class, SelectorProvider.class, ProtocolFamily.class));
            MethodHandle freshDatagram = datagramLookup.findConstructor(datagramImpl, MethodType.methodType(void.class,
                            SelectorProvider.class, ProtocolFamily.class, boolean.class))
                    .asType(MethodType.methodType(DatagramChannel.class,
                            SelectorProvider.class, ProtocolFamily.class, boolean.class));
            MethodHandle newFd = ioUtilLookup.findStatic(ioUtil, "newFD",
                    MethodType.methodType(FileDescriptor.class, int.class));
            MethodHandle channelFd = selChLookup.findVirtual(selChImpl, "getFDVal", MethodType.methodType(int.class))
                    .asType(MethodType.methodType(int.class, Channel.class));
            VarHandle serverLocal = serverLookup.findVarHandle(serverImpl, "localAddress", SocketAddress.class);
            VarHandle datagramLocal = datagramLookup.findVarHandle(datagramImpl, "localAddress", InetSocketAddress.class);
            boolean ipv6 = (boolean) netLookup.findStatic(net, "isIPv6Available", MethodType.methodType(boolean.class))
                    .invokeExact();
            return new Handles(socket, server, freshServer, freshDatagram, newFd, channelFd, serverLocal,
                    datagramLocal, selChImpl, ipv6);
        } catch (IllegalAccessException e) {
            return FLAG_MISSING + " (" + e.getMessage() + ")";
        } catch (Throwable e) {
            return "jcluster cannot turn a passed socket into a JDK channel on Java " + Runtime.version()
                    + ": the JDK's private sun.nio.ch classes are not those of Java 17 to 25 that jcluster knows ("
                    + e + "); run the workers on a Java version jcluster supports";
        }
    }

    /** Whether this JVM can make JDK channels of fds (the flag is there and the JDK's internals are known). */
    public static boolean available() {
        return Holder.STATE instanceof Handles;
    }

    private static Handles handles() {
        Object state = Holder.STATE;
        if (state instanceof Handles h) {
            return h;
        }
        throw new IllegalStateException((String) state);
    }

    /** As {@link #handles()}, closing the fd that would otherwise be left without an owner. */
    private static Handles handlesOrClose(int fd) {
        try {
            return handles();
        } catch (IllegalStateException e) {
            Syscalls.close(fd);
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------------

    /**
     * The channel kind that fits the socket: a {@link ServerSocketChannel} for a listening stream socket,
     * a {@link SocketChannel} for another stream socket, a {@link DatagramChannel} for a datagram socket.
     * Takes the fd over (see the class comment).
     *
     * @throws IllegalStateException    the JVM lacks the --add-opens flag (the message says which)
     * @throws IllegalArgumentException the fd is not a socket a JDK channel can take
     * @throws UncheckedIOException     the OS failed, e.g. EBADF for an fd that is not open
     */
    public static SelectableChannel adopt(int fd) {
        handlesOrClose(fd);
        int type;
        boolean listening;
        try {
            type = NativeSockets.socketType(fd);
            listening = type == NativeSockets.SOCK_STREAM && NativeSockets.isListening(fd);
        } catch (IOException e) {
            Syscalls.close(fd);
            throw new UncheckedIOException("cannot make a JDK channel of fd " + fd + ": " + e.getMessage(), e);
        }
        if (type == NativeSockets.SOCK_STREAM) {
            return listening ? serverSocketChannel(fd) : socketChannel(fd);
        }
        if (type == NativeSockets.SOCK_DGRAM) {
            return datagramChannel(fd);
        }
        Syscalls.close(fd);
        throw new IllegalArgumentException("fd " + fd + " is a socket of type " + type + ", which no JDK channel can"
                + " take (stream and datagram sockets only); it was closed");
    }

    /**
     * A connected {@link SocketChannel} over a stream socket (TCP over IPv4 or IPv6, or Unix-domain).
     * Its remote address is the socket's peer; null if the peer already reset the connection (reading
     * then reports the reset). Takes the fd over.
     *
     * @throws IllegalStateException    the JVM lacks the --add-opens flag
     * @throws IllegalArgumentException the fd is not a non-listening stream socket of a supported family
     * @throws UncheckedIOException     the OS failed
     */
    public static SocketChannel socketChannel(int fd) {
        Handles h = handlesOrClose(fd);
        SocketChannel channel;
        try {
            ProtocolFamily family = inspect(h, fd, NativeSockets.SOCK_STREAM, false, "SocketChannel");
            SocketAddress remote = NativeSockets.remoteAddress(fd);
            FileDescriptor descriptor = (FileDescriptor) h.newFd().invokeExact(fd);
            channel = (SocketChannel) h.socket().invokeExact(SelectorProvider.provider(), family, descriptor, remote);
        } catch (Throwable e) {
            Syscalls.close(fd); // this constructor neither closes the fd nor gives it to a Cleaner when it fails
            throw failure(fd, "SocketChannel", e);
        }
        return inSocketMode(channel, fd);
    }

    /**
     * A bound {@link ServerSocketChannel} over a listening stream socket (TCP over IPv4 or IPv6, or
     * Unix-domain); {@code accept()} gives ordinary JDK SocketChannels. Takes the fd over; for AF_INET the
     * channel holds the socket under another fd number (see the class comment).
     *
     * @throws IllegalStateException    the JVM lacks the --add-opens flag
     * @throws IllegalArgumentException the fd is not a listening stream socket of a supported family
     * @throws UncheckedIOException     the OS failed
     */
    public static ServerSocketChannel serverSocketChannel(int fd) {
        Handles h = handlesOrClose(fd);
        ProtocolFamily family = inspectOrClose(h, fd, NativeSockets.SOCK_STREAM, true, "ServerSocketChannel");
        if (family == StandardProtocolFamily.INET && h.ipv6Available()) {
            // The adopting constructor would record INET6 (see the class comment): use a fresh INET channel.
            ServerSocketChannel fresh;
            try {
                fresh = (ServerSocketChannel) h.freshServer().invokeExact(SelectorProvider.provider(), family);
            } catch (Throwable e) {
                Syscalls.close(fd);
                throw failure(fd, "ServerSocketChannel", e);
            }
            return inSocketMode(replaceSocket(h, fresh, fd, h.serverLocal(), "ServerSocketChannel"), -1);
        }
        ServerSocketChannel channel;
        try {
            FileDescriptor descriptor = (FileDescriptor) h.newFd().invokeExact(fd);
            channel = (ServerSocketChannel) h.server().invokeExact(SelectorProvider.provider(), family, descriptor, true);
        } catch (Throwable e) {
            Syscalls.close(fd); // as for SocketChannelImpl: still ours after a failure
            throw failure(fd, "ServerSocketChannel", e);
        }
        return inSocketMode(channel, fd);
    }

    /**
     * A {@link DatagramChannel} over a UDP socket (IPv4 or IPv6; the JDK has no Unix-domain datagram
     * channel). Takes the fd over; the channel holds the socket under another fd number (see the class
     * comment).
     *
     * @throws IllegalStateException    the JVM lacks the --add-opens flag
     * @throws IllegalArgumentException the fd is not an IPv4 or IPv6 datagram socket
     * @throws UncheckedIOException     the OS failed
     */
    public static DatagramChannel datagramChannel(int fd) {
        Handles h = handlesOrClose(fd);
        ProtocolFamily family = inspectOrClose(h, fd, NativeSockets.SOCK_DGRAM, false, "DatagramChannel");
        if (family == StandardProtocolFamily.UNIX) {
            Syscalls.close(fd);
            throw new IllegalArgumentException("fd " + fd + " is a Unix-domain datagram socket, and the JDK's"
                    + " DatagramChannel supports IPv4 and IPv6 only; it was closed");
        }
        DatagramChannel fresh;
        try {
            fresh = (DatagramChannel) h.freshDatagram().invokeExact(SelectorProvider.provider(), family, true);
        } catch (Throwable e) {
            Syscalls.close(fd);
            throw failure(fd, "DatagramChannel", e);
        }
        return inSocketMode(replaceSocket(h, fresh, fd, h.datagramLocal(), "DatagramChannel"), -1);
    }

    /**
     * The fd of one of the JDK's own socket channels, to pass the socket to another process (send a
     * duplicate: the channel still owns this fd, and closing the channel closes it).
     *
     * @throws IllegalStateException    the JVM lacks the --add-opens flag
     * @throws IllegalArgumentException the channel is closed, or is not a JDK socket channel (a pipe, a
     *                                  file, a wrapper of another library), so has no socket fd to pass
     */
    public static int fdOf(Channel channel) {
        Handles h = handles();
        if (!(channel instanceof NetworkChannel) || !h.selChImpl().isInstance(channel)) {
            throw new IllegalArgumentException("a " + (channel == null ? "null" : channel.getClass().getName())
                    + " is not a JDK SocketChannel, ServerSocketChannel or DatagramChannel, so it has no socket"
                    + " descriptor to pass; pass a channel made by the JDK's open() methods, by accept(), or by"
                    + " jcluster");
        }
        if (!channel.isOpen()) {
            throw new IllegalArgumentException("the channel is closed, so it has no descriptor to pass");
        }
        try {
            return (int) h.channelFd().invokeExact(channel);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot read the descriptor of " + channel + ": " + e, e);
        }
    }

    // ------------------------------------------------------------------------------------------------

    /** As {@link #inspect}, closing the fd (which nobody else owns) when the socket does not fit. */
    private static ProtocolFamily inspectOrClose(Handles h, int fd, int wantedType, boolean wantListening, String kind) {
        try {
            return inspect(h, fd, wantedType, wantListening, kind);
        } catch (Throwable e) {
            Syscalls.close(fd);
            throw failure(fd, kind, e);
        }
    }

    /** Checks the socket's type and state, and answers its family as the JDK names it. */
    private static ProtocolFamily inspect(Handles h, int fd, int wantedType, boolean wantListening, String kind)
            throws IOException {
        int type = NativeSockets.socketType(fd);
        String what = type == NativeSockets.SOCK_STREAM ? "stream" : type == NativeSockets.SOCK_DGRAM ? "datagram"
                : "type " + type;
        if (type != wantedType) {
            throw new IllegalArgumentException("fd " + fd + " is a " + what + " socket, which a " + kind + " cannot take");
        }
        if (type == NativeSockets.SOCK_STREAM && NativeSockets.isListening(fd) != wantListening) {
            throw new IllegalArgumentException("fd " + fd + (wantListening
                    ? " is not a listening socket, which a ServerSocketChannel needs (call listen first)"
                    : " is a listening socket: make a ServerSocketChannel of it"));
        }
        int domain = NativeSockets.socketDomain(fd);
        return switch (domain) {
            case NativeSockets.AF_INET -> StandardProtocolFamily.INET;
            case NativeSockets.AF_INET6 -> {
                if (!h.ipv6Available()) {
                    // The JDK's channels would treat the socket as IPv4 and mis-handle its addresses.
                    throw new IllegalArgumentException("fd " + fd + " is an IPv6 socket, but this JVM has IPv6 turned"
                            + " off (java.net.preferIPv4Stack=true?); drop that property, or listen on an IPv4 address");
                }
                yield StandardProtocolFamily.INET6;
            }
            case NativeSockets.AF_UNIX -> StandardProtocolFamily.UNIX;
            default -> throw new IllegalArgumentException("fd " + fd + " is a socket of address family " + domain
                    + ", which no JDK channel supports (IPv4, IPv6 and Unix-domain only)");
        };
    }

    /**
     * Puts the socket {@code fd} in place of {@code fresh}'s own (dup3 onto the channel's fd number, then
     * close {@code fd}), and records its bound address in the channel. Closes everything on failure.
     */
    private static <C extends SelectableChannel> C replaceSocket(Handles h, C fresh, int fd, VarHandle localField,
                                                                String kind) {
        int target;
        try {
            target = (int) h.channelFd().invokeExact((Channel) fresh);
        } catch (Throwable e) {
            closeQuietly(fresh);
            Syscalls.close(fd);
            throw failure(fd, kind, e);
        }
        int r = NativeSockets.dupOnto(fd, target);
        Syscalls.close(fd); // either way: the channel now holds the socket under target, or failed
        if (r < 0) {
            closeQuietly(fresh);
            throw new UncheckedIOException(new IOException("cannot make a " + kind + " of fd " + fd + ": dup3 failed: "
                    + Syscalls.describe(-r)));
        }
        try {
            SocketAddress local = NativeSockets.localAddress(target);
            // Not yet published to any other thread, so the channel's stateLock is not needed here.
            localField.set(fresh, local);
        } catch (Throwable e) {
            closeQuietly(fresh);
            throw failure(fd, kind, e);
        }
        return fresh;
    }

    /**
     * Puts the channel in the socket's blocking mode: the JDK's constructors assume a blocking socket,
     * but one passed on by another process may not be.
     *
     * @param fd the channel's fd, or -1 to ask the channel
     */
    private static <C extends SelectableChannel> C inSocketMode(C channel, int fd) {
        try {
            int actual = fd >= 0 ? fd : fdOf(channel);
            if (NativeSockets.isNonBlocking(actual)) {
                channel.configureBlocking(false);
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e instanceof IOException io
                    ? new UncheckedIOException("cannot put " + channel + " in its socket's blocking mode: " + io.getMessage(), io)
                    : (RuntimeException) e;
        }
    }

    private static RuntimeException failure(int fd, String kind, Throwable e) {
        if (e instanceof RuntimeException r) {
            return r;
        }
        if (e instanceof Error error) {
            throw error;
        }
        if (e instanceof IOException io) {
            return new UncheckedIOException("cannot make a " + kind + " of fd " + fd + ": " + io.getMessage(), io);
        }
        return new IllegalStateException("cannot make a " + kind + " of fd " + fd + ": " + e, e);
    }

    private static void closeQuietly(Channel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the channel was only made to be used here; nothing useful to report
        }
    }
}
