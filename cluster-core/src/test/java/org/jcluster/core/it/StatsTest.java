package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.core.it.TestCluster.await;
import static org.jcluster.core.it.TestCluster.messages;
import static org.jcluster.core.it.TestCluster.nextMessage;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import org.jcluster.api.ClusterStats;
import org.jcluster.api.ServerStats;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerHealth;
import org.jcluster.api.WorkerState;
import org.jcluster.api.WorkerStats;
import org.jcluster.testkit.WorkerJvms;
import org.junit.jupiter.api.Test;

/** Worker.stats and Cluster.stats: the figures match what happened, in real worker JVMs. */
class StatsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void theFiguresCountTheMessagesAndConnectionsThatWentThrough() throws Exception {
        try (TestCluster t = new TestCluster("count-connections")) {
            assertThat(t.cluster.schedulingPolicy()).isEqualTo("rr");
            Worker w = t.fork();
            long port = portOf(w);
            WorkerStats before = await(w.stats(TIMEOUT));
            assertThat(before.messagesReceived()).as("the port").isEqualTo(1);
            assertThat(before.connectionsDealt()).isZero();

            connectThreeTimesAndAwaitTaken(w, port);
            String fourKilobytes = "x".repeat(4096);
            for (int i = 0; i < 4; i++) {
                w.send(fourKilobytes); // the worker holds them: nobody listens there
            }
            WorkerStats after = await(w.stats(TIMEOUT));

            assertThat(after.id()).isEqualTo(w.id());
            assertThat(after.pid()).isEqualTo(w.pid());
            assertThat(after.state()).isEqualTo(WorkerState.LISTENING);
            assertThat(after.uptime()).isGreaterThan(before.uptime());
            assertThat(after.messagesSent()).isEqualTo(4);
            assertThat(after.messagesReceived()).as("the port and three 'took'").isEqualTo(4);
            assertThat(after.bytesSent() - before.bytesSent()).as("four 4 KiB messages and three hand-offs")
                    .isGreaterThan(4 * 4096);
            assertThat(after.bytesReceived()).isGreaterThan(before.bytesReceived());
            assertThat(after.sendBacklogBytes()).isNotNegative();
            assertThat(after.connectionsDealt()).isEqualTo(3);
            assertThat(after.connectionsRefused()).isZero();
            assertThat(after.residentBytes().orElseThrow()).isGreaterThan(10L << 20);
            assertThat(after.cpuTime()).hasValueSatisfying(cpu -> assertThat(cpu).isPositive());
            WorkerHealth health = after.health().orElseThrow();
            assertThat(health.connections()).isEqualTo(3);
            assertThat(health.heapUsed()).isPositive();
            assertThat(health.gcTime()).isGreaterThanOrEqualTo(Duration.ZERO);
        }
    }

    @Test
    void aWorkerThatDoesNotAnswerStillHasItsFigures() throws Exception {
        try (TestCluster t = new TestCluster("block-event-thread-on-message")) {
            Worker w = t.fork();
            CompletableFuture<Object> blocking = nextMessage(w);
            w.send("block");
            assertThat(await(blocking)).isEqualTo("blocking");
            WorkerStats stats = await(w.stats(Duration.ofMillis(300)));
            assertThat(stats.health()).as("its event thread is blocked").isEmpty();
            assertThat(stats.messagesSent()).isEqualTo(1);
            assertThat(stats.messagesReceived()).isEqualTo(1);
            assertThat(stats.residentBytes()).isPresent();
        }
    }

    @Test
    void aGoneWorkerHasItsLastCountsAndNoProcessFigures() throws Exception {
        try (TestCluster t = new TestCluster("idle")) {
            Worker w = t.fork();
            await(w.ping(TIMEOUT));
            w.send("one");
            CompletableFuture<Void> gone = TestCluster.goneOf(w);
            w.kill("SIGKILL");
            await(gone);
            WorkerStats stats = await(w.stats(TIMEOUT));
            assertThat(stats.state()).isEqualTo(WorkerState.DEAD);
            assertThat(stats.messagesSent()).isEqualTo(1);
            assertThat(stats.health()).isEmpty();
            assertThat(stats.residentBytes()).isEmpty();
            assertThat(stats.cpuTime()).isEmpty();
        }
    }

    @Test
    void theClusterSnapshotCountsEachServersConnectionsAndTimesTheirHandOffs() throws Exception {
        try (TestCluster t = new TestCluster("count-connections")) {
            Worker w = t.fork();
            long port = portOf(w);
            connectThreeTimesAndAwaitTaken(w, port);

            ClusterStats stats = await(t.cluster.stats(TIMEOUT));
            assertThat(stats.workers()).extracting(WorkerStats::id).containsExactly(w.id());
            assertThat(stats.uptime()).isPositive();
            ServerStats server = single(stats.servers());
            assertThat(server.address().port()).isEqualTo(port);
            assertThat(server.policy()).isEqualTo("rr");
            assertThat(server.primaryAccepts()).isTrue();
            assertThat(server.workers()).containsExactly(w.id());
            assertThat(server.accepted()).isEqualTo(3);
            assertThat(server.dealt()).isEqualTo(3);
            assertThat(server.refused()).isZero();
            assertThat(server.waiting()).isZero();
            assertThat(server.inFlight()).isZero();
            assertThat(server.handOff().count()).as("one hand-off timed per connection taken").isEqualTo(3);
            assertThat(server.handOff().sum()).isPositive();
            assertThat(server.handOff().atMost(1.0)).as("within the last bound").isPresent();
            assertThat(server.takenByWorker()).isEqualTo(Map.of(w.id(), 3L));
            assertThat(stats.workers().get(0).health().orElseThrow().connectionsByServer())
                    .isEqualTo(Map.of(server.address(), 3L));
        }
    }

    @Test
    void statsAskedJustBeforeADisconnectStillCountWhatEachServerTook() throws Exception {
        try (TestCluster t = new TestCluster("count-connections")) {
            Worker w = t.fork();
            long port = portOf(w);
            connectThreeTimesAndAwaitTaken(w, port);
            w.send("pause"); // its event thread answers the ping after the disconnect was read
            CompletableFuture<WorkerStats> last = w.stats(TIMEOUT);
            w.disconnect(); // its server closes before its event thread answers: the counts were taken before
            WorkerHealth health = await(last).health().orElseThrow();
            assertThat(health.connectionsByServer()).hasSize(1).containsValue(3L);
            assertThat(health.connectionsByServer().keySet().iterator().next().port()).isEqualTo(port);
        }
    }

    @Test
    void connectionsAWorkerHasNotAnsweredForShowAsInFlightAndTheRestAsWaiting() throws Exception {
        try (TestCluster t = new TestCluster("block-in-handler")) {
            Worker w = t.fork();
            long port = portOf(w);
            CompletableFuture<Void> firstTaken = messages(w, "took", 1);
            List<SocketChannel> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    clients.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", (int) port)));
                }
                await(firstTaken);
                // The first is taken and its handler stuck; the second is dealt and queued behind it, unanswered
                // (one in flight per worker under rr); the other two wait for the worker to answer.
                ServerStats server = awaitServer(t, s -> s.accepted() == 4 && s.inFlight() == 1);
                assertThat(server.dealt()).isEqualTo(2);
                assertThat(server.waiting()).isEqualTo(2);
                assertThat(server.handOff().count()).isEqualTo(1);
                assertThat(server.takenByWorker()).isEqualTo(Map.of(w.id(), 1L));
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void underNoneTheWorkersSayWhatEachServerTookTheirCountedConnectionsIncluded() throws Exception {
        try (TestCluster t = TestCluster.under("none", "accept-itself-and-count")) {
            Worker w = t.fork();
            long port = portOf(w);
            connectThreeTimesAndAwaitTaken(w, port);

            ServerStats server = single(await(t.cluster.stats(TIMEOUT)).servers());
            assertThat(server.policy()).isEqualTo("none");
            assertThat(server.primaryAccepts()).isFalse();
            assertThat(server.workers()).containsExactly(w.id());
            assertThat(server.accepted()).as("the kernel dealt them; the primary saw none").isZero();
            assertThat(server.handOff().count()).isZero();
            assertThat(server.takenByWorker()).isEqualTo(Map.of(w.id(), 3L));
        }
    }

    /** The port the worker's server listens on, its first message. */
    private static long portOf(Worker w) {
        return (Long) ((Map<?, ?>) await(nextMessage(w))).get("port");
    }

    /** Three connections to the worker's server, once it said it took each. */
    private static void connectThreeTimesAndAwaitTaken(Worker w, long port) throws Exception {
        CompletableFuture<Void> threeTaken = messages(w, "took", 3);
        for (int i = 0; i < 3; i++) {
            SocketChannel.open(new InetSocketAddress("127.0.0.1", (int) port)).close();
        }
        await(threeTaken);
    }

    private static ServerStats single(List<ServerStats> servers) {
        assertThat(servers).hasSize(1);
        return servers.get(0);
    }

    /** The one server's figures, once they satisfy {@code settled}; fails after the deadline. */
    private static ServerStats awaitServer(TestCluster t, Predicate<ServerStats> settled) {
        long deadline = System.nanoTime() + WorkerJvms.DEADLINE.toNanos();
        ServerStats last = null;
        while (System.nanoTime() < deadline) {
            last = single(await(t.cluster.stats(TIMEOUT)).servers());
            if (settled.test(last)) {
                return last;
            }
            LockSupport.parkNanos(20_000_000L);
        }
        throw new AssertionError("the server's figures did not settle within " + WorkerJvms.DEADLINE + ": " + last);
    }
}
