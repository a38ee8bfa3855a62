package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.core.it.TestCluster.await;
import static org.jcluster.core.it.TestCluster.nextMessage;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import org.jcluster.api.Worker;
import org.jcluster.api.WorkerHealth;
import org.junit.jupiter.api.Test;

/** Worker.ask and Cluster.answer: figures only the worker has, asked by the primary, in real worker JVMs. */
class AskAndAnswerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void theWorkerAnswersWithTheValueOfTheMoment() throws Exception {
        try (TestCluster t = new TestCluster("answer")) {
            Worker w = t.fork();
            assertThat(await(nextMessage(w))).isEqualTo("answering");
            assertThat(await(w.ask("figures", TIMEOUT))).isEqualTo(Map.of("messages", 0L));
            CompletableFuture<Object> seen = nextMessage(w);
            w.send("one");
            assertThat(await(seen)).isEqualTo("seen one");
            assertThat(await(w.ask("figures", TIMEOUT))).isEqualTo(Map.of("messages", 1L));
        }
    }

    @Test
    void anUnknownTopicAFailingAnswerAndARemovedOneFailNamingWhy() throws Exception {
        try (TestCluster t = new TestCluster("answer")) {
            Worker w = t.fork();
            assertThat(await(nextMessage(w))).isEqualTo("answering");
            assertThatThrownBy(() -> w.ask("weather", TIMEOUT).join()).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("worker " + w.id() + " answers nothing for 'weather'");
            assertThatThrownBy(() -> w.ask("broken", TIMEOUT).join()).cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("answer for 'broken' failed").hasMessageContaining("no figures today");
            CompletableFuture<Object> seen = nextMessage(w);
            w.send("forget");
            assertThat(await(seen)).isEqualTo("seen forget");
            assertThatThrownBy(() -> w.ask("figures", TIMEOUT).join()).cause()
                    .hasMessageContaining("answers nothing for 'figures'");
            assertThat(await(w.ping(TIMEOUT)).roundTrip()).as("the channel is still fine").isPositive();
        }
    }

    @Test
    void anAnswerWithNoRoomInAFrameAndOneThatCannotLinkAreAnsweredWithWhy() throws Exception {
        try (TestCluster t = new TestCluster(TestCluster.settings("answer").maxFrameBytes(4096).build())) {
            Worker w = t.fork();
            assertThat(await(nextMessage(w))).isEqualTo("answering");
            assertThatThrownBy(() -> w.ask("huge", TIMEOUT).join()).cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("answer for 'huge' is 4092 bytes: no room for it in a frame");
            assertThatThrownBy(() -> w.ask("unlinked", TIMEOUT).join()).cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("answer for 'unlinked' failed").hasMessageContaining("com/example/Gone");
            assertThat(await(w.ask("figures", TIMEOUT))).as("the worker answers on").isEqualTo(Map.of("messages", 0L));
        }
    }

    @Test
    void anAskAndAPingSentJustBeforeADisconnectAreAnsweredBeforeTheChannelCloses() throws Exception {
        try (TestCluster t = new TestCluster("answer")) {
            Worker w = t.fork();
            assertThat(await(nextMessage(w))).isEqualTo("answering");
            CompletableFuture<Void> gone = TestCluster.goneOf(w);
            CompletableFuture<Object> slow = w.ask("slow", TIMEOUT);
            CompletableFuture<WorkerHealth> ping = w.ping(TIMEOUT);
            w.disconnect(); // the worker has no server to close: without the wait its channel would close at once
            assertThat(await(slow)).isEqualTo("late but here");
            assertThat(await(ping).heapUsed()).isPositive();
            await(gone);
            assertThat(w.exitedAfterDisconnect()).hasValue(true);
        }
    }

    @Test
    void aGoneWorkerAndThePrimarysOwnAnswerAreRefused() throws Exception {
        try (TestCluster t = new TestCluster("idle")) {
            Worker w = t.fork();
            await(w.ping(TIMEOUT));
            CompletableFuture<Void> gone = TestCluster.goneOf(w);
            w.kill("SIGKILL");
            await(gone);
            assertThatThrownBy(() -> w.ask("figures", TIMEOUT).join()).cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("worker " + w.id() + " is disconnected");
            assertThatThrownBy(() -> w.ask("figures", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            Supplier<Object> nothing = () -> null;
            assertThatThrownBy(() -> t.cluster.answer("figures", nothing)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("a worker's call");
        }
    }
}
