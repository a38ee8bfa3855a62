package org.jcluster.core.internal.transport;

import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.unixsocket.UnixSocketChannel;

import org.jcluster.core.internal.transport.IpcTesting.Frame;
import org.jcluster.core.internal.transport.IpcTesting.Pair;
import org.jcluster.core.internal.transport.IpcTesting.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.core.internal.transport.IpcTesting.DEADLINE;
import static org.jcluster.core.internal.transport.IpcTesting.assertClosedOnce;

class IpcChannelTest {
    private static final POSIX POSIX = Posix.posix();

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------ data

    @Test
    void framesOfVariedSizesArriveIntactAndInOrderBothWays() throws Exception {
        int[] sizes = {0, 1, 4, 5, 16, 1000, 65_530, 65_531, 65_532, 65_536, 70_000, 131_072, 200_001, 1 << 20,
                3 * (1 << 20) + 7, 0, 2, 12_345};
        try (Pair pair = Pair.open()) {
            Recorder atPrimary = new Recorder();
            Recorder atWorker = new Recorder();
            pair.primary.start(atPrimary);
            pair.worker.start(atWorker);
            Random random = new Random(42);
            List<byte[]> toPrimary = new ArrayList<>();
            List<byte[]> toWorker = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int size : sizes) {
                    byte[] up = randomBytes(random, size);
                    byte[] down = randomBytes(random, size);
                    toPrimary.add(up);
                    toWorker.add(down);
                    pair.worker.send(toPrimary.size() % 128, up, null, null);
                    pair.primary.send(toWorker.size() % 128, down, null, null);
                }
            }
            for (int i = 0; i < toPrimary.size(); i++) {
                Frame up = atPrimary.next();
                assertThat(up.kind()).isEqualTo((i + 1) % 128);
                assertThat(up.payload()).as("frame %d to the primary", i).isEqualTo(toPrimary.get(i));
                assertThat(up.fd()).isEqualTo(-1);
                Frame down = atWorker.next();
                assertThat(down.kind()).isEqualTo((i + 1) % 128);
                assertThat(down.payload()).as("frame %d to the worker", i).isEqualTo(toWorker.get(i));
            }
            assertThat(pair.worker.flush(DEADLINE)).isTrue();
            assertThat(pair.worker.backlogBytes()).isZero();
            assertThat(atPrimary.frames).isEmpty();
        }
    }

    @Test
    void burstOf100kSmallFramesFromFourThreadsKeepsPerThreadOrderAndLosesNone() throws Exception {
        int threads = 4;
        int perThread = 25_000;
        try (Pair pair = Pair.open()) {
            int[] nextSeq = new int[threads];
            AtomicReference<String> disorder = new AtomicReference<>();
            CountDownLatch all = new CountDownLatch(threads * perThread);
            pair.primary.start(new Recorder() {
                @Override
                public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
                    int thread = payload.getInt();
                    int seq = payload.getInt();
                    if (kind != thread + 10 || nextSeq[thread] != seq) {
                        disorder.compareAndSet(null, "thread " + thread + " expected " + nextSeq[thread] + " got " + seq);
                    }
                    nextSeq[thread] = seq + 1;
                    all.countDown();
                }
            });
            pair.worker.start(new Recorder());
            AtomicInteger written = new AtomicInteger();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            WriteCallback callback = error -> {
                if (error == null) {
                    written.incrementAndGet();
                } else {
                    errors.add(error);
                }
            };
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Thread sender = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int seq = 0; seq < perThread; seq++) {
                        byte[] payload = ByteBuffer.allocate(12).putInt(thread).putInt(seq).putInt(~seq).array();
                        pair.worker.send(thread + 10, payload, null, callback);
                    }
                }, "sender-" + t);
                sender.start();
                senders.add(sender);
            }
            long start = System.nanoTime();
            go.countDown();
            for (Thread sender : senders) {
                sender.join(DEADLINE.toMillis());
            }
            assertThat(all.await(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .as("all frames arrive; missing " + all.getCount()).isTrue();
            long micros = (System.nanoTime() - start) / 1000;
            System.out.printf("burst: %d frames of 12 bytes from %d threads in %d ms (%.0f frames/s)%n",
                    threads * perThread, threads, micros / 1000, threads * perThread * 1e6 / micros);
            assertThat(disorder.get()).isNull();
            assertThat(nextSeq).containsOnly(perThread);
            assertThat(pair.worker.flush(DEADLINE)).isTrue();
            assertThat(errors).isEmpty();
            assertThat(written).hasValue(threads * perThread);
            assertThat(pair.worker.backlogBytes()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------ limits

    @Test
    void frameOfExactlyTheLimitPassesAndOneByteMoreClosesTheReceiver() throws Exception {
        int limit = 200_000; // above the 64 KiB read buffer, so the gathering path is the one tested
        ChannelConfig strict = new ChannelConfig(limit, 1 << 20);
        ChannelConfig lax = new ChannelConfig(limit + 10, 1 << 20);
        try (Pair pair = Pair.open(strict, lax)) {
            Recorder atPrimary = new Recorder();
            Recorder atWorker = new Recorder();
            pair.primary.start(atPrimary);
            pair.worker.start(atWorker);
            byte[] atLimit = randomBytes(new Random(1), limit);
            pair.worker.send(7, atLimit, null, null);
            assertThat(atPrimary.next().payload()).isEqualTo(atLimit);

            pair.worker.send(7, new byte[limit + 1], null, null);
            Throwable cause = atPrimary.awaitClose();
            assertThat(cause).isInstanceOf(IpcProtocolException.class)
                    .hasMessage("frame of 200001 bytes exceeds the limit of 200000 bytes (ClusterSettings.maxFrameBytes)");
            assertClosedOnce(pair.primary, atPrimary);
            assertThat(pair.primary.isOpen()).isFalse();
            // the worker sees its connection end
            assertThat(atWorker.awaitClose()).satisfiesAnyOf(
                    c -> assertThat(c).isNull(), c -> assertThat(c).isInstanceOf(java.io.IOException.class));
        }
    }

    @Test
    void aFailedWriteToAVanishedPeerStillDeliversWhatThePeerWroteBeforeLeaving() throws Exception {
        try (Pair pair = Pair.open()) {
            java.util.concurrent.CountDownLatch holdReader = new java.util.concurrent.CountDownLatch(1);
            Recorder recorder = new Recorder() {
                @Override
                public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
                    super.onFrame(channel, kind, payload, handle);
                    try {
                        holdReader.await(); // keeps "last words" unread while the write fails
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            pair.primary.start(recorder);
            pair.worker.send(1, "first".getBytes(StandardCharsets.UTF_8), null, null);
            pair.worker.send(1, "last words".getBytes(StandardCharsets.UTF_8), null, null);
            assertThat(pair.worker.flush(DEADLINE)).isTrue();
            assertThat(new String(recorder.next().payload(), StandardCharsets.UTF_8)).isEqualTo("first");
            pair.worker.close(); // the peer is gone, its last frame unread on our side

            CompletableFuture<Throwable> failedWrite = new CompletableFuture<>();
            for (int i = 0; i < 10_000 && !failedWrite.isDone(); i++) {
                pair.primary.send(1, new byte[1024], null, error -> {
                    if (error != null) {
                        failedWrite.complete(error);
                    }
                });
            }
            assertThat(failedWrite.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ClosedChannelException.class);
            holdReader.countDown();
            assertThat(new String(recorder.next().payload(), StandardCharsets.UTF_8)).isEqualTo("last words");
            assertThat(recorder.awaitClose()).as("an orderly end of stream after the last frame").isNull();
        }
    }

    @Test
    void aLoneFrameIsWrittenByTheSendingThreadBeforeSendReturns() throws Exception {
        try (Pair pair = Pair.open()) {
            pair.primary.start(new Recorder());
            AtomicReference<Thread> writtenBy = new AtomicReference<>();
            AtomicReference<Throwable> outcome = new AtomicReference<>(new AssertionError("no callback"));
            assertThat(pair.worker.send(0, new byte[16], null, error -> {
                writtenBy.set(Thread.currentThread());
                outcome.set(error);
            })).isTrue();
            assertThat(writtenBy.get()).isSameAs(Thread.currentThread());
            assertThat(outcome.get()).isNull();
            assertThat(pair.worker.backlogBytes()).isZero();
        }
    }

    @Test
    void aKindOutside0To127IsRejectedAndItsFdClosed() throws Exception {
        try (Pair pair = Pair.open()) {
            int[] pipe = new int[2];
            assertThat(POSIX.pipe(pipe)).isZero();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> pair.worker.send(128, new byte[1], Descriptor.own(pipe[1]), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("128");
            assertThat(CompletableFuture.supplyAsync(() -> readToEnd(pipe[0])).get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .isEmpty();
            POSIX.close(pipe[0]);
            assertThat(pair.worker.isOpen()).isTrue();
        }
    }

    @Test
    void theSenderRefusesAFrameAboveItsOwnLimitAndStaysOpen() throws Exception {
        try (Pair pair = Pair.open(new ChannelConfig(100, 1000), new ChannelConfig(100, 1000))) {
            Recorder atPrimary = new Recorder();
            pair.primary.start(atPrimary);
            pair.worker.start(new Recorder());
            CompletableFuture<Throwable> result = new CompletableFuture<>();
            assertThat(pair.worker.send(1, new byte[101], null, result::complete)).isFalse();
            assertThat(result.get(1, TimeUnit.SECONDS)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("frame of 101 bytes exceeds the limit of 100 bytes (ClusterSettings.maxFrameBytes)");
            assertThat(pair.worker.isOpen()).isTrue();
            pair.worker.send(2, new byte[100], null, null);
            assertThat(atPrimary.next().kind()).isEqualTo(2);
        }
    }

    @Test
    void aHugeAnnouncedLengthIsRefusedFromTheHeaderAlone() throws Exception {
        try (IpcServer server = IpcServer.open(new ChannelConfig(64 * 1024 * 1024, 1 << 20))) {
            CompletableFuture<IpcChannel> accepted = new CompletableFuture<>();
            Recorder recorder = new Recorder();
            server.start((channel, peer) -> {
                channel.start(recorder);
                accepted.complete(channel);
            });
            try (UnixSocketChannel raw = IpcTesting.rawConnect(server)) {
                IpcTesting.writeFully(raw, ByteBuffer.allocate(5).putInt(70_000_001).put((byte) 3).array());
                assertThat(recorder.awaitClose()).isInstanceOf(IpcProtocolException.class).hasMessage(
                        "frame of 70000000 bytes exceeds the limit of 67108864 bytes (ClusterSettings.maxFrameBytes)");
                assertClosedOnce(accepted.get(), recorder);
            }
        }
    }

    @Test
    void aLengthFieldOfZeroClosesWithAnError() throws Exception {
        try (IpcServer server = IpcServer.open(IpcTesting.DEFAULT)) {
            CompletableFuture<IpcChannel> accepted = new CompletableFuture<>();
            Recorder recorder = new Recorder();
            server.start((channel, peer) -> {
                channel.start(recorder);
                accepted.complete(channel);
            });
            try (UnixSocketChannel raw = IpcTesting.rawConnect(server)) {
                IpcTesting.writeFully(raw, new byte[] {0, 0, 0, 0, 5});
                assertThat(recorder.awaitClose()).isInstanceOf(IpcProtocolException.class)
                        .hasMessageContaining("length field 0");
                assertClosedOnce(accepted.get(), recorder);
            }
        }
    }

    @Test
    void aFrameClaimingAnFdThatNeverCameIsAProtocolError() throws Exception {
        try (IpcServer server = IpcServer.open(IpcTesting.DEFAULT)) {
            Recorder recorder = new Recorder();
            server.start((channel, peer) -> channel.start(recorder));
            try (UnixSocketChannel raw = IpcTesting.rawConnect(server)) {
                IpcTesting.writeFully(raw, new byte[] {0, 0, 0, 1, (byte) 0x85});
                assertThat(recorder.awaitClose()).isInstanceOf(IpcProtocolException.class)
                        .hasMessageContaining("kind 5").hasMessageContaining("none arrived");
                assertThat(recorder.frames).isEmpty();
            }
        }
    }

    @Test
    void thePeerEndingInTheMiddleOfAFrameIsAnError() throws Exception {
        try (IpcServer server = IpcServer.open(IpcTesting.DEFAULT)) {
            Recorder recorder = new Recorder();
            server.start((channel, peer) -> channel.start(recorder));
            try (UnixSocketChannel raw = IpcTesting.rawConnect(server)) {
                IpcTesting.writeFully(raw, new byte[] {0, 0, 0, 2, 1, 9, 0, 0, 0, 10, 1, 'a'});
            }
            assertThat(recorder.next().payload()).containsExactly(9);
            assertThat(recorder.awaitClose()).isInstanceOf(EOFException.class).hasMessageContaining("middle of a frame");
        }
    }

    // ------------------------------------------------------------------------------------------ identity

    @Test
    void peerCredentialsNameThisProcess() throws Exception {
        try (Pair pair = Pair.open()) {
            long pid = ProcessHandle.current().pid();
            assertThat(pair.primary.peerCredentials().pid()).isEqualTo(pid);
            assertThat(pair.worker.peerCredentials().pid()).isEqualTo(pid);
            assertThat(pair.primary.peerCredentials().uid()).isEqualTo(POSIX.getuid());
            assertThat(pair.primary.peerCredentials().gid()).isEqualTo(POSIX.getgid());
        }
    }

    // ------------------------------------------------------------------------------------------ descriptors

    @Test
    void aPipeWriteEndPassedWithAFrameWorksInTheReceiverAndEveryCopyIsClosed() throws Exception {
        try (Pair pair = Pair.open()) {
            Recorder atPrimary = new Recorder();
            pair.primary.start(atPrimary);
            pair.worker.start(new Recorder());
            int[] pipe = new int[2];
            assertThat(POSIX.pipe(pipe)).isZero();
            CompletableFuture<Throwable> sent = new CompletableFuture<>();
            pair.worker.send(3, utf8("take this"), Descriptor.own(pipe[1]), sent::complete);
            assertThat(sent.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isNull();

            Frame frame = atPrimary.next();
            assertThat(frame.kind()).isEqualTo(3);
            assertThat(new String(frame.payload(), StandardCharsets.UTF_8)).isEqualTo("take this");
            assertThat(frame.fd()).isGreaterThanOrEqualTo(0);
            assertThat(POSIX.fcntl(frame.fd(), Fcntl.F_GETFD) & 1).as("FD_CLOEXEC on the received fd").isEqualTo(1);
            byte[] hello = utf8("hello through the pipe");
            assertThat(POSIX.write(frame.fd(), hello, hello.length)).isEqualTo(hello.length);
            assertThat(POSIX.close(frame.fd())).isZero();

            // EOF proves that the sender's copy of the write end was closed too.
            CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> readToEnd(pipe[0]));
            assertThat(read.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("hello through the pipe");
            POSIX.close(pipe[0]);
        }
    }

    private static String readToEnd(int fd) {
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[256];
        for (;;) {
            int n = POSIX.read(fd, buffer, buffer.length);
            if (n <= 0) {
                return text.toString();
            }
            text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
    }

    @Test
    void anOpenFilePassedWithAFrameCanBeWrittenByTheReceiver(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("shared.txt");
        Files.writeString(file, "start;");
        int fileFd = POSIX.open(file.toString(), OpenFlags.O_WRONLY.intValue() | OpenFlags.O_APPEND.intValue(), 0);
        assertThat(fileFd).isGreaterThanOrEqualTo(0);
        try (Pair pair = Pair.open()) {
            Recorder atWorker = new Recorder();
            pair.worker.start(atWorker);
            pair.primary.start(new Recorder());
            pair.primary.send(9, utf8("log here"), Descriptor.own(fileFd), null);
            Frame frame = atWorker.next();
            byte[] line = utf8("written by the receiver");
            assertThat(POSIX.write(frame.fd(), line, line.length)).isEqualTo(line.length);
            POSIX.close(frame.fd());
            assertThat(Files.readString(file)).isEqualTo("start;written by the receiver");
        }
    }

    @Test
    void fdFramesInterleavedWithPlainFramesKeepTheirPairing() throws Exception {
        int pairs = 200;
        try (Pair pair = Pair.open()) {
            Recorder atPrimary = new Recorder();
            pair.primary.start(atPrimary);
            pair.worker.start(new Recorder());
            int[][] pipes = new int[pairs][2];
            for (int i = 0; i < pairs; i++) {
                assertThat(POSIX.pipe(pipes[i])).isZero();
                // plain frames before and after each fd frame, so they coalesce around it
                pair.worker.send(1, utf8("plain " + i), null, null);
                pair.worker.send(2, utf8("fd " + i), Descriptor.own(pipes[i][1]), null);
                pair.worker.send(1, new byte[i * 37], null, null);
            }
            for (int i = 0; i < pairs; i++) {
                assertThat(new String(atPrimary.next().payload(), StandardCharsets.UTF_8)).isEqualTo("plain " + i);
                Frame withFd = atPrimary.next();
                assertThat(withFd.kind()).isEqualTo(2);
                assertThat(withFd.fd()).isGreaterThanOrEqualTo(0);
                // write the frame's own text into the fd it came with: it must come out of pipe i
                byte[] text = withFd.payload();
                assertThat(POSIX.write(withFd.fd(), text, text.length)).isEqualTo(text.length);
                POSIX.close(withFd.fd());
                Frame after = atPrimary.next();
                assertThat(after.fd()).isEqualTo(-1);
                assertThat(after.payload()).hasSize(i * 37);
            }
            for (int i = 0; i < pairs; i++) {
                int readFd = pipes[i][0];
                String text = CompletableFuture.supplyAsync(() -> readToEnd(readFd))
                        .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertThat(text).isEqualTo("fd " + i);
                POSIX.close(readFd);
            }
        }
    }

    @Test
    void anFdNoFrameClaimsIsClosedWithTheChannel() throws Exception {
        try (IpcServer server = IpcServer.open(IpcTesting.DEFAULT)) {
            CompletableFuture<IpcChannel> accepted = new CompletableFuture<>();
            Recorder recorder = new Recorder();
            server.start((channel, peer) -> {
                channel.start(recorder);
                accepted.complete(channel);
            });
            int[] pipe = new int[2];
            assertThat(POSIX.pipe(pipe)).isZero();
            try (UnixSocketChannel raw = IpcTesting.rawConnect(server)) {
                // A frame without the 0x80 bit, yet with an fd attached: the fd is queued and never claimed.
                ByteBuffer frame = ByteBuffer.allocateDirect(6).put(new byte[] {0, 0, 0, 2, 1, 'x'});
                MessageHeader header = new MessageHeader(1);
                header.setData(Syscalls.address(frame), 6);
                header.setPassedFd(pipe[1]);
                assertThat(Syscalls.sendmsg(raw.getFD(), header.address(), 0)).isEqualTo(6);
                POSIX.close(pipe[1]);
                Frame received = recorder.next();
                assertThat(received.fd()).isEqualTo(-1);
                assertThat(received.payload()).containsExactly('x');

                accepted.get().close();
                assertClosedOnce(accepted.get(), recorder);
                // EOF: the channel closed the fd it held unclaimed
                String text = CompletableFuture.supplyAsync(() -> readToEnd(pipe[0]))
                        .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertThat(text).isEmpty();
                POSIX.close(pipe[0]);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ closing

    @Test
    void closeWakesABlockedReaderAndFiresOnCloseOnce() throws Exception {
        try (Pair pair = Pair.open()) {
            Recorder atPrimary = new Recorder();
            Recorder atWorker = new Recorder();
            pair.primary.start(atPrimary);
            pair.worker.start(atWorker);
            pair.worker.send(1, utf8("x"), null, null);
            atPrimary.next(); // the reader is now back in recvmsg with nothing to read

            pair.primary.close();
            assertThat(atPrimary.awaitClose()).isNull();
            assertClosedOnce(pair.primary, atPrimary);
            assertThat(atPrimary.threads).containsExactly("jcluster-ipc-reader-primary side");
            pair.primary.close();
            assertThat(atPrimary.closeCalls).hasValue(1);
            // the other end sees an orderly end of stream
            assertThat(atWorker.awaitClose()).isNull();
            assertClosedOnce(pair.worker, atWorker);
        }
    }

    @Test
    void sendAfterCloseReturnsFalseAndCallsBackWithAnError() throws Exception {
        try (Pair pair = Pair.open()) {
            Recorder atWorker = new Recorder();
            pair.worker.start(atWorker);
            pair.worker.close();
            CompletableFuture<Throwable> result = new CompletableFuture<>();
            int[] pipe = new int[2];
            assertThat(POSIX.pipe(pipe)).isZero();
            assertThat(pair.worker.send(1, utf8("late"), Descriptor.own(pipe[1]), result::complete)).isFalse();
            assertThat(result.get(1, TimeUnit.SECONDS)).isInstanceOf(ClosedChannelException.class);
            assertThat(pair.worker.isOpen()).isFalse();
            // the fd handed over was closed although never sent
            assertThat(CompletableFuture.supplyAsync(() -> readToEnd(pipe[0])).get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .isEmpty();
            POSIX.close(pipe[0]);
            assertClosedOnce(pair.worker, atWorker);
        }
    }

    @Test
    void closeFailsQueuedFramesWithClosedChannelException() throws Exception {
        try (Pair pair = Pair.open()) {
            pair.worker.start(new Recorder());
            // the primary does not read, so the socket fills and frames stay queued
            ConcurrentLinkedQueue<Throwable> outcomes = new ConcurrentLinkedQueue<>();
            AtomicInteger calls = new AtomicInteger();
            int frames = 200;
            for (int i = 0; i < frames; i++) {
                pair.worker.send(1, new byte[32 * 1024], null, error -> {
                    calls.incrementAndGet();
                    if (error != null) {
                        outcomes.add(error);
                    }
                });
            }
            assertThat(pair.worker.backlogBytes()).isPositive();
            pair.worker.close();
            assertThat(pair.worker.flush(Duration.ofSeconds(5))).isFalse();
            assertThat(calls).hasValue(frames);
            assertThat(outcomes).isNotEmpty().allSatisfy(e -> assertThat(e).isInstanceOf(ClosedChannelException.class));
            assertThat(pair.worker.backlogBytes()).isZero();
        }
    }

    @Test
    void anExceptionFromTheHandlerClosesTheChannelWithIt() throws Exception {
        try (Pair pair = Pair.open()) {
            RuntimeException boom = new IllegalStateException("handler bug");
            Recorder atPrimary = new Recorder() {
                @Override
                public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
                    throw boom;
                }
            };
            pair.primary.start(atPrimary);
            pair.worker.start(new Recorder());
            pair.worker.send(1, utf8("x"), null, null);
            assertThat(atPrimary.awaitClose()).isSameAs(boom);
            assertClosedOnce(pair.primary, atPrimary);
        }
    }

    // ------------------------------------------------------------------------------------------ flow control

    @Test
    void aPeerThatDoesNotReadMakesSendAnswerFalseAndEverythingArrivesOnceItReads() throws Exception {
        int highWaterMark = 512 * 1024;
        ChannelConfig config = new ChannelConfig(1 << 20, highWaterMark);
        try (Pair pair = Pair.open(config, config)) {
            pair.worker.start(new Recorder());
            byte[] chunk = new byte[64 * 1024];
            int sent = 0;
            boolean belowMark = true;
            while (belowMark && sent < 1000) {
                chunk[0] = (byte) sent;
                belowMark = pair.worker.send(5, chunk.clone(), null, null);
                sent++;
            }
            assertThat(belowMark).as("send answered false at some point").isFalse();
            assertThat(pair.worker.backlogBytes()).isGreaterThanOrEqualTo(highWaterMark);
            assertThat(pair.worker.isOpen()).isTrue();
            // still accepted above the mark: the answer is advice
            pair.worker.send(5, new byte[] {42}, null, null);
            assertThat(pair.worker.flush(Duration.ofMillis(50))).as("cannot flush while nobody reads").isFalse();

            Recorder atPrimary = new Recorder();
            pair.primary.start(atPrimary);
            for (int i = 0; i < sent; i++) {
                Frame frame = atPrimary.next();
                assertThat(frame.payload()).hasSize(64 * 1024);
                assertThat(frame.payload()[0]).isEqualTo((byte) i);
            }
            assertThat(atPrimary.next().payload()).containsExactly(42);
            assertThat(pair.worker.flush(DEADLINE)).isTrue();
            assertThat(pair.worker.backlogBytes()).isZero();
        }
    }

    @Test
    void flushWaitsUntilEverythingQueuedIsWritten() throws Exception {
        try (Pair pair = Pair.open()) {
            pair.worker.start(new Recorder());
            Recorder atPrimary = new Recorder();
            int frames = 100;
            for (int i = 0; i < frames; i++) {
                pair.worker.send(1, new byte[20_000], null, null);
            }
            pair.primary.start(atPrimary);
            assertThat(pair.worker.flush(DEADLINE)).isTrue();
            assertThat(pair.worker.backlogBytes()).isZero();
            for (int i = 0; i < frames; i++) {
                atPrimary.next();
            }
        }
    }

    @Test
    void closeAfterFlushDeliversEverythingBeforeTheEndOfStream() throws Exception {
        try (Pair pair = Pair.open()) {
            Recorder atWorker = new Recorder();
            pair.worker.start(atWorker);
            int frames = 60;
            AtomicInteger written = new AtomicInteger();
            for (int i = 0; i < frames; i++) {
                byte[] payload = new byte[64 * 1024];
                payload[100] = (byte) i;
                pair.worker.send(1, payload, null, error -> {
                    if (error == null) {
                        written.incrementAndGet();
                    }
                });
            }
            pair.worker.closeAfterFlush();
            assertThat(pair.worker.isOpen()).isFalse();
            CompletableFuture<Throwable> refused = new CompletableFuture<>();
            assertThat(pair.worker.send(1, new byte[1], null, refused::complete)).isFalse();
            assertThat(refused.get(1, TimeUnit.SECONDS)).isInstanceOf(ClosedChannelException.class);

            Recorder atPrimary = new Recorder();
            pair.primary.start(atPrimary); // only now does anyone read
            for (int i = 0; i < frames; i++) {
                assertThat(atPrimary.next().payload()[100]).isEqualTo((byte) i);
            }
            assertThat(atPrimary.awaitClose()).isNull();
            assertThat(atPrimary.frames).isEmpty();
            assertThat(atWorker.awaitClose()).isNull();
            assertClosedOnce(pair.worker, atWorker);
            assertThat(written).hasValue(frames);
            assertThat(pair.worker.flush(Duration.ofSeconds(1))).as("nothing was dropped").isTrue();
        }
    }

    // ------------------------------------------------------------------------------------------ latency

    @Test
    void pingPongOf16ByteFrames() throws Exception {
        try (Pair pair = Pair.open()) {
            byte[] ping = new byte[16];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            AtomicInteger roundTrips = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(1);
            pair.worker.start(new Recorder() {
                @Override
                public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
                    channel.send(kind, ping, null, null); // echo
                }
            });
            long[] started = new long[1];
            pair.primary.start(new Recorder() {
                @Override
                public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
                    roundTrips.incrementAndGet();
                    if (System.nanoTime() < deadline) {
                        channel.send(kind, ping, null, null);
                    } else {
                        done.countDown();
                    }
                }
            });
            started[0] = System.nanoTime();
            pair.primary.send(1, ping, null, null);
            assertThat(done.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            double seconds = (System.nanoTime() - started[0]) / 1e9;
            System.out.printf("ping-pong: %d round trips of 16-byte frames in %.2f s = %.0f round trips/s (%.1f us each) on Java %s%n",
                    roundTrips.get(), seconds, roundTrips.get() / seconds, seconds * 1e6 / roundTrips.get(),
                    Runtime.version());
            assertThat(roundTrips.get()).isPositive();
            // one message in flight: every frame was written by the thread that sent it, no hand-off
            assertThat(pair.primary.writerThreadIfStarted()).isNull();
            assertThat(pair.worker.writerThreadIfStarted()).isNull();
        }
    }
}
