package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.core.it.TestCluster.await;
import static org.jcluster.core.it.TestCluster.messages;
import static org.jcluster.core.it.TestCluster.nextMessage;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jcluster.api.ClusterEvent;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.api.WorkerHealth;
import org.jcluster.testkit.WorkerJvms;
import org.junit.jupiter.api.Test;

/** Worker.ping (answered by the worker's event thread) and Cluster.signalReady, in real worker JVMs. */
class PingAndReadyTest {

    @Test
    void aPingIsAnsweredWithTheConnectionsTheWorkersServersTook() throws Exception {
        try (TestCluster t = new TestCluster("count-connections")) {
            Worker w = t.fork();
            long port = (Long) ((Map<?, ?>) await(nextMessage(w))).get("port");
            assertThat(await(w.ping(Duration.ofSeconds(10))).connections()).as("before any connection").isZero();
            CompletableFuture<Void> threeTaken = messages(w, "took", 3);
            for (int i = 0; i < 3; i++) {
                SocketChannel.open(new InetSocketAddress("127.0.0.1", (int) port)).close();
            }
            await(threeTaken);
            WorkerHealth health = await(w.ping(Duration.ofSeconds(10)));
            assertThat(health.connections()).isEqualTo(3);
            assertThat(health.roundTrip()).isPositive().isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void aPingCountsTheConnectionsTheProgramCountedItself() throws Exception {
        try (TestCluster t = new TestCluster("count-on-message")) {
            Worker w = t.fork();
            assertThat(await(w.ping(Duration.ofSeconds(10))).connections()).as("before any count").isZero();
            CompletableFuture<Object> counted = nextMessage(w);
            w.send(5);
            assertThat(await(counted)).isEqualTo("counted");
            assertThat(await(w.ping(Duration.ofSeconds(10))).connections()).as("five countConnection() calls").isEqualTo(5);
            counted = nextMessage(w);
            w.send(2);
            assertThat(await(counted)).isEqualTo("counted");
            assertThat(await(w.ping(Duration.ofSeconds(10))).connections()).as("they add up").isEqualTo(7);
        }
    }

    @Test
    void aWorkerWhoseEventThreadIsBlockedMissesThePingThoughItsReaderIsFree() throws Exception {
        try (TestCluster t = new TestCluster("block-event-thread-on-message")) {
            Worker w = t.fork();
            assertThat(await(w.ping(Duration.ofSeconds(10))).roundTrip()).as("answered while free").isPositive();
            CompletableFuture<Object> blocking = nextMessage(w);
            w.send("block");
            assertThat(await(blocking)).isEqualTo("blocking");
            CompletableFuture<WorkerHealth> ping = w.ping(Duration.ofMillis(500));
            assertThatThrownBy(() -> ping.get(WorkerJvms.DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("worker " + w.id()).hasMessageContaining("did not answer a ping within 500 ms");
        }
    }

    @Test
    void aWorkerBusyOnOtherThreadsStillAnswers() throws Exception {
        try (TestCluster t = new TestCluster("busy-threads")) {
            Worker w = t.fork();
            assertThat(await(nextMessage(w))).isEqualTo("spinning");
            for (int i = 0; i < 5; i++) {
                assertThat(await(w.ping(Duration.ofSeconds(10))).roundTrip()).isLessThan(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void aPingOfAGoneWorkerFailsSayingSo() throws Exception {
        try (TestCluster t = new TestCluster("idle")) {
            Worker w = t.fork();
            await(w.ping(Duration.ofSeconds(10)));
            CompletableFuture<Void> gone = TestCluster.goneOf(w);
            w.kill("SIGKILL");
            await(gone);
            CompletableFuture<WorkerHealth> ping = w.ping(Duration.ofSeconds(10));
            assertThatThrownBy(ping::join).cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("worker " + w.id() + " is disconnected");
            assertThatThrownBy(() -> w.ping(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void signalReadyReachesThePrimaryOnceAndIsAWorkersCall() throws Exception {
        try (TestCluster t = new TestCluster("ready-on-message")) {
            List<String> seen = new CopyOnWriteArrayList<>();
            t.cluster.on(ClusterEvent.READY, worker -> seen.add("cluster ready " + worker.id()));
            Worker w = t.fork();
            w.on(WorkerEvent.READY, () -> seen.add("worker ready"));
            CompletableFuture<Object> signalled = nextMessage(w);
            w.send("go");
            assertThat(await(signalled)).isEqualTo("signalled");
            // Events are ordered: once a ping sent after the message is answered, READY was delivered.
            await(w.ping(Duration.ofSeconds(10)));
            w.send("again");
            await(nextMessage(w));
            await(w.ping(Duration.ofSeconds(10)));
            assertThat(seen).containsExactly("worker ready", "cluster ready " + w.id());
            assertThatThrownBy(t.cluster::signalReady).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("a worker's call");
        }
    }
}
