package org.jcluster.core.internal.primary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.servers.Addresses;
import org.jcluster.core.internal.transport.NativeSockets;
import org.junit.jupiter.api.Test;

/**
 * The round-robin handle keeps the SPI's one-call-at-a-time promise while the calls come from several
 * threads at once: its accept thread (accepted connections), threads answering for the workers (as
 * their channel readers do), and the timer (the dispatcher's scheduled tasks). Real sockets and real
 * client connections; the workers are stand-ins that answer every hand-off from threads of their own.
 */
class RoundRobinHandleTest {
    private static final long DEADLINE_MS = 20_000;

    /** Node's round-robin on plain collections, with a probe that counts calls overlapping each other. */
    static final class ProbedDispatcher implements ConnectionDispatcher {
        final DispatchContext context;
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        final Set<Thread> callingThreads = ConcurrentHashMap.newKeySet();
        final AtomicInteger timerRuns = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);
        final ArrayDeque<Worker> ready = new ArrayDeque<>();
        final ArrayDeque<PendingConnection> pending = new ArrayDeque<>();
        long accepted;

        ProbedDispatcher(DispatchContext context) {
            this.context = context;
        }

        private void enter() {
            if (inside.getAndIncrement() != 0) {
                overlaps.incrementAndGet();
            }
            callingThreads.add(Thread.currentThread());
        }

        private void exit() {
            inside.decrementAndGet();
        }

        @Override
        public void workerJoined(Worker worker) {
            enter();
            ready.add(worker);
            pair();
            exit();
        }

        @Override
        public void workerLeft(Worker worker) {
            enter();
            ready.remove(worker);
            exit();
        }

        @Override
        public void connectionAccepted(PendingConnection connection) {
            enter();
            pending.add(connection);
            if (++accepted % 50 == 0) {
                context.schedule(Duration.ZERO, () -> {
                    enter();
                    timerRuns.incrementAndGet();
                    pair(); // hand-offs from a scheduled task are the dispatcher's too
                    exit();
                });
            }
            pair();
            exit();
        }

        @Override
        public void connectionAcknowledged(Worker worker, PendingConnection connection) {
            enter();
            ready.add(worker);
            pair();
            exit();
        }

        @Override
        public void connectionRefused(Worker worker, PendingConnection connection) {
            enter();
            pending.addFirst(connection);
            ready.add(worker);
            pair();
            exit();
        }

        @Override
        public void close() {
            enter();
            pending.forEach(PendingConnection::close);
            pending.clear();
            exit();
            closed.countDown();
        }

