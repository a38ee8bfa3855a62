package org.jcluster.core.internal.transport;

import static org.jcluster.core.internal.transport.Libc.*;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenException;

/**
 * The primary's own listening sockets, as plain int file descriptors.
 *
 * <p>Why not a JDK {@code ServerSocketChannel}: the primary must hand the very socket to worker JVMs
 * (SCM_RIGHTS needs an fd), must choose the address family and {@code IPV6_V6ONLY} exactly as Node does,
 * and must not need any JVM flag: the user's primary JVM is started by the user, and reaching a JDK
 * channel's fd takes {@code --add-opens}. A worker turns a passed fd into a JDK channel with
 * {@link JdkChannels}, where jcluster controls the command line.
 *
 * <p>Calls go through raw jffi as in {@link Syscalls} (jnr-ffi's generated bindings cannot implement an
 * interface of this non-exported package; jnr-posix costs most of a second to load). Every socket is
 * created with {@code SOCK_CLOEXEC}, so a process the primary spawns never inherits it by accident.
 *
 * <p>Ownership: a method that returns an fd hands it to the caller, who must close it
 * ({@link Syscalls#close}); a method that fails closes whatever it opened, so error paths leak nothing.
 *
 * <p>Linux, 64-bit only: the constants and the {@code sockaddr} layouts here are Linux LP64's.
 */
public final class NativeSockets {
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;

    /** {@code sun_path} holds 108 bytes, one of which the terminating NUL takes. */
    public static final int MAX_UNIX_PATH_BYTES = 107;

    static final int SOCK_CLOEXEC = 0x80000;
    static final int O_CLOEXEC = 0x80000;
    private static final int O_NONBLOCK = 0x800;
    private static final int F_GETFL = 3;

    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int SO_TYPE = 3;
    private static final int SO_ACCEPTCONN = 30;
    private static final int SO_DOMAIN = 39;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;

    private static final int ENOENT = 2;
    private static final int EINTR = 4;
    private static final int EBADF = 9;
    private static final int EACCES = 13;
    private static final int EINVAL = 22;
    private static final int ENFILE = 23;
    private static final int EMFILE = 24;
    private static final int ENAMETOOLONG = 36;
    private static final int ENONET = 64;
    private static final int EPROTO = 71;
    private static final int ENOPROTOOPT = 92;
    private static final int EOPNOTSUPP = 95;
    private static final int EAFNOSUPPORT = 97;
    private static final int EADDRINUSE = 98;
    private static final int EADDRNOTAVAIL = 99;
    private static final int ENETDOWN = 100;
    private static final int ENETUNREACH = 101;
    private static final int ECONNABORTED = 103;
    private static final int ENOTCONN = 107;
    private static final int EHOSTDOWN = 112;
    private static final int EHOSTUNREACH = 113;

    /** sizeof(struct sockaddr_storage): room for any address the kernel hands back. */
    private static final int SOCKADDR_MAX = 128;
    private static final int SCRATCH_LEN = SOCKADDR_MAX;
    private static final int SCRATCH_INT = SOCKADDR_MAX + 8;
    private static final int SCRATCH_BYTES = SOCKADDR_MAX + 16;
    private static final int SOCKADDR_IN_BYTES = 16;
    private static final int SOCKADDR_IN6_BYTES = 28;
    private static final int SUN_PATH = 2;

    private static final InetAddress ANY4 = literal(new byte[4]);
    private static final InetAddress ANY6 = literal(new byte[16]);

