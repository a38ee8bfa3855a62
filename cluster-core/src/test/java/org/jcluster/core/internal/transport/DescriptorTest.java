package org.jcluster.core.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.jcluster.core.internal.transport.IpcTesting.DEADLINE;
import static org.jcluster.core.internal.transport.SocketTestSupport.connect;
import static org.jcluster.core.internal.transport.SocketTestSupport.isOpen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.jcluster.core.internal.transport.IpcTesting.Frame;
import org.jcluster.core.internal.transport.IpcTesting.Pair;
import org.jcluster.core.internal.transport.IpcTesting.Recorder;
import org.junit.jupiter.api.Test;

/**
 * A descriptor is closed exactly once, whatever path it takes. Each path runs many rounds with the
 * process's open descriptors counted around them: a path that leaked would add one per round.
 */
class DescriptorTest {
    private static final int ROUNDS = 50;

    /** A fresh pipe end (the other end closed): a descriptor nobody else knows of. */
    private static Descriptor pipeEnd() {
        int[] pipe = new int[2];
        assertThat(Posix.posix().pipe(pipe)).isZero();
        assertThat(Syscalls.close(pipe[0])).isZero();
        return Descriptor.own(pipe[1]);
    }

    @Test
    void aSecondCloseDoesNotCloseTheNumberSomethingElseGotMeanwhile() throws Exception {
        Descriptor keeper = pipeEnd();
        Descriptor first = keeper.duplicate();
        int number = first.number();
        assertThat(first.closeIfUnspent()).as("the first close closes").isTrue();
        assertThat(first.isSpent()).isTrue();

        // dup takes the lowest free number: the one just freed, unless another thread took it first.
        Descriptor reuser = keeper.duplicate();
        try {
            assumeThat(reuser.number()).as("the freed number, reused").isEqualTo(number);
            first.close();
            assertThat(first.closeIfUnspent()).as("a close after the first says it closed nothing").isFalse();
            assertThat(isOpen(number)).as("the later owner's descriptor of that number").isTrue();
        } finally {
            reuser.close();
            keeper.close();
        }
    }

    @Test
    void aSpentDescriptorRefusesEveryUseButClose() throws Exception {
        Descriptor spent = pipeEnd();
        spent.close();
        assertThatThrownBy(spent::duplicate).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed or handed on already");
        assertThatThrownBy(spent::shutdown).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> spent.toChannel(SocketChannel.class)).isInstanceOf(IllegalStateException.class);
        try (Pair pair = Pair.open()) {
            pair.worker.start(new Recorder());
            assertThatThrownBy(() -> pair.worker.send(1, new byte[1], spent, null))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThat(spent).hasToString("descriptor (spent)");
    }

    @Test
    void framesCarryItToTheReceiverWhoOwnsIt_andRefusedFramesCloseIt() throws Exception {
        try (Pair pair = Pair.open()) {
            Recorder atPrimary = new Recorder();
            pair.primary.start(atPrimary);
            pair.worker.start(new Recorder());
            leaksNothing(ROUNDS, () -> {
                Descriptor sent = pipeEnd();
                CompletableFuture<Throwable> written = new CompletableFuture<>();
                pair.worker.send(2, new byte[] {1}, sent, written::complete);
                assertThat(sent.isSpent()).as("spent by the send").isTrue();
                assertThat(written.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isNull();
                Frame frame = atPrimary.next();
                assertThat(Syscalls.close(frame.fd())).as("the receiver's copy, open until it closes it").isZero();

                Descriptor badKind = pipeEnd();
                assertThatThrownBy(() -> pair.worker.send(128, new byte[1], badKind, null))
                        .isInstanceOf(IllegalArgumentException.class);
                assertThat(badKind.isSpent()).isTrue();
            });

            pair.worker.close();
            leaksNothing(ROUNDS, () -> {
                CompletableFuture<Throwable> refused = new CompletableFuture<>();
                assertThat(pair.worker.send(2, new byte[] {1}, pipeEnd(), refused::complete)).isFalse();
                assertThat(refused.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ClosedChannelException.class);
            });
        }
    }

    /**
     * Runs {@code round} once to warm up (classes, threads and jars load lazily), then many times with the
     * open descriptors counted around them: at most as many after (another test's cluster may still be
     * closing some meanwhile), where a leak would add one per round and never go back.
     */
    private static void leaksNothing(int rounds, Round round) throws Exception {
        round.run();
        long before = socketsAndPipes();
        for (int i = 0; i < rounds; i++) {
            round.run();
        }
        // A closed channel's socket is released by its reader thread as it ends, a moment later.
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (socketsAndPipes() > before && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000L); // a condition polled against a deadline, not a guessed sleep
        }
        assertThat(socketsAndPipes()).as("sockets and pipes open after " + rounds + " rounds").isLessThanOrEqualTo(before);
    }