        private void pair() {
            while (!ready.isEmpty() && !pending.isEmpty()) {
                Worker worker = ready.poll();
                PendingConnection connection = pending.poll();
                if (!context.handOff(worker, connection)) {
                    pending.addFirst(connection);
                }
            }
        }
    }

    @Test
    void callsFromTheAcceptThreadTheAnsweringThreadsAndTheTimerNeverOverlap() throws Exception {
        long socketsBefore = openSockets();
        NativeSockets.BoundSocket socket = NativeSockets.listenTcp("127.0.0.1", 0, 512, false);
        Map<Long, HeldConnection> inFlight = new ConcurrentHashMap<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        ProbedDispatcher[] made = new ProbedDispatcher[1];
        RoundRobinHandle handle = handleOn(socket, inFlight, timer, made);
        ProbedDispatcher dispatcher = made[0];
        List<RecordingPeer> peers = List.of(new RecordingPeer(1), new RecordingPeer(2));
        AtomicIntegerArray takenBy = new AtomicIntegerArray(peers.size() + 1); // by worker id
        List<Thread> threads = new ArrayList<>();
        AtomicInteger answered = new AtomicInteger();
        try {
            for (RecordingPeer peer : peers) {
                handle.members.put(peer.worker, peer);
                handle.add(peer.worker);
                Thread reader = new Thread(() -> {
                    try {
                        for (;;) {
                            long id = ((InternalMessage.NewConnection) peer.sent.take()).connectionId();
                            handle.answer(peer.worker, inFlight.get(id), true);
                            takenBy.incrementAndGet(peer.worker.id());
                            answered.incrementAndGet();
                        }
                    } catch (InterruptedException stop) {
                        // the test is over
                    }
                }, "test-reader-" + peer.worker.id());
                reader.setDaemon(true);
                reader.start();
                threads.add(reader);
            }
            int clients = 4;
            int perClient = 250;
            InetSocketAddress address = (InetSocketAddress) socket.localAddress();
            for (int c = 0; c < clients; c++) {
                Thread client = new Thread(() -> {
                    for (int i = 0; i < perClient; i++) {
                        try (SocketChannel ignored = SocketChannel.open(address)) {
                            // connected: the primary accepts it; the client's part ends here
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }
                }, "test-client-" + c);
                client.setDaemon(true);
                client.start();
                threads.add(client);
            }
            await(() -> answered.get() == clients * perClient, () -> "answered " + answered.get() + " of "
                    + clients * perClient + "; " + dispatcher.pending.size() + " waiting");
            await(() -> dispatcher.timerRuns.get() == clients * perClient / 50, () -> "timer runs " + dispatcher.timerRuns);

            // An answer may still be queued behind another thread's turn when its reader moves on.
            await(inFlight::isEmpty, () -> "still in flight: " + inFlight.keySet());

            assertThat(dispatcher.overlaps).as("dispatcher calls that overlapped another").hasValue(0);
            assertThat(dispatcher.callingThreads).as("the accept thread and the readers both ran calls")
                    .anyMatch(t -> t.getName().startsWith("jcluster-primary-accept-"))
                    .anyMatch(t -> t.getName().startsWith("test-reader-"));
            assertThat(peers).allSatisfy(p -> assertThat(takenBy.get(p.worker.id())).isGreaterThan(0));
            ServerFigures figures = handle.figures();
            assertThat(figures.accepted()).isEqualTo(clients * perClient);
            assertThat(figures.dealt()).isEqualTo(clients * perClient);
            assertThat(figures.handOff().count()).as("one hand-off timed per connection taken").isEqualTo(clients * perClient);
            assertThat(figures.waiting() + figures.inFlight()).isZero();
        } finally {
            handle.close();
            for (Thread t : threads) {
                t.interrupt();
            }
            timer.shutdown();
        }
        assertThat(dispatcher.closed.await(DEADLINE_MS, TimeUnit.MILLISECONDS)).as("the dispatcher was closed").isTrue();
        // The listening socket, every accepted connection and every copy sent to a worker are closed.
        await(() -> openSockets() <= socketsBefore, () -> "sockets open: " + openSockets() + ", before: " + socketsBefore);
    }

    @Test
    void aHandOffFromOutsideTheDispatchersTurnIsRefused() throws Exception {
        NativeSockets.BoundSocket socket = NativeSockets.listenTcp("127.0.0.1", 0, 16, false);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        ProbedDispatcher[] made = new ProbedDispatcher[1];
        RoundRobinHandle handle = handleOn(socket, new ConcurrentHashMap<>(), timer, made);
        try {
            Worker worker = new RecordingPeer(1).worker;
            assertThatThrownBy(() -> made[0].context.handOff(worker, null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the dispatcher's own calls");
        } finally {
            handle.close();
        }
        assertThat(made[0].closed.await(DEADLINE_MS, TimeUnit.MILLISECONDS)).as("the dispatcher was closed").isTrue();
        timer.shutdown();
    }

    @Test
    void theFiguresFollowEveryPathAConnectionTakes() throws Exception {
        NativeSockets.BoundSocket socket = NativeSockets.listenTcp("127.0.0.1", 0, 16, false);
        Map<Long, HeldConnection> inFlight = new ConcurrentHashMap<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        ProbedDispatcher[] made = new ProbedDispatcher[1];
        RoundRobinHandle handle = handleOn(socket, inFlight, timer, made);
        RecordingPeer peer = new RecordingPeer(1);
        InetSocketAddress address = (InetSocketAddress) socket.localAddress();
        List<SocketChannel> clients = new ArrayList<>();
        try {
            clients.add(SocketChannel.open(address));
            awaitFigures(handle, "accepted 1 waiting 1 dealt 0 refused 0 in flight 0 timed 0");

            handle.members.put(peer.worker, peer);
            handle.add(peer.worker);
            long first = peer.next(InternalMessage.NewConnection.class, DEADLINE_MS).connectionId();
            awaitFigures(handle, "accepted 1 waiting 0 dealt 1 refused 0 in flight 1 timed 0");

            handle.answer(peer.worker, inFlight.get(first), false); // handed back: dealt again
            long again = peer.next(InternalMessage.NewConnection.class, DEADLINE_MS).connectionId();
            assertThat(again).isEqualTo(first);
            awaitFigures(handle, "accepted 1 waiting 0 dealt 2 refused 1 in flight 1 timed 0");
            handle.answer(peer.worker, inFlight.get(first), true);
            awaitFigures(handle, "accepted 1 waiting 0 dealt 2 refused 1 in flight 0 timed 1");

            clients.add(SocketChannel.open(address));
            peer.next(InternalMessage.NewConnection.class, DEADLINE_MS);
            awaitFigures(handle, "accepted 2 waiting 0 dealt 3 refused 1 in flight 1 timed 1");
            handle.remove(peer.worker, true); // gone with it unanswered: lost, as in Node
            awaitFigures(handle, "accepted 2 waiting 0 dealt 3 refused 1 in flight 0 timed 1");

            clients.add(SocketChannel.open(address)); // nobody listens: it waits
            awaitFigures(handle, "accepted 3 waiting 1 dealt 3 refused 1 in flight 0 timed 1");
        } finally {
            handle.close();
            for (SocketChannel c : clients) {
                c.close();
            }
        }
        assertThat(made[0].closed.await(DEADLINE_MS, TimeUnit.MILLISECONDS)).as("the dispatcher was closed").isTrue();
        awaitFigures(handle, "accepted 3 waiting 0 dealt 3 refused 1 in flight 0 timed 1");
        timer.shutdown();
    }

    /** Waits until the handle's figures read {@code expected}. */
    private static void awaitFigures(RoundRobinHandle handle, String expected) throws InterruptedException {
        Supplier<String> now = () -> {
            ServerFigures f = handle.figures();
            return "accepted " + f.accepted() + " waiting " + f.waiting() + " dealt " + f.dealt() + " refused " + f.refused() + " in flight " + f.inFlight()
                    + " timed " + f.handOff().count();
        };
        await(() -> now.get().equals(expected), () -> "figures " + now.get() + ", expected " + expected);
    }

    /** A handle on {@code socket} whose dispatcher is a {@link ProbedDispatcher}, left in {@code made[0]}. */
    private static RoundRobinHandle handleOn(NativeSockets.BoundSocket socket, Map<Long, HeldConnection> inFlight,
            ScheduledExecutorService timer, ProbedDispatcher[] made) {
        return new RoundRobinHandle(1, "test", socket.socket(), Addresses.listenAddress(socket.localAddress(), false),
                Optional.empty(), probed(made), inFlight, new AtomicLong(), timer);
    }

    /** A policy whose dispatchers are {@link ProbedDispatcher}s, the last one made left in {@code made[0]}. */
    static SchedulingPolicy probed(ProbedDispatcher[] made) {
        return new SchedulingPolicy() {
            @Override
            public String name() {
                return "probed";
            }

            @Override
            public boolean primaryAccepts() {
                return true;
            }

            @Override
            public ConnectionDispatcher newDispatcher(DispatchContext context) {
                return made[0] = new ProbedDispatcher(context);
            }
        };
    }

    /** Open sockets of this JVM (not every descriptor: class loading opens jar files meanwhile). */
    private static long openSockets() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException closedMeanwhile) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void await(BooleanSupplier condition, Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + DEADLINE_MS + " ms: " + state.get());
            }
            Thread.sleep(5);
        }
    }
}
