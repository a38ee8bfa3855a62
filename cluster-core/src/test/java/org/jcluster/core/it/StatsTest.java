package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.core.it.TestCluster.await;
import static org.jcluster.core.it.TestCluster.messages;
import static org.jcluster.core.it.TestCluster.nextMessage;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.jcluster.api.Worker;
import org.jcluster.api.WorkerHealth;
import org.jcluster.api.WorkerState;
import org.jcluster.api.WorkerStats;
import org.junit.jupiter.api.Test;

/** Worker.stats: the figures match what happened, in real worker JVMs under round-robin. */
class StatsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void theFiguresCountTheMessagesAndConnectionsThatWentThrough() throws Exception {
        try (TestCluster t = new TestCluster("count-connections")) {
            assertThat(t.cluster.schedulingPolicy()).isEqualTo("rr");
            Worker w = t.fork();
            long port = (Long) ((Map<?, ?>) await(nextMessage(w))).get("port");
            WorkerStats before = await(w.stats(TIMEOUT));
            assertThat(before.messagesReceived()).as("the port").isEqualTo(1);
            assertThat(before.connectionsDealt()).isZero();

            CompletableFuture<Void> threeTaken = messages(w, "took", 3);
            for (int i = 0; i < 3; i++) {
                SocketChannel.open(new InetSocketAddress("127.0.0.1", (int) port)).close();
            }
            await(threeTaken);
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
}
