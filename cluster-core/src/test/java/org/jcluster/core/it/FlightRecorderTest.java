package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.core.it.Agent.port;
import static org.jcluster.core.it.SharedServersTest.hit;
import static org.jcluster.core.it.SharedServersTest.listen;
import static org.jcluster.core.it.SharedServersTest.workerOf;
import static org.jcluster.core.it.TestCluster.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.stream.Collectors;

import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.SettingDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import jdk.jfr.consumer.RecordingStream;

import org.jcluster.api.ClusterSettings;
import org.jcluster.api.ExitStatus;
import org.jcluster.api.Worker;
import org.jcluster.testkit.WorkerJvms;
import org.junit.jupiter.api.Test;

/**
 * The primary's JFR events (docs/observability.md), recorded in this test JVM, the primary, while real
 * worker JVMs come and go, then read back from the dumped recording.
 */
@org.junit.jupiter.api.Timeout(120)
class FlightRecorderTest {

    @Test
    void aWorkersForkOnlineAndExitAreRecordedWithItsIdPidAndExitStatus() throws IOException {
        Recorded recorded;
        Worker coded;
        Worker killed;
        try (Recording recording = new Recording()) {
            for (String name : List.of("jcluster.WorkerFork", "jcluster.WorkerOnline", "jcluster.WorkerExit")) {
                recording.enable(name);
            }
            recording.start();
            try (TestCluster t = new TestCluster("exit-after-report", "7")) {
                coded = t.fork();
                assertThat(await(TestCluster.nextMessage(coded))).isEqualTo("bye");
                assertThat(await(TestCluster.exitOf(coded))).isEqualTo(ExitStatus.ofCode(7));

                t.cluster.setupPrimary(ClusterSettings.builder().args(List.of("echo")).build());
                killed = t.fork();
                assertThat(TestCluster.roundTrip(killed, "hi")).isEqualTo("hi"); // online
                var exit = TestCluster.exitOf(killed);
                killed.kill("SIGKILL");
                assertThat(await(exit)).isEqualTo(ExitStatus.ofSignal("SIGKILL"));
            }
            recorded = stopAndRead(recording);
        }

        Map<Integer, RecordedEvent> forks = byWorker(recorded, "jcluster.WorkerFork");
        Map<Integer, RecordedEvent> onlines = byWorker(recorded, "jcluster.WorkerOnline");
        Map<Integer, RecordedEvent> exits = byWorker(recorded, "jcluster.WorkerExit");
        assertThat(forks).as("fork events by worker id").containsOnlyKeys(1, 2);
        assertThat(onlines).as("online events by worker id").containsOnlyKeys(1, 2);
        assertThat(exits).as("exit events by worker id").containsOnlyKeys(1, 2);
        for (Worker w : List.of(coded, killed)) {
            RecordedEvent fork = forks.get(w.id());
            RecordedEvent online = onlines.get(w.id());
            RecordedEvent exit = exits.get(w.id());
            for (RecordedEvent e : List.of(fork, online, exit)) {
                assertThat(e.getLong("pid")).as("%s's pid", e.getEventType().getName()).isEqualTo(w.pid());
                assertThat(e.getEventType().getCategoryNames()).containsExactly("jcluster", "Workers");
            }
            assertThat(fork.getEndTime()).as("worker %d forked, then online", w.id()).isBeforeOrEqualTo(online.getStartTime());
            assertThat(online.getStartTime()).as("worker %d online, then exited", w.id()).isBeforeOrEqualTo(exit.getStartTime());
            assertThat(online.getDuration("startup")).isPositive().isLessThan(WorkerJvms.DEADLINE);
            assertThat(exit.getDuration("uptime")).isGreaterThan(online.getDuration("startup"));
        }
        RecordedEvent exit7 = exits.get(coded.id());
        assertThat(exit7.getInt("exitCode")).isEqualTo(7);
        assertThat(exit7.getString("signal")).isNull();
        assertThat(exit7.getString("killedWith")).isNull();
        assertThat(exit7.getBoolean("exitedAfterDisconnect")).isFalse();
        RecordedEvent sigkill = exits.get(killed.id());
        assertThat(sigkill.getInt("exitCode")).isEqualTo(-1);
        assertThat(sigkill.getString("signal")).isEqualTo("SIGKILL");
        assertThat(sigkill.getString("killedWith")).isEqualTo("SIGKILL");
    }

    @Test
    void aHandOffUnderRoundRobinIsRecordedFromTheAcceptToTheAcknowledgementAboveItsThreshold() throws IOException {
        int connections = 3;
        Recorded recorded;
        Worker server;
        int port;
        try (Recording recording = new Recording(); RecordingStream committed = new RecordingStream()) {
            // A hand-off is recorded when the primary reads the worker's acknowledgement, which the client
            // does not wait for: the stream says when the events were committed.
            CountDownLatch committedAll = new CountDownLatch(connections);
            committed.enable("jcluster.HandOff").withThreshold(Duration.ZERO);
            committed.onEvent("jcluster.HandOff", e -> committedAll.countDown());
            committed.startAsync();
            recording.enable("jcluster.HandOff").withThreshold(Duration.ZERO); // every one, however fast
            recording.start();
            try (TestCluster t = TestCluster.agents("rr")) {
                Agent a = Agent.start(t);
                server = a.worker;
                port = port(a.must(listen(0)));
                for (int i = 0; i < connections; i++) {
                    assertThat(workerOf(hit(port))).isEqualTo(server.id());
                }
                await(committedAll);
            }
            recorded = stopAndRead(recording);
        }

        List<RecordedEvent> handOffs = recorded.named("jcluster.HandOff");
        assertThat(handOffs).hasSize(connections);
        assertThat(handOffs).allSatisfy(e -> {
            assertThat(e.getInt("workerId")).isEqualTo(server.id());
            assertThat(e.getString("server")).endsWith(":" + port);
            assertThat(e.getDuration()).isPositive().isLessThan(WorkerJvms.DEADLINE);
            assertThat(e.getEventType().getCategoryNames()).containsExactly("jcluster", "Servers");
        });
        assertThat(handOffs).extracting(e -> e.getLong("connectionId")).doesNotHaveDuplicates();
        // This JVM's registry: a recording file's metadata does not keep the settings' defaults.
        EventType type = FlightRecorder.getFlightRecorder().getEventTypes().stream()
                .filter(t -> t.getName().equals("jcluster.HandOff")).findFirst().orElseThrow();
        SettingDescriptor threshold = type.getSettingDescriptors().stream()
                .filter(s -> s.getName().equals("threshold")).findFirst().orElseThrow();
        assertThat(threshold.getDefaultValue()).as("the hand-off's threshold unless a recording sets one").isEqualTo("20 ms");
    }

    private static Map<Integer, RecordedEvent> byWorker(Recorded recorded, String name) {
        return recorded.named(name).stream().collect(Collectors.toMap(e -> e.getInt("workerId"), Function.identity()));
    }

    /** What a recording held: its events, in time order. */
    record Recorded(List<RecordedEvent> events) {
        List<RecordedEvent> named(String name) {
            return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
        }
    }

    /** Stops the recording and reads it back from a dump, which is deleted. */
    static Recorded stopAndRead(Recording recording) throws IOException {
        recording.stop();
        Path dump = Files.createTempFile("jcluster-test-", ".jfr");
        try {
            recording.dump(dump);
            return new Recorded(RecordingFile.readAllEvents(dump).stream()
                    .sorted(Comparator.comparing(RecordedEvent::getStartTime)).toList());
        } finally {
            Files.delete(dump);
        }
    }
}
