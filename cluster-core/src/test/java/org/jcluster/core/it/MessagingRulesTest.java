package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.core.it.TestCluster.await;
import static org.jcluster.core.it.TestCluster.nextMessage;
import static org.jcluster.core.it.TestCluster.roundTrip;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import org.jcluster.api.ClusterEvent;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.testkit.WorkerJvms;
import org.junit.jupiter.api.Test;

/** Node rules 24-28: messages, back-pressure and the json value model, through real worker JVMs. */
class MessagingRulesTest {

    @Test
    void rule24_sendAnswersFalseAboveTheHighWaterMarkAndStillDeliversEverything() {
        try (TestCluster t = new TestCluster(TestCluster.settings("echo").sendHighWaterMark(4096).build())) {
            Worker w = t.fork();
            List<Object> echoed = new CopyOnWriteArrayList<>();
            CountDownLatch all = new CountDownLatch(8);
            w.on(WorkerEvent.MESSAGE, m -> {
                echoed.add(m);
                all.countDown();
            });
            List<Boolean> answers = new ArrayList<>();
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String message = i + "x".repeat(1000);
                sent.add(message);
                answers.add(w.send(message)); // before 'online': the backlog cannot drain yet
            }
            assertThat(answers.subList(0, 4)).containsOnly(true);
            assertThat(answers.subList(4, 8)).containsOnly(false);
            await(all);
            assertThat(echoed).containsExactlyElementsOf(sent);
        }
    }

    @Test
    void rule24_sendCallsBackOnceTheMessageIsWritten() {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            roundTrip(w, "warm-up");
            CompletableFuture<Throwable> written = new CompletableFuture<>();
            CompletableFuture<Object> echo = nextMessage(w);
            assertThat(w.send("with callback", written::complete)).isTrue();
            assertThat(await(written)).isNull();
            assertThat(await(echo)).isEqualTo("with callback");
        }
    }

    @Test
    void rule25_aMessageSentRightAfterForkIsDelivered() {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            CompletableFuture<Object> echo = nextMessage(w);
            w.send("before online");
            assertThat(await(echo)).isEqualTo("before online");
        }
    }

    @Test
    void aChannelSentToAWorkerThatNeverConnectsIsClosed_everyCopy() throws Exception {
        // No such main class: the worker's JVM exits before it connects, with the message still queued.
        try (TestCluster t = new TestCluster(TestCluster.settings("echo").exec("org.jcluster.NoSuchMain").build());
             ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) {
            Worker w = t.fork();
            CompletableFuture<Throwable> sent = new CompletableFuture<>();
            w.send("with a connection", accepted, false, sent::complete);
            assertThat(await(sent)).isInstanceOf(ClosedChannelException.class);
            assertThat(accepted.isOpen()).as("the sender's copy, closed as keepOpen=false asks").isFalse();
            // The client reads the end only once the copy that waited for the worker is closed too.
            client.socket().setSoTimeout((int) WorkerJvms.DEADLINE.toMillis());
            assertThat(client.socket().getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void rule26_aWorkersMessageIsEmittedOnceOnTheWorkerAndOnceOnTheCluster() {
        try (TestCluster t = new TestCluster("echo")) {
            List<String> seen = new CopyOnWriteArrayList<>();
            t.cluster.on(ClusterEvent.MESSAGE, (worker, m) -> seen.add("cluster:" + worker.id() + ":" + m));
            Worker w = t.fork();
            w.on(WorkerEvent.MESSAGE, m -> seen.add("worker:" + m));
            CompletableFuture<Object> echo = nextMessage(w);
            w.send("one");
            await(echo);
            t.drainEvents();
            assertThat(seen).containsExactlyInAnyOrder("worker:one", "cluster:1:one");
        }
    }

    @Test
    void rule27_aUserMessageThatLooksInternalDisturbsNothing() {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            Map<String, Object> lookalike = new LinkedHashMap<>();
            lookalike.put("cmd", "NODE_CLUSTER");
            lookalike.put("act", "disconnect");
            lookalike.put("seq", 1L);
            CompletableFuture<Object> echo = nextMessage(w);
            w.send(lookalike);
            assertThat(await(echo)).isEqualTo(lookalike);
            String internalBytes = "\u0002"; // the byte of the internal 'disconnect' message, as a string
            CompletableFuture<Object> echo2 = nextMessage(w);
            w.send(internalBytes);
            assertThat(await(echo2)).isEqualTo(internalBytes);
            assertThat(w.isConnected()).isTrue();
            CompletableFuture<Object> echo3 = nextMessage(w);
            w.send("still fine");
            assertThat(await(echo3)).isEqualTo("still fine");
        }
    }

    /**
     * An exception with a code, as Node's system errors have. json reads the code by reflection: the
     * test package is opened to jcluster.ipc.json (surefire argLine), as a user's module would open it.
     */
    public static final class CodedException extends Exception {
        private static final long serialVersionUID = 1L;

        CodedException(String message) {
            super(message);
        }

        public String getCode() {
            return "EACCES";
        }
    }

    @Test
    void rule28_jsonCarriesTheValueModelErrorsAndLargeStrings() {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            Map<String, Object> value = new LinkedHashMap<>();
            value.put("string", "héllo ✓");
            value.put("long", 1L << 53);
            value.put("double", 2.5);
            value.put("true", true);
            value.put("null", null);
            value.put("list", List.of(1L, "two", List.of(3.5)));
            value.put("nested", Map.of("k", "v"));
            assertThat(roundTrip(w, value)).isEqualTo(value);

            @SuppressWarnings("unchecked")
            Map<String, Object> error = (Map<String, Object>) roundTrip(w, new CodedException("permission denied"));
            assertThat(error).containsEntry("message", "permission denied").containsEntry("code", "EACCES");

            String large = "x".repeat(800_004);
            assertThat(roundTrip(w, large)).isEqualTo(large);
        }
    }
}
