package org.jcluster.core.internal.transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.core.internal.transport.SocketTestSupport.connect;
import static org.jcluster.core.internal.transport.SocketTestSupport.hasIpv6;
import static org.jcluster.core.internal.transport.SocketTestSupport.openFds;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class JdkChannelsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final long SELECT_MILLIS = 10_000;

    @Test
    void availableWithTheTestJvmsFlag() {
        assertThat(JdkChannels.available()).isTrue();
    }

    @Test
    void anIpv4ListenerBecomesAServerSocketChannelThatWorksWithASelector() throws Exception {
        assertTimeoutPreemptively(DEADLINE, () -> {
            NativeSockets.BoundSocket bound = NativeSockets.listenTcp("127.0.0.1", 0, 8, false);
            try (ServerSocketChannel server = (ServerSocketChannel) JdkChannels.adopt(bound.socket().number())) {
                assertThat(server.isBlocking()).isTrue();
                assertThat(server.getLocalAddress()).isEqualTo(bound.localAddress());
                assertThat(NativeSockets.socketDomain(JdkChannels.fdOf(server))).isEqualTo(NativeSockets.AF_INET);
                try (SocketChannel client = connect("127.0.0.1", bound.port());
                     SocketChannel accepted = acceptThroughSelector(server)) {
                    assertThat(accepted.getRemoteAddress()).isEqualTo(client.getLocalAddress());
                    // IP_TOS is an IPv4 option: it works only when the JDK knows the socket is AF_INET
                    accepted.setOption(StandardSocketOptions.IP_TOS, 0x10);
                    assertThat(accepted.getOption(StandardSocketOptions.IP_TOS)).isEqualTo(0x10);
                    roundTrip(client, accepted);
                }
            }
        });
    }

    @Test
    void aDualStackListenerBecomesAServerSocketChannelForBothFamilies() throws Exception {
        assumeTrue(hasIpv6(), "no IPv6 on this machine");
        assertTimeoutPreemptively(DEADLINE, () -> {
            NativeSockets.BoundSocket bound = NativeSockets.listenTcp(null, 0, 8, false);
            try (ServerSocketChannel server = JdkChannels.serverSocketChannel(bound.socket().number())) {
                assertThat(JdkChannels.fdOf(server)).isEqualTo(bound.socket().number());
                assertThat(server.getLocalAddress()).isEqualTo(bound.localAddress());
                for (String host : new String[]{"127.0.0.1", "::1"}) {
                    try (SocketChannel client = connect(host, bound.port());
                         SocketChannel accepted = acceptThroughSelector(server)) {
                        assertThat(accepted.getRemoteAddress()).isEqualTo(client.getLocalAddress());
                        assertThat(accepted.getLocalAddress()).isEqualTo(client.getRemoteAddress());
                        roundTrip(client, accepted);
                    }
                }
            }
        });
    }

    @Test
    void aUnixListenerBecomesAServerSocketChannel(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("adopted.sock");
        assertTimeoutPreemptively(DEADLINE, () -> {
            NativeSockets.BoundSocket bound = NativeSockets.listenUnix(path, 8);
            try (ServerSocketChannel server = (ServerSocketChannel) JdkChannels.adopt(bound.socket().number())) {
                assertThat(server.getLocalAddress()).isEqualTo(UnixDomainSocketAddress.of(path));
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path));
                     SocketChannel accepted = acceptThroughSelector(server)) {
                    assertThat(accepted.getLocalAddress()).isEqualTo(UnixDomainSocketAddress.of(path));
                    roundTrip(client, accepted);
                }
            }
        });
    }

    @Test
    void anAcceptedConnectionBecomesAConnectedSocketChannel() throws Exception {
        assertTimeoutPreemptively(DEADLINE, () -> {
            NativeSockets.BoundSocket bound = NativeSockets.listenTcp(null, 0, 8, false);
            try (SocketChannel client = connect("127.0.0.1", bound.port())) {
                NativeSockets.AcceptedConnection a = NativeSockets.accept(bound.socket());
                try (SocketChannel channel = (SocketChannel) JdkChannels.adopt(a.socket().number())) {
                    assertThat(channel.isBlocking()).isTrue();
                    assertThat(channel.isConnected()).isTrue();
                    assertThat(channel.getRemoteAddress()).isEqualTo(client.getLocalAddress());
                    assertThat(channel.getLocalAddress()).isEqualTo(client.getRemoteAddress());
                    channel.configureBlocking(false);
                    try (Selector selector = Selector.open()) {
                        channel.register(selector, SelectionKey.OP_READ);
                        client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.UTF_8)));
                        assertThat(selector.select(SELECT_MILLIS)).isEqualTo(1);
                        ByteBuffer in = ByteBuffer.allocate(16);
                        assertThat(channel.read(in)).isEqualTo(4);
                        channel.write(ByteBuffer.wrap("pong".getBytes(StandardCharsets.UTF_8)));
                        ByteBuffer back = ByteBuffer.allocate(4);
                        while (back.hasRemaining()) {
                            client.read(back);
                        }
                        assertThat(new String(back.array(), StandardCharsets.UTF_8)).isEqualTo("pong");
                    }
                }
                // the channel owned the fd: closing it closed the connection
                assertThat(client.read(ByteBuffer.allocate(1))).isEqualTo(-1);
            } finally {
                bound.socket().close();
            }
        });
    }

    @Test
    void anIpv4UdpSocketBecomesADatagramChannelThatSendsAndReceives() throws Exception {
        assertTimeoutPreemptively(DEADLINE, () -> {
            NativeSockets.BoundSocket bound = NativeSockets.bindUdp(false, "127.0.0.1", 0, false);
            try (DatagramChannel udp = (DatagramChannel) JdkChannels.adopt(bound.socket().number());
                 DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
                assertThat(udp.getLocalAddress()).isEqualTo(bound.localAddress());
                assertThat(NativeSockets.socketDomain(JdkChannels.fdOf(udp))).isEqualTo(NativeSockets.AF_INET);
                udp.setOption(StandardSocketOptions.IP_TOS, 0x10);
                datagramRoundTrip(udp, peer, bound.localAddress());
            }
        });
    }

    @Test
    void aDualStackUdpSocketServesIpv4Peers() throws Exception {
        assumeTrue(hasIpv6(), "no IPv6 on this machine");
        assertTimeoutPreemptively(DEADLINE, () -> {
            NativeSockets.BoundSocket bound = NativeSockets.bindUdp(true, null, 0, false);
            try (DatagramChannel udp = JdkChannels.datagramChannel(bound.socket().number());
                 DatagramChannel peer4 = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                 DatagramChannel peer6 = DatagramChannel.open().bind(new InetSocketAddress("::1", 0))) {
                assertThat(NativeSockets.socketDomain(JdkChannels.fdOf(udp))).isEqualTo(NativeSockets.AF_INET6);
                assertThat(udp.getLocalAddress()).isEqualTo(bound.localAddress());
                datagramRoundTrip(udp, peer4, new InetSocketAddress("127.0.0.1", bound.port()));
                datagramRoundTrip(udp, peer6, new InetSocketAddress("::1", bound.port()));
            }
        });
    }

    @Test
    void aChannelStartsInTheModeOfItsSocket() throws Exception {
        try (DatagramChannel original = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            original.configureBlocking(false);
            try (SelectableChannel adopted = JdkChannels.adopt(Syscalls.dupCloexec(JdkChannels.fdOf(original)))) {
                assertThat(adopted.isBlocking()).as("O_NONBLOCK is on the shared socket").isFalse();
                assertThat(((DatagramChannel) adopted).getLocalAddress()).isEqualTo(original.getLocalAddress());
            }
        }
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
            server.configureBlocking(false);
            try (SelectableChannel adopted = JdkChannels.adopt(Syscalls.dupCloexec(JdkChannels.fdOf(server)))) {
                assertThat(adopted).isInstanceOf(ServerSocketChannel.class);
                assertThat(adopted.isBlocking()).isFalse();
            }
            client.configureBlocking(false);
            try (SelectableChannel adopted = JdkChannels.adopt(Syscalls.dupCloexec(JdkChannels.fdOf(client)))) {
                assertThat(adopted).isInstanceOf(SocketChannel.class);
                assertThat(adopted.isBlocking()).isFalse();
            }
        }
    }

    @Test
    void fdOfGivesTheSocketOfAJdkChannelForAnotherOwnerToAdopt() throws Exception {
        assertTimeoutPreemptively(DEADLINE, () -> {
            try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                 SocketChannel client = SocketChannel.open(server.getLocalAddress());
                 SocketChannel accepted = server.accept()) {
                int fd = JdkChannels.fdOf(accepted);
                assertThat(NativeSockets.localAddress(fd)).isEqualTo(accepted.getLocalAddress());
                assertThat(NativeSockets.remoteAddress(fd)).isEqualTo(client.getLocalAddress());
                assertThat(NativeSockets.localAddress(JdkChannels.fdOf(server))).isEqualTo(server.getLocalAddress());

                int copy = Syscalls.dupCloexec(fd); // what the IPC layer sends
                try (SocketChannel again = JdkChannels.socketChannel(copy)) {
                    assertThat(JdkChannels.fdOf(again)).isEqualTo(copy);
                    assertThat(again.getRemoteAddress()).isEqualTo(client.getLocalAddress());
                    accepted.close(); // the copy keeps the connection alive
                    roundTrip(client, again);
                }
            }
        });
    }

    @Test
    void fdOfRefusesWhatCannotTravel() throws Exception {
        Pipe pipe = Pipe.open();
        try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
            assertThatThrownBy(() -> JdkChannels.fdOf(source)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a JDK SocketChannel, ServerSocketChannel or DatagramChannel");
        }
        SocketChannel closed = SocketChannel.open();
        closed.close();
        assertThatThrownBy(() -> JdkChannels.fdOf(closed)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> JdkChannels.fdOf(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theWrongKindOfSocketIsRefusedAndClosed() throws Exception {
        assertTimeoutPreemptively(DEADLINE, () -> {
            NativeSockets.BoundSocket listening = NativeSockets.listenTcp("127.0.0.1", 0, 8, false);
            try (SocketChannel client = connect("127.0.0.1", listening.port())) {
                int connected = NativeSockets.accept(listening.socket()).socket().number();
                assertThatThrownBy(() -> JdkChannels.serverSocketChannel(connected))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a listening socket");
                assertThat(client.read(ByteBuffer.allocate(1))).as("the refused fd was closed").isEqualTo(-1);

                assertThatThrownBy(() -> JdkChannels.socketChannel(listening.socket().number()))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is a listening socket");
                assertThatThrownBy(() -> connect("127.0.0.1", listening.port()).close())
                        .as("the refused listener was closed").isInstanceOf(java.net.ConnectException.class);
            }
            NativeSockets.BoundSocket stream = NativeSockets.listenTcp("127.0.0.1", 0, 8, false);
            assertThatThrownBy(() -> JdkChannels.datagramChannel(stream.socket().number()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stream socket");
            NativeSockets.BoundSocket udp = NativeSockets.bindUdp(false, "127.0.0.1", 0, false);
            assertThatThrownBy(() -> JdkChannels.serverSocketChannel(udp.socket().number()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("datagram socket");
        });
    }

    @Test
    void errorPathsLeakNoDescriptors() throws Exception {
        Runnable failures = () -> {
            try {
                NativeSockets.BoundSocket listening = NativeSockets.listenTcp("127.0.0.1", 0, 8, false);
                assertThatThrownBy(() -> JdkChannels.socketChannel(listening.socket().number())).isInstanceOf(IllegalArgumentException.class);
                NativeSockets.BoundSocket udp = NativeSockets.bindUdp(false, "127.0.0.1", 0, false);
                assertThatThrownBy(() -> JdkChannels.serverSocketChannel(udp.socket().number())).isInstanceOf(IllegalArgumentException.class);
                NativeSockets.BoundSocket stream = NativeSockets.listenTcp(null, 0, 8, false);
                assertThatThrownBy(() -> JdkChannels.datagramChannel(stream.socket().number())).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> JdkChannels.adopt(1_000_000)).isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining("EBADF");
                // and the successful paths give everything back when the channel closes
                NativeSockets.BoundSocket ok4 = NativeSockets.listenTcp("127.0.0.1", 0, 8, false);
                JdkChannels.adopt(ok4.socket().number()).close();
                NativeSockets.BoundSocket udp4 = NativeSockets.bindUdp(false, "127.0.0.1", 0, false);
                JdkChannels.adopt(udp4.socket().number()).close();
            } catch (java.io.IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        failures.run();
        int before = openFds();
        for (int i = 0; i < 20; i++) {
            failures.run();
        }
        // At most as many as before: a leak would add fds every round; other tests' clusters (run earlier in
        // this JVM) may still be closing theirs meanwhile, so the count can also drop.
        assertThat(openFds()).isLessThanOrEqualTo(before);
    }

    @Test
    void withoutTheFlagTheErrorNamesItAndTheFdIsClosed(@TempDir Path dir) throws Exception {
        // Through the transport's public face: the child's class is in another package.
        String program = "import org.jcluster.core.internal.transport.*;\n"
                + "public class Adopt { public static void main(String[] args) throws Exception {\n"
                + "  NativeSockets.BoundSocket s = NativeSockets.listenTcp(\"127.0.0.1\", 0, 1, false);\n"
                + "  String fd = s.socket().toString().replace(\"descriptor \", \"\");\n"
                + "  try (var ch = s.socket().toChannel(java.nio.channels.ServerSocketChannel.class)) {\n"
                + "    System.out.println(\"adopted \" + ch.getLocalAddress().equals(s.localAddress()));\n"
                + "  } catch (IllegalStateException e) {\n"
                + "    System.out.println(\"message \" + e.getMessage());\n"
                + "  }\n"
                + "  System.out.println(\"open \" + java.nio.file.Files.exists(java.nio.file.Path.of(\"/proc/self/fd/\" + fd)));\n"
                + "} }\n";
        Path source = dir.resolve("Adopt.java");
        Files.writeString(source, program);

        List<String> without = runOnClassPath(source, List.of());
        assertThat(without).contains("message " + JdkChannels.FLAG_MISSING, "open false");

        List<String> with = runOnClassPath(source, List.of("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
        assertThat(with).contains("adopted true", "open false");
    }

    // ------------------------------------------------------------------------------------------------

    private static List<String> runOnClassPath(Path source, List<String> flags) throws Exception {
        String classPath = System.getProperty("jdk.module.path", "") + File.pathSeparator
                + System.getProperty("java.class.path", "");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(flags);
        command.addAll(List.of("-cp", classPath, source.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child said: %s", output).isTrue();
        assertThat(child.exitValue()).as("child said: %s", output).isZero();
        return output.lines().toList();
    }

    /** Accepts one connection the way NIO servers do: non-blocking, through a Selector. */
    private static SocketChannel acceptThroughSelector(ServerSocketChannel server) throws Exception {
        server.configureBlocking(false);
        SocketChannel accepted;
        try (Selector selector = Selector.open()) {
            SelectionKey key = server.register(selector, SelectionKey.OP_ACCEPT);
            assertThat(selector.select(SELECT_MILLIS)).as("a connection is ready").isEqualTo(1);
            assertThat(key.isAcceptable()).isTrue();
            accepted = server.accept();
            assertThat(accepted).isNotNull();
        }
        server.configureBlocking(true); // closing the selector deregistered the channel
        accepted.configureBlocking(true);
        return accepted;
    }

    private static void roundTrip(SocketChannel a, SocketChannel b) throws Exception {
        a.write(ByteBuffer.wrap("abc".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer in = ByteBuffer.allocate(3);
        while (in.hasRemaining()) {
            assertThat(b.read(in)).isNotNegative();
        }
        assertThat(new String(in.array(), StandardCharsets.UTF_8)).isEqualTo("abc");
        b.write(ByteBuffer.wrap("xyz".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer back = ByteBuffer.allocate(3);
        while (back.hasRemaining()) {
            assertThat(a.read(back)).isNotNegative();
        }
        assertThat(new String(back.array(), StandardCharsets.UTF_8)).isEqualTo("xyz");
    }

    /** peer sends to {@code target}; the adopted channel receives through a Selector and answers. */
    private static void datagramRoundTrip(DatagramChannel adopted, DatagramChannel peer, SocketAddress target)
            throws Exception {
        adopted.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            adopted.register(selector, SelectionKey.OP_READ);
            peer.send(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)), target);
            assertThat(selector.select(SELECT_MILLIS)).isEqualTo(1);
            ByteBuffer in = ByteBuffer.allocate(64);
            SocketAddress sender = adopted.receive(in);
            assertThat(sender).isEqualTo(peer.getLocalAddress());
            in.flip();
            assertThat(StandardCharsets.UTF_8.decode(in).toString()).isEqualTo("hello");
            assertThat(adopted.send(ByteBuffer.wrap("back".getBytes(StandardCharsets.UTF_8)), sender)).isEqualTo(4);
            ByteBuffer reply = ByteBuffer.allocate(64);
            SocketAddress from = peer.receive(reply); // blocking; the test's deadline bounds it
            reply.flip();
            assertThat(StandardCharsets.UTF_8.decode(reply).toString()).isEqualTo("back");
            assertThat(((InetSocketAddress) from).getPort()).isEqualTo(((InetSocketAddress) target).getPort());
        }
        adopted.configureBlocking(true);
    }
}
