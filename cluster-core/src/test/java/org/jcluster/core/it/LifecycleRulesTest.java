package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.core.it.TestCluster.await;
import static org.jcluster.core.it.TestCluster.exitOf;
import static org.jcluster.core.it.TestCluster.nextMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.ExitStatus;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.testkit.WorkerJvms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node rules 1-23 of shared/node-semantics.md, each with real worker JVMs. */
class LifecycleRulesTest {

    @Test
    void aWorkerKilledWithMessagesUnreadEndsWithoutAnErrorEvent() throws Exception {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            w.on(WorkerEvent.ERROR, errors::add);
            TestCluster.roundTrip(w, "up"); // connected and reading
            WorkerJvms.signal(w.pid(), "STOP");
            for (int i = 0; i < 16; i++) {
                w.send("unread " + i); // stays in the stopped worker's receive queue
            }
            CompletableFuture<ExitStatus> exit = exitOf(w);
            CompletableFuture<Void> disconnect = new CompletableFuture<>();
            w.on(WorkerEvent.DISCONNECT, () -> disconnect.complete(null));
            WorkerJvms.signal(w.pid(), "KILL"); // the kernel resets the channel: the worker died with bytes unread
            assertThat(await(exit)).isEqualTo(ExitStatus.ofSignal("SIGKILL"));
            await(disconnect);
            assertThat(errors).as("a killed worker's channel ends as Node's child's does: no error").isEmpty();
        }
    }

    @Test
    void rule01_roleComesFromTheEnvironment() {
        try (TestCluster t = new TestCluster("report")) {
            assertThat(t.cluster.isPrimary()).isTrue();
            @SuppressWarnings("unchecked")
            Map<String, Object> report = (Map<String, Object>) await(nextMessage(t.fork()));
            assertThat(report).containsEntry("isWorker", true).containsEntry("isPrimary", false);
        }
    }

    @Test
    void rule01_aJvmThatAWorkerStartsIsAPrimaryOfItsOwn() {
        // Node's worker deletes NODE_UNIQUE_ID so that its children are primaries (test-cluster-basic);
        // here the child inherits jcluster's variables and must still not take itself for the worker.
        try (TestCluster t = new TestCluster("spawn-jvm")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> result = (Map<String, Object>) await(nextMessage(t.fork()));
            assertThat((String) result.get("output")).contains("isPrimary=true")
                    .containsPattern("nested worker report: \\{isWorker=true, isPrimary=false, id=1,");
            assertThat(result).containsEntry("exit", 0L);
        }
    }

    @Test
    void rule01_aWorkerJvmThatAWrapperStartsWithoutExecStaysAWorker(@TempDir Path dir) throws IOException {
        // Its parent is the wrapper, not the primary, as for a worker's child; but its id is unclaimed,
        // so it is the worker (which the primary's pid check then refuses), never a stray primary.
        Path wrapper = dir.resolve("java-without-exec.sh");
        Files.writeString(wrapper, "#!/bin/sh\n'" + ProcessHandle.current().info().command().orElseThrow()
                + "' \"$@\"\nexit $?\n");
        wrapper.toFile().setExecutable(true);
        ClusterSettings settings = TestCluster.settings("unused").exec(ChildPrimaryMain.class.getName())
                .javaCommand(wrapper.toString()).args(List.of()).build();
        try (TestCluster t = new TestCluster(settings)) {
            Worker w = t.fork();
            // ChildPrimaryMain exits 2 when it finds itself a worker, and 0 after running a cluster of its own.
            assertThat(await(exitOf(w))).isEqualTo(ExitStatus.ofCode(2));
        }
    }

    @Test
    void rule02_idsStartAtOneAndAreNeverReused() {
        try (TestCluster t = new TestCluster("exit", "0")) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Worker w = t.fork();
                ids.add(w.id());
                await(exitOf(w));
            }
            assertThat(ids).containsExactly(1, 2, 3);
        }
    }

    @Test
    void rule03_forkEnvIsMergedOverThePrimaryEnvironment() {
        try (TestCluster t = new TestCluster("report")) {
            Worker w = t.cluster.fork(Map.of("JCLUSTER_TEST_NEW", "added", "PATH", "/overridden"));
            @SuppressWarnings("unchecked")
            Map<String, Object> env = (Map<String, Object>) ((Map<String, Object>) await(nextMessage(w))).get("env");
            assertThat(env).containsEntry("JCLUSTER_TEST_NEW", "added").containsEntry("PATH", "/overridden");
        }
    }

    @Test
    void rule05_eventsComeForkOnlineExitAndStatesFollow() {
        try (TestCluster t = new TestCluster("exit-after-report", "0")) {
            List<String> seen = new CopyOnWriteArrayList<>();
            t.cluster.on(ClusterEvent.FORK, w -> seen.add("fork:" + w.state()));
            t.cluster.on(ClusterEvent.ONLINE, w -> seen.add("online:" + w.state()));
            t.cluster.on(ClusterEvent.EXIT, (w, s) -> seen.add("exit:" + w.state()));
            Worker w = t.fork();
            await(exitOf(w));
            t.drainEvents();
            assertThat(seen).containsExactly("fork:NONE", "online:ONLINE", "exit:DEAD");
        }
    }

    @Test
    void rule06_forkIsEmittedAfterForkReturned() {
        try (TestCluster t = new TestCluster("idle")) {
            // fork() is called from inside an event, so the fork event cannot have run before it returned
            // unless it were emitted synchronously.
            CompletableFuture<Boolean> returnedFirst = new CompletableFuture<>();
            boolean[] returned = {false};
            t.cluster.on(ClusterEvent.FORK, w -> returnedFirst.complete(returned[0]));
            t.cluster.runOnEventThread(() -> {
                t.fork();
                returned[0] = true;
            });
            assertThat(await(returnedFirst)).isTrue();
        }
    }

    @Test
    void rule07_exitCarriesACodeOrASignalNeverBoth() {
        try (TestCluster t = new TestCluster("exit", "3")) {
            ExitStatus code = await(exitOf(t.fork()));
            assertThat(code.exitCode()).hasValue(3);
            assertThat(code.signal()).isEmpty();
        }
        try (TestCluster t = new TestCluster("hold-open")) {
            Worker w = t.fork();
            await(nextMessage(w));
            CompletableFuture<ExitStatus> exit = exitOf(w);
            w.kill("SIGKILL");
            ExitStatus killed = await(exit);
            assertThat(killed.signal()).hasValue("SIGKILL");
            assertThat(killed.exitCode()).isEmpty();
        }
    }

    /** The ways a worker can end, each checked for exactly one disconnect and one exit. */
    enum Ending { EXIT_IN_WORKER, EXTERNAL_SIGKILL, KILL_FROM_PRIMARY, DISCONNECT_FROM_PRIMARY, DISCONNECT_FROM_WORKER }

    @Test
    void rule08_disconnectAndExitFireExactlyOnceWhateverEndedTheWorker() throws Exception {
        for (Ending ending : Ending.values()) {
            String scenario = switch (ending) {
                case EXIT_IN_WORKER -> "exit-after-report";
                case DISCONNECT_FROM_WORKER -> "disconnect-self-on-message";
                default -> "echo";
            };
            try (TestCluster t = new TestCluster(scenario, "0")) {
                AtomicInteger workerDisconnects = new AtomicInteger();
                AtomicInteger workerExits = new AtomicInteger();
                AtomicInteger clusterDisconnects = new AtomicInteger();
                AtomicInteger clusterExits = new AtomicInteger();
                t.cluster.on(ClusterEvent.DISCONNECT, w -> clusterDisconnects.incrementAndGet());
                t.cluster.on(ClusterEvent.EXIT, (w, s) -> clusterExits.incrementAndGet());
                Worker w = t.fork();
                w.on(WorkerEvent.DISCONNECT, workerDisconnects::incrementAndGet);
                w.on(WorkerEvent.EXIT, s -> workerExits.incrementAndGet());
                CompletableFuture<Void> gone = TestCluster.goneOf(w);
                CompletableFuture<ExitStatus> exit = exitOf(w);
                CompletableFuture<Object> answer = nextMessage(w);
                w.send("hello"); // the disconnect-self worker disconnects on it instead of answering
                if (ending != Ending.DISCONNECT_FROM_WORKER) {
                    await(answer);
                }
                switch (ending) {
                    case EXTERNAL_SIGKILL -> new ProcessBuilder("kill", "-KILL", Long.toString(w.pid())).start().waitFor();
                    case KILL_FROM_PRIMARY -> w.kill();
                    case DISCONNECT_FROM_PRIMARY -> w.disconnect();
                    default -> { }
                }
                await(exit);
                await(gone);
                t.drainEvents();
                assertThat(List.of(workerDisconnects.get(), workerExits.get(), clusterDisconnects.get(), clusterExits.get()))
                        .as(ending.toString()).containsExactly(1, 1, 1, 1);
            }
        }
    }

    @Test
    void rule10_insideDisconnectTheWorkerIsDisconnected() {
        try (TestCluster t = new TestCluster("echo")) {
            CompletableFuture<String> inside = new CompletableFuture<>();
            t.cluster.on(ClusterEvent.DISCONNECT, w -> inside.complete(w.state() + " " + w.isConnected()));
            Worker w = t.fork();
            w.disconnect();
            assertThat(await(inside)).isEqualTo("DISCONNECTED false");
        }
    }

    @Test
    void rule10_insideTheWorkersOwnDisconnectListenerItIsDisconnected() throws Exception {
        try (TestCluster t = new TestCluster(TestCluster.settings("disconnect-listener-state").silent(true).build())) {
            Worker w = t.fork();
            await(nextMessage(w));
            w.disconnect();
            await(exitOf(w));
            String out = new String(w.process().orElseThrow().getInputStream().readAllBytes());
            assertThat(out).contains("in-disconnect state=DISCONNECTED connected=false");
        }
    }

    @Test
    void rule11_aWorkerLeavesWorkersBeforeItsLastEvent() {
        for (boolean disconnectFirst : new boolean[] {true, false}) {
            try (TestCluster t = new TestCluster("hold-open")) {
                List<String> seen = new CopyOnWriteArrayList<>();
                t.cluster.on(ClusterEvent.DISCONNECT, w -> seen.add("disconnect listed=" + t.cluster.workers().containsKey(w.id())));
                t.cluster.on(ClusterEvent.EXIT, (w, s) -> seen.add("exit listed=" + t.cluster.workers().containsKey(w.id())));
                Worker w = t.fork();
                CompletableFuture<Void> gone = TestCluster.goneOf(w);
                await(nextMessage(w));
                CompletableFuture<ExitStatus> exit = exitOf(w);
                if (disconnectFirst) {
                    CompletableFuture<Void> disconnected = new CompletableFuture<>();
                    w.once(WorkerEvent.DISCONNECT, () -> disconnected.complete(null));
                    w.disconnect(); // hold-open keeps the JVM alive after the disconnect
                    await(disconnected);
                }
                w.kill("SIGKILL");
                await(exit);
                await(gone);
                t.drainEvents();
                // Whichever came second saw the worker already gone; the first saw it still listed.
                assertThat(seen).hasSize(2);
                assertThat(seen.get(0)).endsWith("listed=true");
                assertThat(seen.get(1)).endsWith("listed=false");
            }
        }
    }

    @Test
    void rule12_exitedAfterDisconnectIsTrueAfterADisconnectFromEitherSideAndAKillInsideTheWorker() {
        for (String how : List.of("primary-disconnect", "worker-disconnect", "worker-kill")) {
            String scenario = switch (how) {
                case "worker-disconnect" -> "disconnect-self-on-message";
                case "worker-kill" -> "kill-self-on-message";
                default -> "echo";
            };
            try (TestCluster t = new TestCluster(scenario)) {
                Worker w = t.fork();
                List<Optional<Boolean>> seen = new CopyOnWriteArrayList<>();
                w.on(WorkerEvent.DISCONNECT, () -> seen.add(w.exitedAfterDisconnect()));
                CompletableFuture<Optional<Boolean>> atExit = new CompletableFuture<>();
                w.on(WorkerEvent.EXIT, s -> atExit.complete(w.exitedAfterDisconnect()));
                if (how.equals("primary-disconnect")) {
                    w.disconnect();
                    assertThat(w.exitedAfterDisconnect()).as("right after disconnect()").hasValue(true);
                } else {
                    w.send("go");
                }
                assertThat(await(atExit)).as(how).hasValue(true);
                assertThat(seen).as(how + " inside disconnect").containsExactly(Optional.of(true));
            }
        }
    }

    @Test
    void rule13_exitedAfterDisconnectIsFalseAfterExitOrKillAndUnsetBefore() throws Exception {
        try (TestCluster t = new TestCluster("exit-after-report", "5")) {
            Worker w = t.fork();
            assertThat(w.exitedAfterDisconnect()).as("before exit").isEmpty();
            await(exitOf(w));
            assertThat(w.exitedAfterDisconnect()).as("after exit(5)").hasValue(false);
        }
        try (TestCluster t = new TestCluster("hold-open")) {
            Worker external = t.fork();
            Worker primaryKilled = t.fork();
            await(nextMessage(external));
            await(nextMessage(primaryKilled));
            CompletableFuture<ExitStatus> e1 = exitOf(external);
            CompletableFuture<ExitStatus> e2 = exitOf(primaryKilled);
            new ProcessBuilder("kill", "-KILL", Long.toString(external.pid())).start().waitFor();
            primaryKilled.kill("SIGKILL");
            await(e1);
            await(e2);
            assertThat(external.exitedAfterDisconnect()).as("external SIGKILL").hasValue(false);
            assertThat(primaryKilled.exitedAfterDisconnect()).as("kill(SIGKILL) from the primary").hasValue(false);
            // What tells the two apart (not Node's: for a supervisor that respawns crashes only).
            assertThat(external.killedWith()).as("external SIGKILL").isEmpty();
            assertThat(primaryKilled.killedWith()).as("kill(\"SIGKILL\") from the primary").hasValue("SIGKILL");
            primaryKilled.kill("TERM");
            assertThat(primaryKilled.killedWith()).as("a kill() after the exit sends nothing").hasValue("SIGKILL");
        }
    }

    @Test
    void rule14_isConnectedAndIsDeadFollowTheWorkersLife() {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            assertThat(w.isConnected()).isTrue();
            assertThat(w.isDead()).isFalse();
            CompletableFuture<Boolean> deadInExit = new CompletableFuture<>();
            w.on(WorkerEvent.EXIT, s -> deadInExit.complete(w.isDead()));
            CompletableFuture<Boolean> connectedInDisconnect = new CompletableFuture<>();
            w.on(WorkerEvent.DISCONNECT, () -> connectedInDisconnect.complete(w.isConnected()));
            w.kill();
            assertThat(await(deadInExit)).isTrue();
            assertThat(await(connectedInDisconnect)).isFalse();
        }
    }

    @Test
    void rule15_disconnectReturnsTheWorkerOnBothSides() throws Exception {
        try (TestCluster t = new TestCluster(TestCluster.settings("disconnect-self").silent(true).build())) {
            Worker w = t.fork();
            await(exitOf(w));
            assertThat(new String(w.process().orElseThrow().getInputStream().readAllBytes()))
                    .contains("disconnect-returned-self=true");
        }
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            assertThat(w.disconnect()).isSameAs(w);
            await(exitOf(w));
        }
    }

    @Test
    void rule16_aGracefulDisconnectDoesNotForceTheExit() {
        try (TestCluster t = new TestCluster("outlive-disconnect")) {
            Worker w = t.fork();
            await(nextMessage(w));
            CompletableFuture<ExitStatus> exit = exitOf(w);
            w.disconnect();
            // Code 7 comes from the worker's own thread, which ran on after the disconnect.
            assertThat(await(exit).exitCode()).hasValue(7);
        }
        try (TestCluster t = new TestCluster("idle")) {
            Worker w = t.fork();
            CompletableFuture<ExitStatus> exit = exitOf(w);
            w.disconnect();
            // Nothing else keeps an idle worker alive: it ends on its own, normally.
            assertThat(await(exit).exitCode()).hasValue(0);
        }
    }

    @Test
    void rule17_aChannelCutWithoutHandshakeEndsTheWorkerAtOnceWithCodeZero() {
        try (TestCluster t = new TestCluster("hold-open")) {
            Worker w = t.fork();
            await(nextMessage(w));
            CompletableFuture<ExitStatus> exit = exitOf(w);
            t.cluster.cutChannelForTesting(w.id());
            // hold-open's non-daemon thread would keep it alive forever, were it not forced out.
            assertThat(await(exit)).isEqualTo(ExitStatus.ofCode(0));
            assertThat(w.exitedAfterDisconnect()).hasValue(false);
        }
    }

    @Test
    void unrefChannelLetsAWorkerEndWithItsProgramWhileAWorkerThatKeepsItsChannelStays() {
        try (TestCluster t = new TestCluster("idle")) {
            Worker stays = t.fork();
            await(stays.ping(Duration.ofSeconds(10))); // online, its main has returned or is about to
            t.cluster.setupPrimary(ClusterSettings.builder().args(List.of("unref-and-return")).build());
            Worker returns = t.fork();
            CompletableFuture<Void> online = new CompletableFuture<>();
            returns.once(WorkerEvent.ONLINE, () -> online.complete(null));
            CompletableFuture<ExitStatus> returned = exitOf(returns);
            t.cluster.setupPrimary(ClusterSettings.builder().args(List.of("unref-and-throw")).build());
            Worker fails = t.fork();
            CompletableFuture<ExitStatus> failed = exitOf(fails);
            await(online); // it joined the cluster: its own main ended it, not a missing Cluster.get()
            assertThat(await(returned)).as("main returned with the channel unref'd").isEqualTo(ExitStatus.ofCode(0));
            assertThat(await(failed)).as("main threw with the channel unref'd, as a lone JVM would")
                    .isEqualTo(ExitStatus.ofCode(1));
            assertThat(returns.exitedAfterDisconnect()).as("nobody disconnected it").hasValue(false);
            // The idle worker's main returned long before: its channel alone keeps it alive and answering.
            assertThat(stays.isDead()).isFalse();
            assertThat(stays.isConnected()).isTrue();
            assertThat(await(stays.ping(Duration.ofSeconds(10))).roundTrip()).isPositive();
            assertThatThrownBy(t.cluster::unrefChannel).as("in the primary").isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("for a worker");
        }
    }

    @Test
    void rule18_aDisconnectStartedInTheWorkerIsAcknowledgedBeforeTheChannelCloses() {
        try (TestCluster t = new TestCluster("disconnect-self-on-message")) {
            Worker w = t.fork();
            CompletableFuture<Optional<Boolean>> inDisconnect = new CompletableFuture<>();
            w.on(WorkerEvent.DISCONNECT, () -> inDisconnect.complete(w.exitedAfterDisconnect()));
            w.send("go");
            assertThat(await(inDisconnect)).hasValue(true);
            assertThat(await(exitOf(w)).exitCode()).hasValue(0);
        }
    }

    @Test
    void rule19_clusterDisconnectCallbackIsAsynchronousEvenWithNoWorkers() {
        try (TestCluster t = new TestCluster("idle")) {
            boolean[] returned = {false};
            CompletableFuture<Boolean> ranAfterReturn = new CompletableFuture<>();
            t.cluster.runOnEventThread(() -> {
                t.cluster.disconnect(() -> ranAfterReturn.complete(returned[0]));
                returned[0] = true;
            });
            assertThat(await(ranAfterReturn)).isTrue();
        }
    }

    @Test
    void rule19_clusterDisconnectWaitsForEveryWorkerWorksBeforeOnlineAndAllowsForkingAgain() {
        try (TestCluster t = new TestCluster("echo")) {
            Worker early = t.fork(); // not online yet when disconnect() is called
            Worker already = t.fork();
            CompletableFuture<Void> alreadyDisconnected = new CompletableFuture<>();
            already.once(WorkerEvent.DISCONNECT, () -> alreadyDisconnected.complete(null));
            already.disconnect();
            await(alreadyDisconnected);
            AtomicInteger calls = new AtomicInteger();
            CompletableFuture<Integer> callback = new CompletableFuture<>();
            t.cluster.disconnect(() -> callback.complete(calls.incrementAndGet()));
            assertThat(await(callback)).isEqualTo(1);
            assertThat(early.isDead()).isTrue();
            assertThat(already.isDead()).isTrue();
            assertThat(t.cluster.workers()).isEmpty();
            t.drainEvents();
            assertThat(calls).hasValue(1);

            Worker again = t.fork();
            again.send("after disconnect");
            assertThat(await(nextMessage(again))).isEqualTo("after disconnect");
        }
    }

    /** A send racing a disconnect: refused at once (IllegalStateException) once the channel is closed. */
    private static void sendUnlessClosed(Worker w, String message) {
        try {
            w.send(message);
        } catch (IllegalStateException refused) {
            assertThat(w.isConnected()).as("a send refused while connected: %s", refused).isFalse();
        }
    }

    @Test
    void rule20_racingDisconnectsAndKillsEndCleanlyAndTheClusterCarriesOn() throws Exception {
        try (TestCluster t = new TestCluster("echo")) {
            int n = 6;
            List<Worker> workers = new ArrayList<>();
            List<CompletableFuture<ExitStatus>> exits = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Worker w = t.fork();
                workers.add(w);
                exits.add(exitOf(w));
            }
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            workers.forEach(w -> w.on(WorkerEvent.ERROR, errors::add));
            List<Thread> racers = new ArrayList<>();
            List<Throwable> thrown = new CopyOnWriteArrayList<>();
            for (int r = 0; r < 3; r++) {
                int seed = r;
                Thread racer = new Thread(() -> {
                    try {
                        for (int i = 0; i < n; i++) {
                            Worker w = workers.get((i + seed) % n);
                            sendUnlessClosed(w, "racing");
                            if ((i + seed) % 2 == 0) {
                                w.disconnect();
                            } else {
                                w.kill();
                            }
                            sendUnlessClosed(w, "after");
                            t.cluster.disconnect();
                        }
                    } catch (Throwable e) {
                        thrown.add(e);
                    }
                });
                racers.add(racer);
                racer.start();
            }
            for (Thread racer : racers) {
                racer.join(WorkerJvms.DEADLINE.toMillis());
            }
            assertThat(thrown).isEmpty();
            for (CompletableFuture<ExitStatus> exit : exits) {
                await(exit);
            }
            assertThat(errors).allSatisfy(e -> assertThat(e).isInstanceOf(java.io.IOException.class));
            Worker after = t.fork();
            after.send("still working");
            assertThat(await(nextMessage(after))).isEqualTo("still working");
        }
    }

    @Test
    void rule21_killIsSafeInAnyState() {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            w.disconnect();
            w.kill();
            w.kill("SIGKILL");
            await(exitOf(w));
            w.kill();
            w.kill("SIGTERM");
            w.disconnect();
            assertThat(w.isDead()).isTrue();
        }
    }

    @Test
    void rule22_killSendsSigtermByDefaultAndTakesSignalNamesEvenForABusyWorker() {
        try (TestCluster t = new TestCluster("busy-loop")) {
            Worker busy = t.fork();
            await(nextMessage(busy));
            CompletableFuture<ExitStatus> exit = exitOf(busy);
            busy.kill();
            assertThat(await(exit)).isEqualTo(ExitStatus.ofSignal("SIGTERM"));

            Worker other = t.fork();
            await(nextMessage(other));
            CompletableFuture<ExitStatus> exit2 = exitOf(other);
            other.kill("KILL");
            assertThat(await(exit2)).isEqualTo(ExitStatus.ofSignal("SIGKILL"));

            assertThatThrownBy(() -> other.kill("SIGNOPE")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("SIGNOPE");
        }
    }

    @Test
    void rule23_aSignalIsReportedAsTheSignalAndExit143AsACode() {
        try (TestCluster t = new TestCluster("exit-after-report", "143")) {
            assertThat(await(exitOf(t.fork()))).isEqualTo(ExitStatus.ofCode(143));
        }
        try (TestCluster t = new TestCluster("hold-open")) {
            Worker w = t.fork();
            await(nextMessage(w));
            CompletableFuture<ExitStatus> exit = exitOf(w);
            w.kill("SIGTERM");
            assertThat(await(exit)).isEqualTo(ExitStatus.ofSignal("SIGTERM"));
        }
    }
}
