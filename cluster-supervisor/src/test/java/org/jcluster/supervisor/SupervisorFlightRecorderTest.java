package org.jcluster.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.jcluster.supervisor.SupervisorRespawnTest.readyWorkers;
import static org.jcluster.supervisor.SupervisorRespawnTest.stop;
import static org.jcluster.testkit.WorkerJvms.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.Worker;
import org.jcluster.testkit.WorkerJvms;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The supervisor's JFR events (docs/observability.md), recorded in this test JVM, the primary, while it
 * supervises real worker JVMs running {@link TestWorkerMain}, then read back from the dumped recording
 * and compared with the supervisor's own typed events.
 */
class SupervisorFlightRecorderTest {
    private static final Cluster cluster = Cluster.get();
    private static final List<String> EVENTS = List.of("jcluster.RespawnScheduled", "jcluster.CrashLoop",
            "jcluster.ShutdownStarted", "jcluster.ShutdownDone", "jcluster.ReloadStarted", "jcluster.ReloadStep",
            "jcluster.ReloadDone", "jcluster.ReloadRolledBack", "jcluster.Unresponsive", "jcluster.Recycled");

    @BeforeAll
    static void workersRunTestWorkerMain() {
        cluster.setupPrimary(WorkerJvms.running(TestWorkerMain.class).build());
    }

