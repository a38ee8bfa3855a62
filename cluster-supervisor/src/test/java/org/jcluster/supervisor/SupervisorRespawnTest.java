package org.jcluster.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.jcluster.testkit.WorkerJvms.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.ExitStatus;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.supervisor.Timeline.Seen;
import org.jcluster.testkit.WorkerJvms;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Respawn, backoff and what is not respawned, with this test JVM as the primary ({@code Cluster.get()},
 * one per JVM: each test supervises it in turn and shuts its supervisor down) and real worker JVMs
 * running {@link TestWorkerMain}. Times are the event listeners' {@link System#nanoTime()}: a respawn is
 * measured from the moment the worker's exit was delivered to the moment its replacement was forked.
 */
class SupervisorRespawnTest {
    private static final Cluster cluster = Cluster.get();

    @BeforeAll
    static void workersRunTestWorkerMain() {
        cluster.setupPrimary(WorkerJvms.running(TestWorkerMain.class).build());
    }

    @Test
    void aWorkerKilledFromOutsideIsRespawnedAfterAtLeastItsBackoff() throws Exception {
        Duration delay = Duration.ofMillis(400);
        Supervisor supervisor = Supervisor.create(cluster, TestSupervisorSettings.inThisJvm()
                .workers(2).restartDelay(delay).crashLoopExits(0).build());
        try (Timeline t = new Timeline(cluster).watch(supervisor)) {
            supervisor.start();
            List<Worker> first = readyWorkers(t, 2);
            Worker victim = first.get(0);
            assertThat(await(supervisor.workers(), "the supervisor's snapshot"))
                    .extracting(s -> s.worker().orElseThrow(), SupervisedWorker::restarts)
                    .containsExactlyInAnyOrder(tuple(first.get(0), 0), tuple(first.get(1), 0));

            WorkerJvms.signal(victim.pid(), "KILL"); // as the kernel's OOM killer would
            Seen exit = t.await("exit", victim);
            assertThat(exit.detail()).isEqualTo(ExitStatus.ofSignal("SIGKILL"));
            RespawnScheduled scheduled = (RespawnScheduled) t.await("respawn-scheduled", victim).detail();
            assertThat(scheduled.attempt()).isEqualTo(1);
            assertThat(scheduled.delay()).isEqualTo(delay);
            assertThat(scheduled.status()).isEqualTo(ExitStatus.ofSignal("SIGKILL"));
            Respawned respawned = (Respawned) t.await("respawned", s -> ((Respawned) s.detail()).previous() == victim).detail();
            Seen fork = t.await("fork", respawned.worker());
            assertThat(Duration.ofNanos(fork.nanos() - exit.nanos())).as("from the exit to the replacement's fork")
                    .isGreaterThanOrEqualTo(delay);
            t.await("message", respawned.worker()); // the replacement is up and talks
            assertThat(cluster.workers().values()).containsExactlyInAnyOrder(first.get(1), respawned.worker());
            assertThat(await(supervisor.workers(), "the supervisor's snapshot"))
                    .extracting(s -> s.worker().orElseThrow(), SupervisedWorker::restarts)
                    .containsExactlyInAnyOrder(tuple(first.get(1), 0), tuple(respawned.worker(), 1));

            ShutdownReport report = await(supervisor.shutdown(Duration.ofSeconds(20)), "the shutdown's report");
            assertThat(report.exitStatus()).isZero();
            assertThat(report.reason()).isEqualTo(ShutdownReason.CALL);
            assertThat(report.killed()).isEmpty();
            assertThat(report.leftInTime()).extracting(WorkerExit::worker)
                    .containsExactlyInAnyOrder(first.get(1), respawned.worker());
            assertThat(cluster.workers()).isEmpty();
        } finally {
            stop(supervisor);
        }
    }

