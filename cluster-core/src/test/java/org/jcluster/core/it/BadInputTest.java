package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.core.it.TestCluster.await;
import static org.jcluster.core.it.TestCluster.exitOf;
import static org.jcluster.core.it.TestCluster.roundTrip;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.ExitStatus;
import org.jcluster.api.ProviderNotFoundException;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.core.internal.protocol.FrameKind;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.transport.ChannelConfig;
import org.jcluster.core.internal.transport.Descriptor;
import org.jcluster.core.internal.transport.FrameHandler;
import org.jcluster.core.internal.transport.IpcChannel;
import org.junit.jupiter.api.Test;

/** Bad input of every kind: a clear error, that one worker's channel closed, the primary unharmed. */
class BadInputTest {

    /** Forks a worker that sends one bad frame, and checks the error it causes and that the cluster carries on. */
    static void assertBadFrameClosesOnlyItsSender(ClusterSettings.Builder settings, String expectedError,
            String... rawScenario) {
        try (TestCluster t = new TestCluster(settings.build())) {
            Worker healthy = forkEcho(t);
            t.cluster.setupPrimary(ClusterSettings.builder().args(List.of(rawScenario)).build());
            Worker bad = t.fork();
            CompletableFuture<Throwable> error = new CompletableFuture<>();
            bad.on(WorkerEvent.ERROR, error::complete);
            CompletableFuture<ExitStatus> exit = exitOf(bad);
            assertThat(await(error)).hasMessageContaining(expectedError);
            // Its channel was cut without a handshake, so the worker left at once (rule 17).
            assertThat(await(exit)).isEqualTo(ExitStatus.ofCode(0));
            assertThat(roundTrip(healthy, "unharmed")).isEqualTo("unharmed");
        }
    }

    private static Worker forkEcho(TestCluster t) {
        t.cluster.setupPrimary(ClusterSettings.builder().args(List.of("echo")).build());
        Worker w = t.fork();
        assertThat(roundTrip(w, "hello")).isEqualTo("hello");
        return w;
    }

    @Test
    void aMalformedMessageClosesThatWorkersChannel() {
        assertBadFrameClosesOnlyItsSender(TestCluster.settings("echo"), "json serialization cannot read",
                "raw-frame", Integer.toString(FrameKind.USER), "20");
    }

    @Test
    void aFrameOverTheLimitClosesThatWorkersChannel() {
        assertBadFrameClosesOnlyItsSender(TestCluster.settings("echo").maxFrameBytes(8192), "exceeds the limit",
                "raw-header", "9000");
    }

    @Test
    void anUnknownInternalMessageClosesThatWorkersChannel() {
        assertBadFrameClosesOnlyItsSender(TestCluster.settings("echo"), "unknown internal message type 99",
                "raw-internal", "99");
    }

    @Test
    void anUnknownFrameKindClosesThatWorkersChannel() {
        assertBadFrameClosesOnlyItsSender(TestCluster.settings("echo"), "unknown kind 42",
                "raw-frame", "42", "3");
    }

    @Test
    void aMessageOverTheLimitFailsItsSendAndNothingElse() {
        try (TestCluster t = new TestCluster(TestCluster.settings("echo").maxFrameBytes(8192).build())) {
            Worker w = t.fork();
            assertThatThrownBy(() -> w.send("x".repeat(10_000)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxFrameBytes");
            assertThat(roundTrip(w, "still connected")).isEqualTo("still connected");
        }
    }

    @Test
    void aValueTheSerializationCannotCarryFailsItsSend() {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            assertThatThrownBy(() -> w.send(new Object())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("java.lang.Object");
            assertThat(roundTrip(w, "fine")).isEqualTo("fine");
        }
    }

    @Test
    void anotherProcessConnectingToTheIpcSocketIsRefusedAndDeliversNothing() throws Exception {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            assertThat(roundTrip(w, "hello")).isEqualTo("hello");
            // The echo's cluster-level event follows its worker-level one: let it pass before listening.
            t.drainEvents();
            List<Object> delivered = new CopyOnWriteArrayList<>();
            List<Integer> online = new CopyOnWriteArrayList<>();
            t.cluster.on(ClusterEvent.MESSAGE, (worker, m) -> delivered.add(m));
            t.cluster.on(ClusterEvent.ONLINE, worker -> online.add(worker.id()));

            // A stranger (this test JVM: not a worker's pid) that knows a worker's id but not its secret.
            for (boolean introduce : new boolean[] {true, false}) {
                IpcChannel stranger = IpcChannel.connect(t.cluster.ipcSocketPath().orElseThrow(),
                        new ChannelConfig(ClusterSettings.DEFAULT_MAX_FRAME_BYTES, ClusterSettings.DEFAULT_SEND_HIGH_WATER_MARK));
                CompletableFuture<Void> closed = new CompletableFuture<>();
                stranger.start(new FrameHandler() {
                    @Override
                    public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
                    }

                    @Override
                    public void onClose(IpcChannel channel, Throwable cause) {
                        closed.complete(null);
                    }
                });
                if (introduce) {
                    stranger.send(FrameKind.INTERNAL, InternalMessage.encode(new InternalMessage.Hello(w.id(), "guess")), null, null);
                }
                stranger.send(FrameKind.USER, "\"smuggled\"".getBytes(), null, null);
                await(closed);
            }
            assertThat(roundTrip(w, "after strangers")).isEqualTo("after strangers");
            t.drainEvents();
            assertThat(delivered).containsExactly("after strangers");
            assertThat(online).isEmpty();
        }
    }

    @Test
    void anUnknownSerializationNameSaysWhatWasFound() {
        try (TestCluster t = new TestCluster(TestCluster.settings("echo").serialization("nope").build())) {
            assertThatThrownBy(t::fork).isInstanceOf(ProviderNotFoundException.class)
                    .hasMessageContaining("\"nope\"")
                    .hasMessageContaining("json (module");
            assertThat(t.cluster.workers()).isEmpty();
        }
    }

    @Test
    void anUnknownPolicyNameSaysWhatWasFoundAndThePolicyFreezesAtFirstSetup() {
        try (TestCluster t = new TestCluster("echo")) {
            assertThatThrownBy(() -> t.cluster.schedulingPolicy("nope")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("frozen");
        }
        org.jcluster.core.internal.primary.PrimaryCluster fresh = new org.jcluster.core.internal.primary.PrimaryCluster();
        assertThatThrownBy(() -> fresh.schedulingPolicy("nope")).isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("No scheduling policy named \"nope\"")
                .hasMessageContaining("Found:");
    }

    @Test
    void sendAfterDisconnectThrowsSoThatFalseOnlyEverMeansBackPressure() {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            CompletableFuture<ExitStatus> exit = exitOf(w);
            w.disconnect();
            await(exit);
            List<Throwable> callbacks = new CopyOnWriteArrayList<>();
            assertThatThrownBy(() -> w.send("late", callbacks::add)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("worker " + w.id() + " is disconnected")
                    .hasMessageContaining("the message was not sent").hasMessageContaining("isConnected() is false");
            assertThatThrownBy(() -> w.send("later")).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> w.send(java.util.Map.of("bad", new Object()))).as("an unsendable message says so first")
                    .isInstanceOf(IllegalArgumentException.class);
            t.drainEvents();
            assertThat(callbacks).as("a send that threw keeps no callback").isEmpty();
        }
    }
}