    @Test
    void aReloadIsRecordedAsStartedStepsAndDoneAndOneWhoseReplacementCannotStartAsRolledBack() throws Exception {
        Supervisor supervisor = Supervisor.create(cluster, TestSupervisorSettings.inThisJvm().workers(2).crashLoopExits(0).build());
        List<RecordedEvent> events;
        ReloadReport done;
        ReloadReport rolledBack;
        try (Recording recording = supervisorRecording(); Timeline t = new Timeline(cluster).watch(supervisor)) {
            recording.start();
            supervisor.start();
            readyWorkers(t, 2);
            done = await(supervisor.reload(), "the first reload's report");
            assertThat(done.done()).as(done.message()).isTrue();
            cluster.setupPrimary(ClusterSettings.builder().args(List.of("exit-before-joining", "3")).build());
            rolledBack = await(supervisor.reload(), "the second reload's report");
            assertThat(rolledBack.outcome()).as(rolledBack.message()).isEqualTo(ReloadReport.Outcome.ROLLED_BACK);
            events = stopAndRead(recording);
        } finally {
            cluster.setupPrimary(ClusterSettings.builder().args(List.of()).build());
            stop(supervisor);
        }

        assertThat(events).extracting(e -> e.getEventType().getName()).containsExactly("jcluster.ReloadStarted",
                "jcluster.ReloadStep", "jcluster.ReloadStep", "jcluster.ReloadDone", "jcluster.ReloadStarted",
                "jcluster.ReloadRolledBack");
        assertThat(events).allSatisfy(e ->
                assertThat(e.getEventType().getCategoryNames()).containsExactly("jcluster", "Supervisor"));
        assertThat(named(events, "jcluster.ReloadStarted")).extracting(e -> e.getInt("reload"), e -> e.getInt("workers"))
                .containsExactly(tuple(1, 2), tuple(2, 2));

        List<RecordedEvent> steps = named(events, "jcluster.ReloadStep");
        for (int i = 0; i < 2; i++) {
            ReloadStep expected = done.steps().get(i);
            RecordedEvent step = steps.get(i);
            assertThat(step.getInt("reload")).isEqualTo(1);
            assertThat(step.getInt("replacedId")).isEqualTo(expected.replaced().id());
            assertThat(step.getLong("replacedPid")).isEqualTo(expected.replaced().pid());
            assertThat(step.getInt("replacementId")).isEqualTo(expected.replacement().id());
            assertThat(step.getLong("replacementPid")).isEqualTo(expected.replacement().pid());
            assertThat(step.getDuration("readyAfter")).isEqualTo(expected.readyAfter()).isPositive();
            assertThat(step.getDuration("took")).isEqualTo(expected.took());
        }
        RecordedEvent reloadDone = named(events, "jcluster.ReloadDone").get(0);
        assertThat(reloadDone.getInt("reload")).isEqualTo(1);
        assertThat(reloadDone.getInt("steps")).isEqualTo(2);
        assertThat(reloadDone.getDuration("took")).isEqualTo(done.took());
        RecordedEvent reloadRolledBack = named(events, "jcluster.ReloadRolledBack").get(0);
        assertThat(reloadRolledBack.getInt("reload")).isEqualTo(2);
        assertThat(reloadRolledBack.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(reloadRolledBack.getInt("steps")).isZero();
        assertThat(reloadRolledBack.getString("message")).isEqualTo(rolledBack.message()).contains("(code 3)");
    }

    @Test
    void aCrashLoopIsRecordedAfterItsRespawnsAndBeforeTheShutdownItCauses() throws Exception {
        SupervisorSettings settings = TestSupervisorSettings.inThisJvm().workers(1).restartDelay(Duration.ofMillis(50))
                .crashLoopExits(3).crashLoopWindow(Duration.ofSeconds(30)).build();
        Supervisor supervisor = Supervisor.create(cluster, settings);
        List<RecordedEvent> events;
        List<Worker> crashed = new ArrayList<>();
        CrashLoop loop;
        ShutdownReport report;
        try (Recording recording = supervisorRecording(); Timeline t = new Timeline(cluster).watch(supervisor)) {
            recording.start();
            supervisor.start();
            Worker w = readyWorkers(t, 1).get(0);
            for (int crash = 1; crash <= 3; crash++) {
                w.send("exit 7");
                crashed.add(w);
                if (crash < 3) {
                    Worker previous = w;
                    w = ((Respawned) t.await("respawned", s -> ((Respawned) s.detail()).previous() == previous).detail())
                            .worker();
                    t.await("message", w); // its "ready"
                }
            }
            report = await(supervisor.whenDone(), "the crash loop's shutdown");
            loop = (CrashLoop) t.await("crash-loop", (Worker) null).detail();
            events = stopAndRead(recording);
        } finally {
            stop(supervisor);
        }
        assertThat(report.reason()).isEqualTo(ShutdownReason.CRASH_LOOP);

        assertThat(events).extracting(e -> e.getEventType().getName()).containsExactly("jcluster.RespawnScheduled",
                "jcluster.RespawnScheduled", "jcluster.CrashLoop", "jcluster.ShutdownStarted", "jcluster.ShutdownDone");
        List<RecordedEvent> respawns = named(events, "jcluster.RespawnScheduled");
        for (int i = 0; i < 2; i++) {
            RecordedEvent respawn = respawns.get(i);
            assertThat(respawn.getInt("workerId")).isEqualTo(crashed.get(i).id());
            assertThat(respawn.getLong("pid")).isEqualTo(crashed.get(i).pid());
            assertThat(respawn.getInt("exitCode")).isEqualTo(7);
            assertThat(respawn.getString("signal")).isNull();
            assertThat(respawn.getInt("attempt")).isEqualTo(i + 1);
            assertThat(respawn.getDuration("delay")).isEqualTo(settings.restartDelayAfter(i + 1));
        }
        RecordedEvent crashLoop = named(events, "jcluster.CrashLoop").get(0);
        assertThat(crashLoop.getInt("exits")).isEqualTo(3);
        assertThat(crashLoop.getInt("limit")).isEqualTo(3);
        assertThat(crashLoop.getDuration("window")).isEqualTo(Duration.ofSeconds(30));
        assertThat(crashLoop.getString("statuses")).isEqualTo(String.join(", ", crashed.stream()
                .map(w -> "worker " + w.id() + " (pid " + w.pid() + "): code 7").toList()));
        assertThat(crashLoop.getString("message")).isEqualTo(loop.message());
        RecordedEvent started = named(events, "jcluster.ShutdownStarted").get(0);
        assertThat(started.getString("reason")).isEqualTo("CRASH_LOOP");
        assertThat(started.getDuration("deadline")).isEqualTo(settings.shutdownTimeout());
        assertThat(started.getInt("workers")).as("the last worker had crashed: none left to disconnect").isZero();
        RecordedEvent shutdownDone = named(events, "jcluster.ShutdownDone").get(0);
        assertThat(shutdownDone.getString("reason")).isEqualTo("CRASH_LOOP");
        assertThat(shutdownDone.getInt("exitStatus")).isEqualTo(1);
        assertThat(shutdownDone.getInt("killed")).isZero();
        assertThat(shutdownDone.getInt("leftInTime")).isZero();
        assertThat(shutdownDone.getDuration("took")).isEqualTo(report.took());
        assertThat(shutdownDone.getString("message")).isEqualTo(report.message());
    }

    @Test
    void anUnresponsiveWorkerAndARecycledOneAreRecorded() throws Exception {
        Supervisor supervisor = Supervisor.create(cluster, TestSupervisorSettings.inThisJvm().workers(2).crashLoopExits(0)
                .pingInterval(Duration.ofMillis(200)).pingTimeout(Duration.ofSeconds(1)).replaceUnresponsive(false)
                .recycleConnections(5).recycleJitter(0).build());
        List<RecordedEvent> events;
        Worker hung;
        Recycled recycled;
        try (Recording recording = supervisorRecording(); Timeline t = new Timeline(cluster).watch(supervisor)) {
            recording.start();
            supervisor.start();
            List<Worker> w = readyWorkers(t, 2);
            hung = w.get(0);
            hung.send("block");
            w.get(1).send("count 5");
            t.await("unresponsive", hung);
            recycled = (Recycled) t.await("recycled", w.get(1)).detail();
            events = stopAndRead(recording);
        } finally {
            stop(supervisor);
        }

        List<RecordedEvent> unresponsive = named(events, "jcluster.Unresponsive");
        assertThat(unresponsive).hasSize(1);
        assertThat(unresponsive.get(0).getInt("workerId")).isEqualTo(hung.id());
        assertThat(unresponsive.get(0).getLong("pid")).isEqualTo(hung.pid());
        assertThat(unresponsive.get(0).getDuration("timeout")).isEqualTo(Duration.ofSeconds(1));
        assertThat(unresponsive.get(0).getBoolean("replacing")).isFalse();
        List<RecordedEvent> recycles = named(events, "jcluster.Recycled");
        assertThat(recycles).hasSize(1);
        RecordedEvent r = recycles.get(0);
        assertThat(r.getInt("replacedId")).isEqualTo(recycled.replaced().id());
        assertThat(r.getLong("replacedPid")).isEqualTo(recycled.replaced().pid());
        assertThat(r.getInt("replacementId")).isEqualTo(recycled.replacement().id());
        assertThat(r.getLong("replacementPid")).isEqualTo(recycled.replacement().pid());
        assertThat(r.getString("reason")).isEqualTo("CONNECTIONS");
        assertThat(r.getLong("value")).isEqualTo(5);
        assertThat(r.getLong("limit")).isEqualTo(5);
    }

    /** A recording of every supervisor event. */
    private static Recording supervisorRecording() {
        Recording recording = new Recording();
        EVENTS.forEach(recording::enable);
        return recording;
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    /** Stops the recording and reads its jcluster events back from a dump, in time order; the dump is deleted. */
    private static List<RecordedEvent> stopAndRead(Recording recording) throws IOException {
        recording.stop();
        Path dump = Files.createTempFile("jcluster-test-", ".jfr");
        try {
            recording.dump(dump);
            return RecordingFile.readAllEvents(dump).stream().filter(e -> EVENTS.contains(e.getEventType().getName()))
                    .sorted(Comparator.comparing(RecordedEvent::getStartTime)).toList();
        } finally {
            Files.delete(dump);
        }
    }
}