    @Test
    void theBackoffGrowsWithEachCrashInARowAndIsForgottenOnceAWorkerStaysUp() throws Exception {
        Duration first = Duration.ofMillis(200);
        Duration stable = Duration.ofMillis(1500);
        Supervisor supervisor = Supervisor.create(cluster, TestSupervisorSettings.inThisJvm()
                .workers(1).restartDelay(first).restartDelayFactor(2).restartDelayMax(Duration.ofMillis(500))
                .stableAfter(stable).crashLoopExits(0).build());
        try (Timeline t = new Timeline(cluster).watch(supervisor)) {
            supervisor.start();
            // Three crashes in a row, each as soon as the worker is up: 200 ms, 400 ms, then 800 capped to 500.
            List<RespawnScheduled> plans = new ArrayList<>();
            Worker w = readyWorkers(t, 1).get(0);
            for (int crash = 1; crash <= 3; crash++) {
                w.send("exit 3");
                Seen exit = t.await("exit", w);
                RespawnScheduled plan = (RespawnScheduled) t.await("respawn-scheduled", w).detail();
                plans.add(plan);
                Worker previous = w;
                w = ((Respawned) t.await("respawned", s -> ((Respawned) s.detail()).previous() == previous).detail()).worker();
                assertThat(Duration.ofNanos(t.await("fork", w).nanos() - exit.nanos()))
                        .as("crash " + crash + ": from the exit to the replacement's fork").isGreaterThanOrEqualTo(plan.delay());
                t.await("message", w);
            }
            assertThat(plans).extracting(RespawnScheduled::delay)
                    .containsExactly(first, Duration.ofMillis(400), Duration.ofMillis(500));
            assertThat(plans).extracting(RespawnScheduled::attempt).containsExactly(1, 2, 3);
            assertThat(plans).extracting(RespawnScheduled::status).containsOnly(ExitStatus.ofCode(3));

            // The fourth worker stays up for the stable period: the slot's three crashes are forgotten...
            Worker steady = w;
            Seen reset = t.await("backoff-reset", steady);
            BackoffReset forgotten = (BackoffReset) reset.detail();
            assertThat(forgotten.forgottenCrashes()).isEqualTo(3);
            assertThat(Duration.ofNanos(reset.nanos() - t.await("online", steady).nanos())).isGreaterThanOrEqualTo(stable);
            assertThat(forgotten.uptime()).isGreaterThanOrEqualTo(stable);

            // ...so its crash is respawned after the first delay again.
            steady.send("exit 3");
            Seen exit = t.await("exit", steady);
            RespawnScheduled again = (RespawnScheduled) t.await("respawn-scheduled", steady).detail();
            assertThat(again.attempt()).isEqualTo(1);
            assertThat(again.delay()).isEqualTo(first);
            Worker next = ((Respawned) t.await("respawned", s -> ((Respawned) s.detail()).previous() == steady).detail()).worker();
            assertThat(Duration.ofNanos(t.await("fork", next).nanos() - exit.nanos())).isGreaterThanOrEqualTo(first);
            t.await("message", next);
            assertThat(t.all("backoff-reset")).hasSize(1);

            assertThat(await(supervisor.shutdown(Duration.ofSeconds(20)), "the shutdown's report").exitStatus()).isZero();
        } finally {
            stop(supervisor);
        }
    }