    /**
     * One scratch struct per thread for sockaddrs, socklen_t and option values: listen, accept and the
     * address queries run often enough (accept once per connection under "rr") that a direct buffer per
     * call would be wasteful, and never re-enter one another on one thread.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final ByteBuffer buffer = Syscalls.allocateStruct(SCRATCH_BYTES);
        final long address = Syscalls.address(buffer);

        /** Zeroes the sockaddr area: sin_zero, sin6_flowinfo and the rest of sun_path must be 0. */
        void clearAddress() {
            for (int i = 0; i < SOCKADDR_MAX; i += 8) {
                buffer.putLong(i, 0L);
            }
        }
    }

    private NativeSockets() {
    }

    /**
     * A socket the primary bound (and, for a stream socket, listens on).
     *
     * @param socket       owned by the holder, who closes it
     * @param localAddress what getsockname reports: the real port when 0 was asked for
     * @param addressType  the family, as Node reports it to 'listening' handlers
     */
    public record BoundSocket(Descriptor socket, SocketAddress localAddress, AddressType addressType) {
        public BoundSocket {
            Objects.requireNonNull(socket, "socket");
            Objects.requireNonNull(localAddress, "localAddress");
            Objects.requireNonNull(addressType, "addressType");
        }

        /** The bound port, or -1 for a Unix-domain socket. */
        public int port() {
            return localAddress instanceof InetSocketAddress inet ? inet.getPort() : -1;
        }
    }

    /**
     * One accepted connection.
     *
     * @param socket        owned by the caller (blocking mode, close-on-exec)
     * @param remoteAddress the peer: an {@link InetSocketAddress} (an IPv4 peer of a dual-stack listener
     *                      shows as its IPv4 address, as the JDK shows it), or for a Unix-domain listener
     *                      {@code UnixDomainSocketAddress.of("")} when the peer did not bind a name
     */
    public record AcceptedConnection(Descriptor socket, SocketAddress remoteAddress) {
    }

    // ------------------------------------------------------------------------------------------------
    // Listening

    /**
     * A listening TCP socket, bound as Node's {@code server.listen(port, host)} binds it.
     *
     * <p>Without a host the socket is {@code ::} dual-stack (unless {@code ipv6Only}), so one port serves
     * IPv4 and IPv6 clients; on a machine without IPv6 it is {@code 0.0.0.0} instead, as in Node, except
     * when {@code ipv6Only} asked for IPv6 explicitly. {@code SO_REUSEADDR} is set, as libuv does, so that
     * a restarted server can bind while old connections sit in TIME_WAIT.
     *
     * @param hostOrNull a name or literal (first resolved address wins), or null for every address
     * @param port       0 to 65535; 0 picks a free port, which {@link BoundSocket#localAddress()} reports
     * @param backlog    the accept queue length (the kernel caps it at net.core.somaxconn)
     * @throws ListenException with the errno name as code and a message naming the address and the fix
     */
    public static BoundSocket listenTcp(String hostOrNull, int port, int backlog, boolean ipv6Only)
            throws ListenException {
        checkPort(port);
        if (hostOrNull == null) {
            return bindAny(SOCK_STREAM, port, backlog, ipv6Only);
        }
        InetAddress address = resolve(hostOrNull);
        return bindInet(SOCK_STREAM, address, hostOrNull, port, backlog, ipv6Only);
    }

    /**
     * A listening Unix-domain stream socket at {@code path}. The path is handed to the kernel as given
     * (a relative one resolves against the process's working directory, as in Node) and must not exist:
     * a socket file left behind by another server fails with EADDRINUSE, as the OS reports it, because
     * only the caller can know whether deleting it is safe.
     *
     * @throws ListenException ENAMETOOLONG when the path's UTF-8 bytes do not fit {@code sun_path};
     *                         EADDRINUSE, EACCES, ENOENT... from the OS, each naming the path and the fix
     */
    public static BoundSocket listenUnix(Path path, int backlog) throws ListenException {
        Objects.requireNonNull(path, "path");
        String name = path.toString();
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            throw new ListenException("EINVAL", "EINVAL: a Unix-domain socket needs a non-empty path");
        }
        if (bytes.length > MAX_UNIX_PATH_BYTES) {
            throw new ListenException("ENAMETOOLONG", "ENAMETOOLONG: the Unix-domain socket path " + name + " is "
                    + bytes.length + " bytes long, but Linux allows at most " + MAX_UNIX_PATH_BYTES + " (sun_path holds "
                    + (MAX_UNIX_PATH_BYTES + 1) + " bytes including the terminating NUL); use a shorter path,"
                    + " e.g. in a short directory such as /tmp or $XDG_RUNTIME_DIR");
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new ListenException("EINVAL", "EINVAL: the Unix-domain socket path " + name.replace("\0", "\\0")
                        + " contains a NUL character; use a path without one");
            }
        }
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw unixFailure(-fd, "socket", name);
        }
        boolean bound = false;
        boolean done = false;
        try {
            Scratch scratch = SCRATCH.get();
            scratch.clearAddress();
            ByteBuffer b = scratch.buffer;
            b.putShort(0, (short) AF_UNIX);
            b.put(SUN_PATH, bytes);
            int r = (int) INVOKER.invokeN3(INT_OF_INT_PTR_INT, BIND, fd, scratch.address, SUN_PATH + bytes.length + 1);
            if (r < 0) {
                throw unixFailure(errno(), "bind", name);
            }
            bound = true;
            r = listen(fd, backlog);
            if (r < 0) {
                throw unixFailure(-r, "listen", name);
            }
            SocketAddress local = localAddressOrFail(fd, name);
            done = true;
            return new BoundSocket(Descriptor.own(fd), local, AddressType.UNIX);
        } finally {
            if (!done) {
                Syscalls.close(fd);
                if (bound) {
                    deleteQuietly(path); // the file is ours: bind created it
                }
            }
        }
    }

    /**
     * A bound UDP socket, as Node's {@code dgram.createSocket("udp4"|"udp6").bind(port, host)}.
     *
     * <p>{@code SO_REUSEADDR} is set so every bind of the same options in the cluster can be served from
     * the one socket the primary holds even across a primary restart. Note that on Linux two UDP sockets
     * that both set it may bind the same address and port, so a second process doing the same does not
     * get EADDRINUSE; one without it (a plain JDK DatagramChannel) still does.
     *
     * @param ipv6       udp6 (AF_INET6) rather than udp4 (AF_INET)
     * @param hostOrNull a name or literal of the socket's family, or null for every address
     * @param ipv6Only   for udp6, receive IPv6 only instead of dual-stack
     * @throws ListenException as {@link #listenTcp}; EINVAL when the host is not of the socket's family
     */
    public static BoundSocket bindUdp(boolean ipv6, String hostOrNull, int port, boolean ipv6Only)
            throws ListenException {
        checkPort(port);
        InetAddress address;
        if (hostOrNull == null) {
            address = ipv6 ? ANY6 : ANY4;
        } else {
            address = resolveFamily(hostOrNull, ipv6);
        }
        return bindInet(SOCK_DGRAM, address, hostOrNull, port, -1, ipv6 && ipv6Only);
    }

    private static BoundSocket bindAny(int type, int port, int backlog, boolean ipv6Only) throws ListenException {
        try {
            return bindInet(type, ANY6, null, port, backlog, ipv6Only);
        } catch (ListenException e) {
            // No IPv6 here: socket(AF_INET6) fails with EAFNOSUPPORT, or, with IPv6 disabled by sysctl,
            // bind(::) with EADDRNOTAVAIL. Node then listens on 0.0.0.0; a caller who asked for IPv6 only
            // learns that it is missing instead.
            if (!ipv6Only && (e.code().equals("EAFNOSUPPORT") || e.code().equals("EADDRNOTAVAIL"))) {
                return bindInet(type, ANY4, null, port, backlog, false);
            }
            throw e;
        }
    }

    /** socket, SO_REUSEADDR, IPV6_V6ONLY, bind and (backlog >= 0) listen; closes the socket on any failure. */
    private static BoundSocket bindInet(int type, InetAddress address, String host, int port, int backlog,
                                        boolean ipv6Only) throws ListenException {
        boolean v6 = address instanceof Inet6Address;
        int family = v6 ? AF_INET6 : AF_INET;
        String where = describe(address, host, port);
        int fd = socket(family, type | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw inetFailure(-fd, "socket", where, address, port);
        }
        boolean done = false;
        try {
            int r = setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
            if (r < 0) {
                throw inetFailure(-r, "setsockopt(SO_REUSEADDR)", where, address, port);
            }
            if (v6) {
                // Always set, never left to the net.ipv6.bindv6only sysctl: Node's rule is dual-stack unless asked.
                r = setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, ipv6Only ? 1 : 0);
                if (r < 0) {
                    throw inetFailure(-r, "setsockopt(IPV6_V6ONLY)", where, address, port);
                }
            }
            Scratch scratch = SCRATCH.get();
            int length = encodeInet(scratch, address, port);
            r = (int) INVOKER.invokeN3(INT_OF_INT_PTR_INT, BIND, fd, scratch.address, length);
            if (r < 0) {
                throw inetFailure(errno(), "bind", where, address, port);
            }
            if (backlog >= 0) {
                r = listen(fd, backlog);
                if (r < 0) {
                    throw inetFailure(-r, "listen", where, address, port);
                }
            }
            SocketAddress local = localAddressOrFail(fd, where);
            AddressType kind = type == SOCK_STREAM
                    ? (v6 ? AddressType.TCP6 : AddressType.TCP4)
                    : (v6 ? AddressType.UDP6 : AddressType.UDP4);
            done = true;
            return new BoundSocket(Descriptor.own(fd), local, kind);
        } finally {
            if (!done) {
                Syscalls.close(fd);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Accepting

    /**
     * Waits for and accepts one connection on a blocking listening socket ({@code accept4} with
     * {@code SOCK_CLOEXEC}, so the connection is in blocking mode whatever the listener's mode). EINTR,
     * ECONNABORTED (the client gave up while queued) and the network errors Linux passes through
     * accept (accept(2): "treat them like EAGAIN by retrying") are retried.
     *
     * <p><b>Stopping an accept thread.</b> A thread blocked here sits in native code: interrupting it does
     * nothing, and closing the fd from another thread does not wake it on Linux (and would free the number
     * for reuse while the call still uses it). Instead another thread calls {@link Descriptor#shutdown()}:
     * on Linux the blocked accept then fails with EINVAL, and so does every later one. This method answers
     * null for that (and for EBADF, an fd already closed): the accept thread's signal to stop. The owner
     * closes the descriptor after the thread has ended.
     * Shutting down a listening socket that was passed to workers stops their accepts too: it acts on the
     * socket, not on one descriptor of it.
     *
     * @return the connection, or null when the listening socket was shut down or closed: stop accepting
     * @throws IOException any other failure, e.g. EMFILE (out of descriptors: the connection stays queued,
     *                     so retrying at once spins) or EAGAIN for a non-blocking listener, naming the errno
     */
    public static AcceptedConnection accept(Descriptor listening) throws IOException {
        int listenFd = listening.number();
        Scratch scratch = SCRATCH.get();
        ByteBuffer b = scratch.buffer;
        while (true) {
            b.putInt(SCRATCH_LEN, SOCKADDR_MAX);
            int fd = (int) INVOKER.invokeN4(INT_OF_INT_PTR_PTR_INT, ACCEPT4, listenFd, scratch.address,
                    scratch.address + SCRATCH_LEN, SOCK_CLOEXEC);
            if (fd >= 0) {
                try {
                    SocketAddress remote = decode(b, b.getInt(SCRATCH_LEN));
                    return new AcceptedConnection(Descriptor.own(fd), remote);
                } catch (IOException | RuntimeException e) {
                    Syscalls.close(fd);
                    throw e;
                }
            }
            int errno = errno();
            switch (errno) {
                case EINTR, ECONNABORTED, EPROTO, ENOPROTOOPT, ENETDOWN, ENONET, EHOSTDOWN, EHOSTUNREACH,
                        EOPNOTSUPP, ENETUNREACH -> {
                    // retry: nothing was accepted, the listener is fine
                }
                case EINVAL, EBADF -> {
                    return null; // shut down (or never listened), or closed: the accept thread stops
                }
                default -> throw new IOException("accept on fd " + listenFd + " failed: " + Syscalls.describe(errno));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Asking a socket what it is

    /** The address family ({@link #AF_INET}, {@link #AF_INET6}, {@link #AF_UNIX}...): getsockopt(SO_DOMAIN). */
    static int socketDomain(int fd) throws IOException {
        return intOption(fd, SO_DOMAIN, "SO_DOMAIN");
    }

    /** {@link #SOCK_STREAM}, {@link #SOCK_DGRAM}...: getsockopt(SO_TYPE). */
    static int socketType(int fd) throws IOException {
        return intOption(fd, SO_TYPE, "SO_TYPE");
    }

    /** Whether listen() was called on the socket (and it was not shut down): getsockopt(SO_ACCEPTCONN). */
    static boolean isListening(int fd) throws IOException {
        return intOption(fd, SO_ACCEPTCONN, "SO_ACCEPTCONN") != 0;
    }

    /**
     * What the socket is bound to (getsockname): an {@link InetSocketAddress}, or a
     * {@link UnixDomainSocketAddress} ({@code ""} when unnamed, or for a Linux abstract-namespace name,
     * which a Path cannot hold).
     */
    static SocketAddress localAddress(int fd) throws IOException {
        Scratch scratch = SCRATCH.get();
        scratch.buffer.putInt(SCRATCH_LEN, SOCKADDR_MAX);
        int r = (int) INVOKER.invokeN3(INT_OF_INT_PTR_PTR, GETSOCKNAME, fd, scratch.address, scratch.address + SCRATCH_LEN);
        if (r < 0) {
            throw new IOException("getsockname on fd " + fd + " failed: " + Syscalls.describe(errno()));
        }
        return decode(scratch.buffer, scratch.buffer.getInt(SCRATCH_LEN));
    }

    /**
     * The peer of a connected socket (getpeername), in the same forms as {@link #localAddress}; null when
     * it is not connected (ENOTCONN), e.g. a connection the client reset after it was accepted.
     */
    static SocketAddress remoteAddress(int fd) throws IOException {
        Scratch scratch = SCRATCH.get();
        scratch.buffer.putInt(SCRATCH_LEN, SOCKADDR_MAX);
        int r = (int) INVOKER.invokeN3(INT_OF_INT_PTR_PTR, GETPEERNAME, fd, scratch.address, scratch.address + SCRATCH_LEN);
        if (r < 0) {
            int errno = errno();
            if (errno == ENOTCONN) {
                return null;
            }
            throw new IOException("getpeername on fd " + fd + " failed: " + Syscalls.describe(errno));
        }
        return decode(scratch.buffer, scratch.buffer.getInt(SCRATCH_LEN));
    }

    // ------------------------------------------------------------------------------------------------
    // Descriptor plumbing for JdkChannels (and tests)

    /** dup3(2) with O_CLOEXEC: makes {@code target} another descriptor of {@code fd}'s socket; 0 or -errno. */
    static int dupOnto(int fd, int target) {
        int r = (int) INVOKER.invokeN3(INT_OF_INT_INT_INT, DUP3, fd, target, O_CLOEXEC);
        return r < 0 ? -errno() : r;
    }

    /**
     * Whether the socket's open file description is in non-blocking mode. That flag is shared by every
     * descriptor of the socket, in every process holding one.
     */
    static boolean isNonBlocking(int fd) throws IOException {
        int r = Syscalls.fcntl(fd, F_GETFL, 0);
        if (r < 0) {
            throw new IOException("fcntl(F_GETFL) on fd " + fd + " failed: " + Syscalls.describe(-r));
        }
        return (r & O_NONBLOCK) != 0;
    }

    // ------------------------------------------------------------------------------------------------
    // Calls and structs

    private static int socket(int domain, int type, int protocol) {
        int r = (int) INVOKER.invokeN3(INT_OF_INT_INT_INT, SOCKET, domain, type, protocol);
        return r < 0 ? -errno() : r;
    }

    private static int listen(int fd, int backlog) {
        int r = (int) INVOKER.invokeN2(INT_OF_INT_INT, LISTEN, fd, backlog);
        return r < 0 ? -errno() : r;
    }

    private static int setIntOption(int fd, int level, int option, int value) {
        Scratch scratch = SCRATCH.get();
        scratch.buffer.putInt(SCRATCH_INT, value);
        int r = (int) INVOKER.invokeN5(INT_OF_INT_INT_INT_PTR_INT, SETSOCKOPT, fd, level, option,
                scratch.address + SCRATCH_INT, 4);
        return r < 0 ? -errno() : r;
    }

    private static int intOption(int fd, int option, String name) throws IOException {
        Scratch scratch = SCRATCH.get();
        scratch.buffer.putInt(SCRATCH_INT, 0);
        scratch.buffer.putInt(SCRATCH_LEN, 4);
        int r = (int) INVOKER.invokeN5(INT_OF_INT_INT_INT_PTR_PTR, GETSOCKOPT, fd, SOL_SOCKET, option,
                scratch.address + SCRATCH_INT, scratch.address + SCRATCH_LEN);
        if (r < 0) {
            throw new IOException("getsockopt(" + name + ") on fd " + fd + " failed: " + Syscalls.describe(errno()));
        }
        return scratch.buffer.getInt(SCRATCH_INT);
    }

    /** Writes sockaddr_in or sockaddr_in6 into the scratch struct; returns its length. */
    private static int encodeInet(Scratch scratch, InetAddress address, int port) {
        scratch.clearAddress();
        ByteBuffer b = scratch.buffer;
        byte[] raw = address.getAddress();
        b.put(2, (byte) (port >>> 8)); // sin_port / sin6_port: network byte order
        b.put(3, (byte) port);
        if (address instanceof Inet6Address v6) {
            b.putShort(0, (short) AF_INET6);
            b.put(8, raw);
            b.putInt(24, v6.getScopeId());
            return SOCKADDR_IN6_BYTES;
        }
        b.putShort(0, (short) AF_INET);
        b.put(4, raw);
        return SOCKADDR_IN_BYTES;
    }

    private static SocketAddress decode(ByteBuffer b, int length) throws IOException {
        if (length < 2) {
            // accept on a Unix-domain listener may report nothing at all for an unnamed peer
            return UnixDomainSocketAddress.of("");
        }
        int family = b.getShort(0) & 0xffff;
        switch (family) {
            case AF_INET -> {
                byte[] raw = new byte[4];
                b.get(4, raw);
                return new InetSocketAddress(literal(raw), port(b));
            }
            case AF_INET6 -> {
                byte[] raw = new byte[16];
                b.get(8, raw);
                int scope = b.getInt(24);
                // getByAddress turns an IPv4-mapped address (an IPv4 peer of a dual-stack socket) into
                // an Inet4Address, as the JDK's own channels report it.
                InetAddress address = literal(raw);
                if (scope != 0 && address instanceof Inet6Address) {
                    address = Inet6Address.getByAddress(null, raw, scope);
                }
                return new InetSocketAddress(address, port(b));
            }
            case AF_UNIX -> {
                int pathLength = Math.min(length, SOCKADDR_MAX) - SUN_PATH;
                if (pathLength <= 0 || b.get(SUN_PATH) == 0) {
                    return UnixDomainSocketAddress.of("");
                }
                int end = 0;
                while (end < pathLength && b.get(SUN_PATH + end) != 0) {
                    end++;
                }
                byte[] raw = new byte[end];
                b.get(SUN_PATH, raw);
                return UnixDomainSocketAddress.of(new String(raw, StandardCharsets.UTF_8));
            }
            default -> throw new IOException("unsupported address family " + family);
        }
    }

    private static int port(ByteBuffer b) {
        return ((b.get(2) & 0xff) << 8) | (b.get(3) & 0xff);
    }

    private static InetAddress literal(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // only for a wrong length, which callers never pass
        }
    }

    private static SocketAddress localAddressOrFail(int fd, String where) throws ListenException {
        try {
            return localAddress(fd);
        } catch (IOException e) {
            throw new ListenException("EIO", "cannot read the bound address of " + where + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Addresses and errors, as a person reads them

    private static void checkPort(int port) throws ListenException {
        if (port < 0 || port > 65535) {
            throw new ListenException("EINVAL", "EINVAL: port " + port + " is out of range; use 0 to 65535"
                    + " (0 picks a free port)");
        }
    }

    private static InetAddress resolve(String host) throws ListenException {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new ListenException("ENOTFOUND", "ENOTFOUND: cannot resolve host '" + host + "'; check the name,"
                    + " use an IP address, or leave the host out to listen on every address");
        }
    }

    private static InetAddress resolveFamily(String host, boolean ipv6) throws ListenException {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new ListenException("ENOTFOUND", "ENOTFOUND: cannot resolve host '" + host + "'; check the name,"
                    + " use an IP address, or leave the host out to bind every address");
        }
        for (InetAddress address : all) {
            if ((address instanceof Inet6Address) == ipv6) {
                return address;
            }
        }
        String kind = ipv6 ? "udp6" : "udp4";
        String want = ipv6 ? "IPv6" : "IPv4";
        throw new ListenException("EINVAL", "EINVAL: host '" + host + "' has no " + want + " address, but the socket is "
                + kind + "; use an " + want + " address or a " + (ipv6 ? "udp4" : "udp6") + " socket");
    }

    /** "0.0.0.0:8000", "[::]:8000", or "localhost (127.0.0.1:8000)" when a name was given. */
    static String describe(InetAddress address, String host, int port) {
        String literal = address.getHostAddress();
        int percent = literal.indexOf('%');
        String bare = percent >= 0 ? literal.substring(0, percent) : literal;
        String shortForm = addressText(address);
        String shown = address instanceof Inet6Address ? "[" + shortForm + "]" : shortForm;
        String where = shown + ":" + port;
        if (host == null || host.equals(literal) || host.equals(bare) || host.equals(shortForm) || host.equals(shown)) {
            return where;
        }
        return host + " (" + where + ")";
    }

    /** "::", "::1", "127.0.0.1", "fe80::1": IPv6 in its short form, as Node prints it. */
    public static String addressText(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return ip.getHostAddress();
        }
        byte[] b = ip.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }

    static ListenException inetFailure(int errno, String call, String where, InetAddress address, int port) {
        String code = Syscalls.errnoName(errno);
        int privilegedBelow = errno == EACCES ? unprivilegedPortStart() : 1024;
        String message = switch (errno) {
            case EADDRINUSE -> where + " is already in use by another process; pick another port or stop the other server";
            case EACCES -> port > 0 && port < privilegedBelow
                    ? "port " + port + " is privileged (below " + privilegedBelow + "); use a port of "
                    + privilegedBelow + " or above, or grant CAP_NET_BIND_SERVICE"
                    : "permission denied to " + call + " " + where + " (a security policy forbids it); check the"
                    + " SELinux/AppArmor or container policy, or use another address";
            case EADDRNOTAVAIL -> address.getHostAddress() + " is not an address of this machine, so "
                    + where + " cannot be bound; use one of its addresses, or leave the host out to listen on every"
                    + " address";
            case EAFNOSUPPORT -> "this machine does not support " + (address instanceof Inet6Address ? "IPv6" : "IPv4")
                    + ", so " + where + " cannot be bound; use an address of the other family, or leave the host out";
            case EMFILE, ENFILE -> "out of file descriptors while opening " + where + " (" + Syscalls.describe(errno)
                    + "); close unused sockets or raise the limit (ulimit -n)";
            default -> call + " failed for " + where + ": " + Syscalls.describe(errno);
        };
        return new ListenException(code, code + ": " + message);
    }

    private static ListenException unixFailure(int errno, String call, String path) {
        String code = Syscalls.errnoName(errno);
        Path parent = Path.of(path).toAbsolutePath().getParent();
        String message = switch (errno) {
            case EADDRINUSE -> path + " already exists: another server listens there, or one that exited left the"
                    + " file behind; stop the other server or delete the file, or pick another path";
            case EACCES -> "permission denied to create the socket file " + path + "; use a directory this user"
                    + " can write to";
            case ENOENT -> "the directory " + parent + " does not exist; create it first, or pick another path";
            case ENAMETOOLONG -> "the path " + path + " is too long; use a shorter path";
            default -> call + " failed for " + path + ": " + Syscalls.describe(errno);
        };
        return new ListenException(code, code + ": " + message);
    }

    /** net.ipv4.ip_unprivileged_port_start (1024 unless lowered, as container runtimes often do). */
    static int unprivilegedPortStart() {
        return readSysctlInt(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start"), 1024);
    }

    /**
     * Reads a sysctl holding one integer, in a single read(2): Linux's integer sysctl handlers return
     * nothing for a read at a non-zero offset, so a reader that starts with a 1-byte read (as
     * {@code Files.readString} does on a file reporting size 0) gets only the first digit.
     */
    static int readSysctlInt(Path path, int fallback) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] buffer = new byte[64];
            int n = in.read(buffer, 0, buffer.length);
            return n <= 0 ? fallback : Integer.parseInt(new String(buffer, 0, n, StandardCharsets.US_ASCII).trim());
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException | RuntimeException ignored) {
            // best effort: the error being reported matters more
        }
    }
}