    /** Open sockets and pipes only: a jar the JVM opens meanwhile, as classes load, is no leak. */
    private static long socketsAndPipes() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("socket:") || target.startsWith("pipe:");
                } catch (IOException gone) {
                    return false; // closed meanwhile (the listing's own descriptor, say)
                }
            }).count();
        }
    }

    private interface Round {
        void run() throws Exception;
    }

    @Test
    void aHandlerThatThrowsLeavesItToTheChannel() throws Exception {
        leaksNothing(ROUNDS / 5, () -> {
            try (Pair pair = Pair.open()) {
                Recorder atPrimary = new Recorder() {
                    @Override
                    public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
                        throw new IllegalStateException("a handler's bug");
                    }
                };
                pair.primary.start(atPrimary);
                pair.worker.start(new Recorder());
                pair.worker.send(2, new byte[] {1}, pipeEnd(), null);
                assertThat(atPrimary.closed.get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                        .hasMessage("a handler's bug");
            }
        });
    }

    @Test
    void aChannelMadeOfItOwnsIt_andAFailedConversionClosesIt() throws Exception {
        NativeSockets.BoundSocket listening = NativeSockets.listenTcp("127.0.0.1", 0, ROUNDS, false);
        try {
            leaksNothing(ROUNDS, () -> {
                try (SocketChannel client = connect("127.0.0.1", listening.port())) {
                    Descriptor accepted = NativeSockets.accept(listening.socket()).socket();
                    Descriptor copy = accepted.duplicate();
                    try (SocketChannel channel = accepted.toChannel(SocketChannel.class)) {
                        assertThat(accepted.isSpent()).as("the channel owns it now").isTrue();
                        assertThat(channel.getRemoteAddress()).isEqualTo(client.getLocalAddress());
                        accepted.close(); // does nothing: the channel's descriptor stays open
                        assertThat(channel.isOpen()).isTrue();
                    }
                    assertThatThrownBy(() -> copy.toChannel(ServerSocketChannel.class))
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a listening socket");
                    assertThat(copy.isSpent()).isTrue();
                    assertThatThrownBy(() -> pipeEnd().toChannel(DatagramChannel.class))
                            .isInstanceOf(UncheckedIOException.class); // ENOTSOCK
                }
            });
        } finally {
            listening.socket().close();
        }
    }

    @Test
    void aCopyOfAJdkChannelsSocketOutlivesTheChannel() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
            Descriptor copy;
            try (SocketChannel accepted = server.accept()) {
                copy = Descriptor.duplicateOf(accepted);
            }
            try (SocketChannel again = copy.toChannel(SocketChannel.class)) {
                again.write(ByteBuffer.wrap(new byte[] {7}));
                ByteBuffer read = ByteBuffer.allocate(1);
                assertThat(client.read(read)).isEqualTo(1);
                assertThat(read.get(0)).isEqualTo((byte) 7);
            }
            Pipe pipe = Pipe.open(); // not a socket: nothing to pass
            try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
                assertThatThrownBy(() -> Descriptor.duplicateOf(sink)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("no socket descriptor to pass");
            }
        }
    }

    @Test
    void onlyTheJdksSocketChannelKindsAreMadeOfIt() {
        Descriptor end = pipeEnd();
        try {
            assertThatThrownBy(() -> end.toChannel(Pipe.SinkChannel.class))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ask for SocketChannel");
            assertThat(end.isSpent()).as("a wrong kind asked for spends nothing").isFalse();
        } finally {
            end.close();
        }
    }
}