    @Test
    void aWorkerTheUserDisconnectsOrKillsIsNotRespawnedWhileOneKilledFromOutsideIs() throws Exception {
        Duration delay = Duration.ofMillis(300);
        Supervisor supervisor = Supervisor.create(cluster, TestSupervisorSettings.inThisJvm()
                .workers(4).restartDelay(delay).crashLoopExits(0).build());
        try (Timeline t = new Timeline(cluster).watch(supervisor)) {
            supervisor.start();
            List<Worker> w = readyWorkers(t, 4);

            w.get(0).disconnect();
            Retired disconnected = (Retired) t.await("retired", w.get(0)).detail();
            assertThat(disconnected.reason()).isEqualTo(Retired.Reason.DISCONNECTED);

            w.get(1).kill(); // SIGTERM
            Retired killed = (Retired) t.await("retired", w.get(1)).detail();
            assertThat(killed.reason()).isEqualTo(Retired.Reason.STOP_SIGNAL);
            assertThat(killed.status()).isEqualTo(ExitStatus.ofSignal("SIGTERM"));

            w.get(2).kill("SIGKILL"); // by this program: Worker.killedWith tells it from the OOM killer's
            Retired forGood = (Retired) t.await("retired", w.get(2)).detail();
            assertThat(forGood.reason()).isEqualTo(Retired.Reason.KILLED);
            assertThat(forGood.status()).isEqualTo(ExitStatus.ofSignal("SIGKILL"));

            // The control: the same supervisor replaces a worker SIGKILLed from outside. Any respawn wrongly
            // scheduled for the three above had the same delay and an earlier start, so it would have been
            // forked before this replacement.
            WorkerJvms.signal(w.get(3).pid(), "KILL");
            Worker replacement = ((Respawned) t.await("respawned", s -> ((Respawned) s.detail()).previous() == w.get(3))
                    .detail()).worker();
            t.await("message", replacement);
            assertThat(t.all("respawn-scheduled")).extracting(Seen::worker).containsExactly(w.get(3));
            assertThat(t.all("fork")).hasSize(5);
            assertThat(cluster.workers().values()).containsExactly(replacement);

            ShutdownReport report = await(supervisor.shutdown(Duration.ofSeconds(20)), "the shutdown's report");
            assertThat(report.leftInTime()).extracting(WorkerExit::worker).containsExactly(replacement);
            assertThat(report.exitStatus()).isZero();
        } finally {
            stop(supervisor);
        }
    }

    @Test
    void aWorkerThatCannotBeForkedStopsTheServiceWithStatus1() {
        String java = cluster.settings().javaCommand().orElseThrow();
        cluster.setupPrimary(ClusterSettings.builder().javaCommand("/nonexistent/bin/java").build());
        Supervisor supervisor = Supervisor.create(cluster, TestSupervisorSettings.inThisJvm().workers(2).build());
        try (Timeline t = new Timeline(cluster).watch(supervisor)) {
            supervisor.start();
            ShutdownReport report = await(supervisor.whenDone(), "the shutdown's report");
            assertThat(report.reason()).isEqualTo(ShutdownReason.FORK_FAILED);
            assertThat(report.exitStatus()).isEqualTo(1);
            assertThat(report.message()).startsWith("A worker could not be forked: Could not start worker ")
                    .contains("/nonexistent/bin/java");
            assertThat(((ShutdownStarted) t.await("shutdown-started", (Worker) null).detail()).workers())
                    .as("the first fork failed: no worker to disconnect").isEmpty();
            assertThat(t.all("fork")).isEmpty();
        } finally {
            cluster.setupPrimary(ClusterSettings.builder().javaCommand(java).build());
            stop(supervisor);
        }
    }

    /** The first {@code n} workers to say "ready", in the order they did. */
    static List<Worker> readyWorkers(Timeline t, int n) {
        List<Worker> ready = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ready.add(t.await("message", s -> "ready".equals(s.detail()) && !ready.contains(s.worker())).worker());
        }
        return ready;
    }

    /** After the test, failed or not: no supervisor at work, no worker left. */
    static void stop(Supervisor supervisor) {
        await(supervisor.shutdown(Duration.ZERO), "the final shutdown");
        List<CompletableFuture<Void>> exits = new ArrayList<>();
        for (Worker w : List.copyOf(cluster.workers().values())) {
            CompletableFuture<Void> exit = new CompletableFuture<>();
            w.once(WorkerEvent.EXIT, (Consumer<ExitStatus>) status -> exit.complete(null));
            if (w.isDead()) {
                exit.complete(null);
            }
            w.kill("SIGKILL");
            exits.add(exit);
        }
        exits.forEach(e -> await(e, "a leftover worker's exit"));
    }
}
