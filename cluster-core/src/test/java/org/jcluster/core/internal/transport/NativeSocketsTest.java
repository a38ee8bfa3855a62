package org.jcluster.core.internal.transport;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.jcluster.core.internal.transport.SocketTestSupport.connect;
import static org.jcluster.core.internal.transport.SocketTestSupport.hasIpv6;
import static org.jcluster.core.internal.transport.SocketTestSupport.openFds;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeSocketsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @Test
    void listenOnPortZeroGetsARealPortAndAcceptNamesThePeer() throws Exception {
        assertTimeoutPreemptively(DEADLINE, () -> {
            NativeSockets.BoundSocket server = NativeSockets.listenTcp(null, 0, 16, false);
            try {
                assertThat(server.port()).isBetween(1, 65535);
                InetSocketAddress local = (InetSocketAddress) server.localAddress();
                assertThat(local.getAddress().isAnyLocalAddress()).isTrue();
                assertThat(server.addressType()).isIn(AddressType.TCP6, AddressType.TCP4);
                assertThat(NativeSockets.isListening(server.socket().number())).isTrue();
                assertThat(NativeSockets.socketType(server.socket().number())).isEqualTo(NativeSockets.SOCK_STREAM);
                assertThat(NativeSockets.socketDomain(server.socket().number()))
                        .isEqualTo(server.addressType() == AddressType.TCP6 ? NativeSockets.AF_INET6 : NativeSockets.AF_INET);
                assertThat(NativeSockets.localAddress(server.socket().number())).isEqualTo(local);

                try (SocketChannel client = connect("127.0.0.1", server.port())) {
                    NativeSockets.AcceptedConnection accepted = NativeSockets.accept(server.socket());
                    // an IPv4 client of a dual-stack listener shows as IPv4, as the JDK shows it
                    assertThat(accepted.remoteAddress()).isEqualTo(client.getLocalAddress());
                    assertThat(((InetSocketAddress) accepted.remoteAddress()).getAddress()).isInstanceOf(Inet4Address.class);
                    assertThat(NativeSockets.remoteAddress(accepted.socket().number())).isEqualTo(client.getLocalAddress());
                    assertThat(NativeSockets.localAddress(accepted.socket().number())).isEqualTo(client.getRemoteAddress());
                    assertThat(NativeSockets.isListening(accepted.socket().number())).isFalse();
                    client.write(ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8)));
                    try (SocketChannel mine = JdkChannels.socketChannel(accepted.socket().number())) { // owns the fd now
                        ByteBuffer in = ByteBuffer.allocate(2);
                        while (in.hasRemaining() && mine.read(in) >= 0) {
                            // blocking reads until both bytes arrive
                        }
                        assertThat(new String(in.array(), StandardCharsets.UTF_8)).isEqualTo("hi");
                    }
                }
            } finally {
                server.socket().close();
            }
        });
    }

    @Test
    void aHostBindsThatAddressWithItsFamily() throws Exception {
        NativeSockets.BoundSocket s = NativeSockets.listenTcp("127.0.0.1", 0, 4, false);
        try {
            assertThat(s.addressType()).isEqualTo(AddressType.TCP4);
            assertThat(s.localAddress()).isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), s.port()));
            assertThat(NativeSockets.socketDomain(s.socket().number())).isEqualTo(NativeSockets.AF_INET);
        } finally {
            s.socket().close();
        }
        assumeTrue(hasIpv6(), "no IPv6 on this machine");
        NativeSockets.BoundSocket v6 = NativeSockets.listenTcp("::1", 0, 4, false);
        try {
            assertThat(v6.addressType()).isEqualTo(AddressType.TCP6);
            assertThat(((InetSocketAddress) v6.localAddress()).getAddress()).isEqualTo(InetAddress.getByName("::1"));
        } finally {
            v6.socket().close();
        }
    }

    @Test
    void ipv6OnlyDecidesWhetherIpv4ClientsReachTheWildcardListener() throws Exception {
        assumeTrue(hasIpv6(), "no IPv6 on this machine");
        assertTimeoutPreemptively(DEADLINE, () -> {
            NativeSockets.BoundSocket only6 = NativeSockets.listenTcp(null, 0, 4, true);
            try {
                assertThat(only6.addressType()).isEqualTo(AddressType.TCP6);
                assertThatThrownBy(() -> connect("127.0.0.1", only6.port()).close()).isInstanceOf(ConnectException.class);
                try (SocketChannel client = connect("::1", only6.port())) {
                    NativeSockets.AcceptedConnection a = NativeSockets.accept(only6.socket());
                    a.socket().close();
                    assertThat(a.remoteAddress()).isEqualTo(client.getLocalAddress());
                }
            } finally {
                only6.socket().close();
            }

            NativeSockets.BoundSocket dual = NativeSockets.listenTcp(null, 0, 4, false);
            try {
                for (String host : new String[]{"127.0.0.1", "::1"}) {
                    try (SocketChannel client = connect(host, dual.port())) {
                        NativeSockets.AcceptedConnection a = NativeSockets.accept(dual.socket());
                        a.socket().close();
                        assertThat(a.remoteAddress()).isEqualTo(client.getLocalAddress());
                    }
                }
            } finally {
                dual.socket().close();
            }
        });
    }

    @Test
    void aPortHeldByAnotherServerIsEaddrinuseNamingTheAddressAndTheFix() throws Exception {
        try (ServerSocketChannel other = ServerSocketChannel.open().bind(new InetSocketAddress(0))) {
            int port = ((InetSocketAddress) other.getLocalAddress()).getPort();
            ListenException any = catchThrowableOfType(() -> NativeSockets.listenTcp(null, port, 4, false),
                    ListenException.class);
            assertThat(any.code()).isEqualTo("EADDRINUSE");
            assertThat(any.getMessage()).startsWith("EADDRINUSE: [::]:" + port + " ")
                    .contains("already in use by another process").contains("pick another port or stop the other server");

            ListenException one = catchThrowableOfType(() -> NativeSockets.listenTcp("127.0.0.1", port, 4, false),
                    ListenException.class);
            assertThat(one.code()).isEqualTo("EADDRINUSE");
            assertThat(one.getMessage()).isEqualTo("EADDRINUSE: 127.0.0.1:" + port
                    + " is already in use by another process; pick another port or stop the other server");

            ListenException named = catchThrowableOfType(() -> NativeSockets.listenTcp("localhost", port, 4, false),
                    ListenException.class);
            assertThat(named.getMessage()).contains("localhost (");
        }
    }

    @Test
    void aPrivilegedPortIsEaccesNamingTheFix() throws Exception {
        // kernel.pid_max is never below 301: a reader that got only the first digit would say 1 to 9
        assertThat(NativeSockets.readSysctlInt(Path.of("/proc/sys/kernel/pid_max"), -1)).isGreaterThan(300);
        int start = NativeSockets.unprivilegedPortStart();
        assumeTrue(start > 80, "this machine lets everyone bind port 80");
        ListenException e;
        if (Syscalls.getuid() != 0) {
            e = catchThrowableOfType(() -> NativeSockets.listenTcp(null, 80, 4, false), ListenException.class);
        } else {
            // Root may bind port 80; a thread running as "nobody" sees what an ordinary user would.
            e = SocketTestSupport.asUnprivilegedThread(() -> {
                try {
                    NativeSockets.BoundSocket s = NativeSockets.listenTcp(null, 80, 4, false);
                    s.socket().close();
                    return null;
                } catch (ListenException x) {
                    return x;
                }
            });
            assumeTrue(e != null, "running as root, and this thread could not drop its privileges");
        }
        assertThat(e.code()).isEqualTo("EACCES");
        assertThat(e.getMessage()).isEqualTo("EACCES: port 80 is privileged (below " + start + "); use a port of "
                + start + " or above, or grant CAP_NET_BIND_SERVICE");
    }

    @Test
    void badPortsAndHostsAreRefusedBeforeAnySocketExists() {
        ListenException range = catchThrowableOfType(() -> NativeSockets.listenTcp(null, 70000, 4, false),
                ListenException.class);
        assertThat(range.code()).isEqualTo("EINVAL");
        assertThat(range.getMessage()).contains("70000").contains("0 to 65535");

        ListenException unknown = catchThrowableOfType(() -> NativeSockets.listenTcp("no-such-host.invalid", 0, 4, false),
                ListenException.class);
        assertThat(unknown.code()).isEqualTo("ENOTFOUND");
        assertThat(unknown.getMessage()).contains("'no-such-host.invalid'");

        ListenException foreign = catchThrowableOfType(() -> NativeSockets.listenTcp("192.0.2.1", 0, 4, false),
                ListenException.class);
        assertThat(foreign.code()).isEqualTo("EADDRNOTAVAIL");
        assertThat(foreign.getMessage()).contains("192.0.2.1 is not an address of this machine");

        ListenException wrongFamily = catchThrowableOfType(() -> NativeSockets.bindUdp(false, "::1", 0, false),
                ListenException.class);
        assertThat(wrongFamily.code()).isEqualTo("EINVAL");
        assertThat(wrongFamily.getMessage()).contains("no IPv4 address").contains("udp4");
    }

    @Test
    void aUnixPathTooLongForSunPathIsEnametoolong(@TempDir Path dir) {
        Path path = dir.resolve("s".repeat(200 - dir.toString().length() - 1));
        assertThat(path.toString()).hasSize(200);
        ListenException e = catchThrowableOfType(() -> NativeSockets.listenUnix(path, 8), ListenException.class);
        assertThat(e.code()).isEqualTo("ENAMETOOLONG");
        assertThat(e.getMessage()).startsWith("ENAMETOOLONG: ").contains(path.toString()).contains("is 200 bytes long")
                .contains("at most 107").contains("use a shorter path");
        assertThat(path).doesNotExist();
    }

    @Test
    void aUnixListenerAcceptsJdkClientsAndAnExistingFileIsEaddrinuse(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("server.sock");
        assertTimeoutPreemptively(DEADLINE, () -> {
            NativeSockets.BoundSocket server = NativeSockets.listenUnix(path, 8);
            try {
                assertThat(server.addressType()).isEqualTo(AddressType.UNIX);
                assertThat(server.localAddress()).isEqualTo(UnixDomainSocketAddress.of(path));
                assertThat(server.port()).isEqualTo(-1);
                assertThat(NativeSockets.socketDomain(server.socket().number())).isEqualTo(NativeSockets.AF_UNIX);
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                    NativeSockets.AcceptedConnection a = NativeSockets.accept(server.socket());
                    assertThat(a.remoteAddress()).isEqualTo(UnixDomainSocketAddress.of(""));
                    client.write(ByteBuffer.wrap(new byte[]{42}));
                    try (SocketChannel mine = JdkChannels.socketChannel(a.socket().number())) {
                        ByteBuffer in = ByteBuffer.allocate(1);
                        assertThat(mine.read(in)).isEqualTo(1);
                        assertThat(in.get(0)).isEqualTo((byte) 42);
                        assertThat(mine.getLocalAddress()).isEqualTo(UnixDomainSocketAddress.of(path));
                    }
                }
                ListenException e = catchThrowableOfType(() -> NativeSockets.listenUnix(path, 8), ListenException.class);
                assertThat(e.code()).isEqualTo("EADDRINUSE");
                assertThat(e.getMessage()).startsWith("EADDRINUSE: " + path + " already exists")
                        .contains("delete the file, or pick another path");
                assertThat(path).exists(); // the failed listen must not delete another server's socket
            } finally {
                server.socket().close();
            }
        });
        ListenException missingDir = catchThrowableOfType(
                () -> NativeSockets.listenUnix(dir.resolve("nope").resolve("s.sock"), 8), ListenException.class);
        assertThat(missingDir.code()).isEqualTo("ENOENT");
        assertThat(missingDir.getMessage()).contains(dir.resolve("nope").toString()).contains("does not exist");
    }

    @Test
    void udpSocketsBindAndReportTheirRealPort() throws Exception {
        NativeSockets.BoundSocket udp4 = NativeSockets.bindUdp(false, null, 0, false);
        try {
            assertThat(udp4.addressType()).isEqualTo(AddressType.UDP4);
            assertThat(udp4.port()).isPositive();
            assertThat(((InetSocketAddress) udp4.localAddress()).getAddress().isAnyLocalAddress()).isTrue();
            assertThat(NativeSockets.socketType(udp4.socket().number())).isEqualTo(NativeSockets.SOCK_DGRAM);
            assertThat(NativeSockets.socketDomain(udp4.socket().number())).isEqualTo(NativeSockets.AF_INET);
            assertThat(NativeSockets.isListening(udp4.socket().number())).isFalse();
        } finally {
            udp4.socket().close();
        }
        try (DatagramChannel other = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = ((InetSocketAddress) other.getLocalAddress()).getPort();
            ListenException e = catchThrowableOfType(() -> NativeSockets.bindUdp(false, "127.0.0.1", port, false),
                    ListenException.class);
            assertThat(e.code()).isEqualTo("EADDRINUSE");
            assertThat(e.getMessage()).contains("127.0.0.1:" + port);
        }
        assumeTrue(hasIpv6(), "no IPv6 on this machine");
        NativeSockets.BoundSocket udp6 = NativeSockets.bindUdp(true, null, 0, false);
        try {
            assertThat(udp6.addressType()).isEqualTo(AddressType.UDP6);
            assertThat(NativeSockets.socketDomain(udp6.socket().number())).isEqualTo(NativeSockets.AF_INET6);
        } finally {
            udp6.socket().close();
        }
    }

    @Test
    void shutdownWakesABlockedAccept() throws Exception {
        assumeTrue(SocketTestSupport.canReadSyscalls(), "cannot see which call a thread is blocked in");
        NativeSockets.BoundSocket server = NativeSockets.listenTcp("127.0.0.1", 0, 4, false);
        try {
            CompletableFuture<Object> result = new CompletableFuture<>();
            Thread acceptor = new Thread(() -> {
                try {
                    result.complete(java.util.Optional.ofNullable(NativeSockets.accept(server.socket())));
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            }, "accept-under-test");
            acceptor.setDaemon(true);
            acceptor.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!SocketTestSupport.someThreadBlockedInAccept(server.socket().number())) {
                assertThat(System.nanoTime()).as("the accept thread reaches accept4").isLessThan(deadline);
                assertThat(result).as("accept returned early").isNotDone();
                Thread.onSpinWait();
            }
            assertThat(Syscalls.shutdown(server.socket().number(), Syscalls.SHUT_RDWR)).isZero();
            acceptor.join(20_000);
            assertThat(acceptor.isAlive()).as("accept woke up").isFalse();
            assertThat(result.get()).as("null: shut down, stop accepting").isEqualTo(java.util.Optional.empty());
            assertThat(NativeSockets.accept(server.socket())).as("and stays so").isNull();
        } finally {
            Syscalls.close(server.socket().number()); // behind the Descriptor's back: accept must meet EBADF
        }
        assertThat(NativeSockets.accept(server.socket())).as("a closed fd also says stop").isNull();
    }

    @Test
    void errorPathsLeakNoDescriptors(@TempDir Path dir) throws Exception {
        try (ServerSocketChannel tcp = ServerSocketChannel.open().bind(new InetSocketAddress(0));
             DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int tcpPort = ((InetSocketAddress) tcp.getLocalAddress()).getPort();
            int udpPort = ((InetSocketAddress) udp.getLocalAddress()).getPort();
            NativeSockets.BoundSocket unix = NativeSockets.listenUnix(dir.resolve("u.sock"), 1);
            try {
                Runnable failures = () -> {
                    expectListenFailure(() -> NativeSockets.listenTcp(null, tcpPort, 4, false));
                    expectListenFailure(() -> NativeSockets.listenTcp(null, tcpPort, 4, true));
                    expectListenFailure(() -> NativeSockets.listenTcp("127.0.0.1", tcpPort, 4, false));
                    expectListenFailure(() -> NativeSockets.listenTcp("192.0.2.1", 0, 4, false));
                    expectListenFailure(() -> NativeSockets.bindUdp(false, "127.0.0.1", udpPort, false));
                    expectListenFailure(() -> NativeSockets.listenUnix(dir.resolve("u.sock"), 1));
                    expectListenFailure(() -> NativeSockets.listenUnix(dir.resolve("x").resolve("u.sock"), 1));
                    expectListenFailure(() -> NativeSockets.listenUnix(dir.resolve("y".repeat(120)), 1));
                };
                failures.run(); // warm-up: class loading and the like may open files once
                int before = openFds();
                for (int i = 0; i < 20; i++) {
                    failures.run();
                }
                // Not equal: a socket an earlier test's channel reader releases late may close meanwhile.
                assertThat(openFds()).as("descriptors open after 20 rounds of failures").isLessThanOrEqualTo(before);
            } finally {
                unix.socket().close();
            }
        }
    }

    private interface Listen {
        NativeSockets.BoundSocket run() throws IOException;
    }

    private static void expectListenFailure(Listen listen) {
        assertThatThrownBy(listen::run).isInstanceOf(ListenException.class);
    }
}
