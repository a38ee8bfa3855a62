package org.jcluster.core.internal.transport;

import jnr.posix.POSIX;

import org.jcluster.core.internal.transport.IpcTesting.Frame;
import org.jcluster.core.internal.transport.IpcTesting.Pair;
import org.jcluster.core.internal.transport.IpcTesting.Recorder;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.core.internal.transport.IpcTesting.DEADLINE;
import static org.jcluster.core.internal.transport.IpcTesting.assertClosedOnce;

/** Closing while other threads send: every callback exactly once, nothing stranded, nothing leaked. */
class IpcChannelRaceTest {
    private static final POSIX POSIX = Posix.posix();
    private static final int THREADS = 4;
    private static final int PER_THREAD = 20_000;

    /** Sends from THREADS threads; frame i's callback increments calls[i]. */
    private static List<Thread> startSenders(IpcChannel channel, AtomicIntegerArray calls, AtomicInteger succeeded,
                                             CountDownLatch go) {
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Thread sender = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int seq = 0; seq < PER_THREAD; seq++) {
                    int id = thread * PER_THREAD + seq;
                    byte[] payload = ByteBuffer.allocate(8 + (seq % 50) * 40).putInt(thread).putInt(seq).array();
                    channel.send(1, payload, null, error -> {
                        calls.incrementAndGet(id);
                        if (error == null) {
                            succeeded.incrementAndGet();
                        }
                    });
                }
            }, "sender-" + t);
            sender.start();
            senders.add(sender);
        }
        return senders;
    }

    private static void assertEachCalledOnce(AtomicIntegerArray calls) {
        for (int i = 0; i < calls.length(); i++) {
            assertThat(calls.get(i)).as("callbacks of frame %d", i).isEqualTo(1);
        }
    }

    @RepeatedTest(5)
    void closeWhileFourThreadsSend() throws Exception {
        try (Pair pair = Pair.open()) {
            CountDownLatch someArrived = new CountDownLatch(5_000);
            pair.primary.start(new Recorder() {
                @Override
                public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
                    someArrived.countDown();
                }
            });
            Recorder atWorker = new Recorder();
            pair.worker.start(atWorker);
            AtomicIntegerArray calls = new AtomicIntegerArray(THREADS * PER_THREAD);
            AtomicInteger succeeded = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> senders = startSenders(pair.worker, calls, succeeded, go);
            go.countDown();
            assertThat(someArrived.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            pair.worker.close();
            for (Thread sender : senders) {
                sender.join(DEADLINE.toMillis());
                assertThat(sender.isAlive()).isFalse();
            }
            pair.worker.flush(DEADLINE); // returns once every frame before it is written or failed
            assertEachCalledOnce(calls);
            assertThat(pair.worker.backlogBytes()).isZero();
            assertThat(atWorker.awaitClose()).isNull();
            assertClosedOnce(pair.worker, atWorker);
        }
    }

    @RepeatedTest(5)
    void closeAfterFlushWhileFourThreadsSendDeliversExactlyTheFramesReportedWritten() throws Exception {
        try (Pair pair = Pair.open()) {
            AtomicInteger received = new AtomicInteger();
            CountDownLatch someArrived = new CountDownLatch(5_000);
            Recorder atPrimary = new Recorder() {
                @Override
                public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
                    received.incrementAndGet();
                    someArrived.countDown();
                }
            };
            pair.primary.start(atPrimary);
            Recorder atWorker = new Recorder();
            pair.worker.start(atWorker);
            AtomicIntegerArray calls = new AtomicIntegerArray(THREADS * PER_THREAD);
            AtomicInteger succeeded = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> senders = startSenders(pair.worker, calls, succeeded, go);
            go.countDown();
            assertThat(someArrived.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            pair.worker.closeAfterFlush();
            for (Thread sender : senders) {
                sender.join(DEADLINE.toMillis());
            }
            // The primary reads to the end of the stream: orderly, never in the middle of a frame.
            assertThat(atPrimary.awaitClose()).isNull();
            assertThat(atWorker.awaitClose()).isNull();
            pair.worker.flush(DEADLINE);
            assertEachCalledOnce(calls);
            assertThat(received.get()).isEqualTo(succeeded.get());
            assertThat(pair.worker.backlogBytes()).isZero();
        }
    }

    @Test
    void fdFramesStillPairCorrectlyWhenTheSocketFillsUp() throws Exception {
        int pairs = 300;
        try (Pair pair = Pair.open()) {
            pair.worker.start(new Recorder());
            int[][] pipes = new int[pairs][2];
            for (int i = 0; i < pairs; i++) {
                assertThat(POSIX.pipe(pipes[i])).isZero();
                pair.worker.send(1, new byte[5_000 + i], null, null);
                pair.worker.send(2, ("fd " + i).getBytes(StandardCharsets.UTF_8), Descriptor.own(pipes[i][1]), null);
            }
            assertThat(pair.worker.backlogBytes()).as("the socket is full, frames wait").isPositive();
            Recorder atPrimary = new Recorder();
            pair.primary.start(atPrimary); // the writer thread now drains through partial writes
            for (int i = 0; i < pairs; i++) {
                assertThat(atPrimary.next().payload()).hasSize(5_000 + i);
                Frame withFd = atPrimary.next();
                assertThat(POSIX.write(withFd.fd(), withFd.payload(), withFd.payload().length))
                        .isEqualTo(withFd.payload().length);
                POSIX.close(withFd.fd());
                int readFd = pipes[i][0];
                String text = CompletableFuture.supplyAsync(() -> {
                    byte[] buffer = new byte[64];
                    int n = POSIX.read(readFd, buffer, buffer.length);
                    return new String(buffer, 0, Math.max(n, 0), StandardCharsets.UTF_8);
                }).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertThat(text).isEqualTo("fd " + i);
                POSIX.close(pipes[i][0]);
            }
            assertThat(pair.worker.flush(DEADLINE)).isTrue();
        }
    }

    @Test
    void openingAndClosingManyChannelsLeaksNoDescriptor() throws Exception {
        runCycle(); // first use loads native libraries, which hold descriptors of their own
        List<String> before = openDescriptors();
        for (int i = 0; i < 30; i++) {
            runCycle();
        }
        // A subset, not equal: a socket an earlier test's channel reader releases late may close meanwhile.
        assertThat(openDescriptors()).isSubsetOf(before);
    }

    private static void runCycle() throws Exception {
        Pair pair = Pair.open();
        Recorder atPrimary = new Recorder();
        Recorder atWorker = new Recorder();
        try {
            pair.primary.start(atPrimary);
            pair.worker.start(atWorker);
            int[] pipe = new int[2];
            assertThat(POSIX.pipe(pipe)).isZero();
            pair.worker.send(1, new byte[10], Descriptor.own(pipe[1]), null);
            POSIX.close(atPrimary.next().fd());
            POSIX.close(pipe[0]);
            // leave the socket full on one side, so close meets queued frames and the writer thread
            for (int i = 0; i < 40; i++) {
                pair.primary.send(2, new byte[32 * 1024], null, null);
            }
        } finally {
            pair.close();
        }
        assertClosedOnce(pair.primary, atPrimary);
        assertClosedOnce(pair.worker, atWorker);
        for (IpcChannel channel : List.of(pair.primary, pair.worker)) {
            Thread writer = channel.writerThreadIfStarted();
            if (writer != null) {
                writer.join(DEADLINE.toMillis());
                assertThat(writer.isAlive()).isFalse();
            }
        }
    }

    /** "fd -> target" of every open descriptor, so a failure shows what leaked. */
    private static List<String> openDescriptors() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return fd.getFileName() + " -> " + Files.readSymbolicLink(fd);
                } catch (java.io.IOException e) {
                    return fd.getFileName() + " (gone)"; // the descriptor of the listing itself
                }
            }).filter(entry -> !entry.endsWith("(gone)") && !entry.contains("-> /proc/")) // the listing's own
                    .sorted().collect(Collectors.toList());
        }
    }
}
