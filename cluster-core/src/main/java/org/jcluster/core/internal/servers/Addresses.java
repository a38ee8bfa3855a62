package org.jcluster.core.internal.servers;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.ListenException;
import org.jcluster.api.ServerOptions;
import org.jcluster.core.internal.transport.NativeSockets;

/** Addresses as Node prints them, and bind errors as Node names them. */
public final class Addresses {
    /** sun_path of struct sockaddr_un on Linux, including the terminating NUL. */
    public static final int UNIX_PATH_MAX = 108;

    private Addresses() {
    }

    public static InetAddress resolve(String host) throws ListenException {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new ListenException("ENOTFOUND", "host " + host + " does not resolve to an address: give an IP"
                    + " address or a name this machine can resolve");
        }
    }

    public static void checkUnixPathLength(Path absolute) throws ListenException {
        int bytes = absolute.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes >= UNIX_PATH_MAX) {
            throw new ListenException("ENAMETOOLONG", "the Unix socket path " + absolute + " is " + bytes
                    + " bytes long; Linux allows at most " + (UNIX_PATH_MAX - 1)
                    + ": use a shorter path (a relative path resolves against the working directory)");
        }
    }

    /** A JDK bind failure in Node's terms: the errno's name and a message that says what to do. */
    public static ListenException listenError(IOException e, ServerOptions options) {
        if (e instanceof ListenException l) {
            return l;
        }
        String text = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        String where = options.path().map(Path::toString)
                .orElseGet(() -> options.host().orElse("*") + ":" + options.port());
        ListenException error;
        if (text.contains("already in use")) {
            error = inUse(where);
        } else if (text.contains("permission denied") || text.contains("access")) {
            error = denied(where, options.port());
        } else if (text.contains("cannot assign")) {
            error = new ListenException("EADDRNOTAVAIL", where + " is not an address of this machine: bind one of"
                    + " its addresses, or leave the host out to bind them all");
        } else if (text.contains("too long")) {
            error = new ListenException("ENAMETOOLONG", "the Unix socket path " + where + " is too long: use a shorter one");
        } else {
            error = new ListenException(e instanceof BindException ? "EINVAL" : "EIO",
                    "cannot listen on " + where + ": " + e.getMessage());
        }
        error.initCause(e);
        return error;
    }

    public static ListenException inUse(String where) {
        return new ListenException("EADDRINUSE", where + " is already in use: pick another port (0 picks a free"
                + " one) or stop the process that holds it");
    }

    public static ListenException denied(String where, int port) {
        return new ListenException("EACCES", port > 0 && port < 1024
                ? where + ": ports below 1024 are privileged; use a port of 1024 or above, or give the primary"
                        + " CAP_NET_BIND_SERVICE"
                : where + ": permission denied; check the directory's permissions or the address");
    }

    /** The 'listening' event's view of a bound address. */
    public static ListenAddress listenAddress(SocketAddress local, boolean datagram) {
        if (local instanceof UnixDomainSocketAddress unix) {
            return new ListenAddress(unix.getPath().toString(), -1, AddressType.UNIX);
        }
        InetSocketAddress inet = (InetSocketAddress) local;
        InetAddress ip = inet.getAddress();
        boolean v6 = ip instanceof Inet6Address;
        AddressType type = datagram ? (v6 ? AddressType.UDP6 : AddressType.UDP4) : (v6 ? AddressType.TCP6 : AddressType.TCP4);
        return new ListenAddress(NativeSockets.addressText(ip), inet.getPort(), type);
    }

    /** {@code host:port}, or the path of a Unix-domain server (whose port is negative). */
    public static String describe(ListenAddress address) {
        return address.port() < 0 ? address.address() : address.address() + ":" + address.port();
    }
}
