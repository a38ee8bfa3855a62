package org.jcluster.core.internal.transport;

import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Real sockets for the tests: a server, the two ends of a connection, and a handler that records. */
final class IpcTesting {
    static final Duration DEADLINE = Duration.ofSeconds(20);
    static final ChannelConfig DEFAULT = new ChannelConfig(64 * 1024 * 1024, 1024 * 1024);

    private IpcTesting() {
    }

    /** Both ends of one connection, not started, and the server (closed with the pair). */
    static final class Pair implements AutoCloseable {
        final IpcServer server;
        final IpcChannel primary;
        final IpcChannel worker;

        private Pair(IpcServer server, IpcChannel primary, IpcChannel worker) {
            this.server = server;
            this.primary = primary;
            this.worker = worker;
        }

        static Pair open(ChannelConfig primaryConfig, ChannelConfig workerConfig) throws Exception {
            IpcServer server = IpcServer.open(primaryConfig);
            CompletableFuture<IpcChannel> accepted = new CompletableFuture<>();
            server.start((channel, peer) -> accepted.complete(channel));
            IpcChannel worker = IpcChannel.connect(server.socketPath(), workerConfig);
            IpcChannel primary = accepted.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            primary.label("primary side");
            worker.label("worker side");
            return new Pair(server, primary, worker);
        }

        static Pair open() throws Exception {
            return open(DEFAULT, DEFAULT);
        }

        @Override
        public void close() {
            primary.close();
            worker.close();
            server.close();
        }
    }

    record Frame(int kind, byte[] payload, int fd) {
    }

    /** Records frames (payload copied during the call, as the contract requires) and the close. */
    static class Recorder implements FrameHandler {
        final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> closed = new CompletableFuture<>();
        final AtomicInteger closeCalls = new AtomicInteger();
        final List<String> threads = new ArrayList<>();

        @Override
        public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
            byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            frames.add(new Frame(kind, bytes, handle == null ? -1 : handle.take())); // the test closes it
        }

        @Override
        public void onClose(IpcChannel channel, Throwable cause) {
            closeCalls.incrementAndGet();
            synchronized (threads) {
                threads.add(Thread.currentThread().getName());
            }
            closed.complete(cause);
        }

        Frame next() throws InterruptedException {
            Frame frame = frames.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(frame).as("a frame within " + DEADLINE).isNotNull();
            return frame;
        }

        Throwable awaitClose() throws Exception {
            return closed.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Waits for the reader to end, then checks onClose ran exactly once. */
    static void assertClosedOnce(IpcChannel channel, Recorder recorder) throws Exception {
        recorder.awaitClose();
        Thread reader = channel.readerThread();
        reader.join(DEADLINE.toMillis());
        assertThat(reader.isAlive()).as("reader thread ended").isFalse();
        assertThat(recorder.closeCalls).hasValue(1);
    }

    /** A plain client socket for writing malformed bytes. */
    static UnixSocketChannel rawConnect(IpcServer server) throws IOException {
        return UnixSocketChannel.open(new UnixSocketAddress(server.socketPath().toFile()));
    }

    static void writeFully(UnixSocketChannel socket, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            socket.write(buffer);
        }
    }
}
