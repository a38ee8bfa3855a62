package org.jcluster.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.jcluster.testkit.WorkerJvms;

/**
 * Rolling reload, hung workers and recycling, each in a primary JVM of its own ({@link SupervisedMain})
 * driven as an operator would: SIGHUP to reload, SIGTERM to end, the settings as system properties. The
 * test reads the primary's event lines, and talks HTTP or its line protocol to the workers over loopback.
 */
class SupervisorReloadTest {

    @ParameterizedTest(name = "policy {0}, batch {1}, surge {2}")
    @CsvSource({"rr, 1, 1", "none, 1, 1", "rr, 2, 0"})
    void aReloadOfFourWorkersUnderHttpLoadFailsNoRequest(String policy, int batch, int surge) throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of("JCLUSTER_SCHED_POLICY", policy), List.of(
                "-Djcluster.supervisor.workers=4", "-Djcluster.supervisor.drain.timeout=20s",
                "-Djcluster.supervisor.reload.batch=" + batch, "-Djcluster.supervisor.reload.surge=" + surge), "http")) {
            int port = primary.sharedPort(4);
            long duringReload;
            try (HttpLoad load = new HttpLoad(port, 2, 2)) {
                load.awaitAnswered(200);
                long before = load.answered();
                WorkerJvms.signal(primary.pid(), "HUP");
                assertThat(primary.awaitLine("event reload-started ")).isEqualTo("event reload-started 1 1,2,3,4");
                assertThat(primary.awaitLine("event reload-done ")).isEqualTo("event reload-done 1 4");
                duringReload = load.answered() - before;
                load.awaitAnswered(load.answered() + 100); // the new workers serve
                assertThat(load.failures()).as("requests that failed during the reload").isEmpty();
            }
            assertThat(duringReload).as("requests answered during the reload").isPositive();
            WorkerJvms.signal(primary.pid(), "TERM");
            List<String> lines = primary.awaitExit();
            assertThat(primary.process.exitValue()).as("exit status; it printed %s", lines).isZero();
            Map<Integer, Integer> replacementOf = new java.util.HashMap<>(); // "event reload-step <old> <new>"
            lines.stream().filter(l -> l.startsWith("event reload-step ")).map(l -> l.split(" "))
                    .forEach(w -> replacementOf.put(Integer.parseInt(w[2]), Integer.parseInt(w[3])));
            if (batch == 2) {
                // Without surge a batch's old workers leave first, each replaced as it goes, in whichever order.
                assertThat(Map.of(1, replacementOf.get(1), 2, replacementOf.get(2))).containsValues(5, 6);
                assertThat(Map.of(3, replacementOf.get(3), 4, replacementOf.get(4))).containsValues(7, 8);
                for (int old = 1; old <= 4; old++) {
                    assertThat(indexOf(lines, "exit " + old + " ")).as("worker %d leaves before its replacement listens", old)
                            .isLessThan(indexOf(lines, "listening " + replacementOf.get(old) + " "));
                }
                assertThat(Math.max(indexOf(lines, "listening 5 "), indexOf(lines, "listening 6 ")))
                        .as("the second batch starts after the first").isLessThan(indexOf(lines, "exit 3 "));
                return;
            }
            assertThat(replacementOf).containsExactlyInAnyOrderEntriesOf(Map.of(1, 5, 2, 6, 3, 7, 4, 8));
            for (int old = 1; old <= 4; old++) {
                assertThat(lines).as("told before it is let go, while still connected")
                        .contains("event leaving " + old + " slot " + (old - 1) + " reloaded connected true");
            }
            // One at a time: each old worker leaves only after its replacement listens, before the next is forked.
            for (int old = 1; old <= 4; old++) {
                int replacement = old + 4;
                assertThat(indexOf(lines, "listening " + replacement + " ")).as("worker %d listens", replacement)
                        .isLessThan(indexOf(lines, "exit " + old + " "));
                if (old < 4) {
                    assertThat(indexOf(lines, "exit " + old + " ")).as("worker %d leaves before the next replacement", old)
                            .isLessThan(indexOf(lines, "listening " + (replacement + 1) + " "));
                }
            }
        }
    }

    @Test
    void aReplacementThatCrashesAfterItWasReadyIsRespawnedAndTheReloadStillEndsWhenTheOldWorkerLeaves() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=1",
                "-Djcluster.supervisor.restart.delay=50ms"), "second-crashes-after-listening")) {
            int port = primary.sharedPort(1);
            try (Socket held = new Socket(InetAddress.getLoopbackAddress(), port)) {
                held.setSoTimeout((int) WorkerJvms.DEADLINE.toMillis());
                BufferedReader in = new BufferedReader(new InputStreamReader(held.getInputStream(), StandardCharsets.US_ASCII));
                held.getOutputStream().write("request\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).isEqualTo("working 1"); // worker 1 drains until this request is done
                WorkerJvms.signal(primary.pid(), "HUP");
                assertThat(primary.awaitLine("exit 2 ")).isEqualTo("exit 2 code 5");
                assertThat(primary.awaitLine("event respawn-scheduled ")).startsWith("event respawn-scheduled 2 code 5 attempt=1");
                assertThat(primary.awaitLine("event respawned ")).isEqualTo("event respawned 2 3");
                held.getOutputStream().write("finish\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).isEqualTo("done 1");
            }
            assertThat(primary.awaitLine("event reload-done ")).isEqualTo("event reload-done 1 1");
            // Its own port: once worker 1 left and worker 2 crashed, nothing listened on the first (port 0 binds anew).
            int newPort = Integer.parseInt(primary.awaitLine("listening 3 ").split(" ")[2]);
            assertThat(request(newPort)).isEqualTo("done 3");
            WorkerJvms.signal(primary.pid(), "TERM");
            List<String> lines = primary.awaitExit();
            assertThat(lines).contains("event reload-step 1 2", "exit 1 code 0");
            assertThat(primary.process.exitValue()).as("exit status; it printed %s", lines).isZero();
        }
    }

    @Test
    void aReloadWhoseNewWorkersCannotStartRollsBackAndTheOldOnesStillAnswer() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=2"),
                "crash-after-first-two")) {
            int port = primary.sharedPort(2);
            WorkerJvms.signal(primary.pid(), "HUP");
            String rolledBack = primary.awaitLine("event reload-rolled-back ");
            assertThat(rolledBack).startsWith("event reload-rolled-back 1 ROLLED_BACK Reload 1 rolled back after 0 of 2"
                    + " replacements: worker 3 (pid ").contains("), replacing worker 1, exited (code 3) before it was ready")
                    .endsWith("the workers not yet replaced keep serving. Its standard error usually says why.");
            for (int i = 0; i < 4; i++) {
                assertThat(request(port)).matches("done [12]");
            }
            WorkerJvms.signal(primary.pid(), "TERM");
            List<String> lines = primary.awaitExit();
            assertThat(primary.process.exitValue()).as("exit status; it printed %s", lines).isZero();
            assertThat(lines).as("nothing forked after the failed replacement").noneMatch(l -> l.startsWith("exit 4 "));
            assertThat(lines).noneMatch(l -> l.startsWith("event respawn"));
        }
    }

    @Test
    void withReadySignalAReplacementMustSignalAndAReloadAskedDuringAnotherWaitsForIt() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=2",
                "-Djcluster.supervisor.ready.signal=true", "-Dtest.signal.ready=true"), "serve")) {
            primary.sharedPort(2);
            WorkerJvms.signal(primary.pid(), "HUP");
            primary.awaitLine("event reload-started 1 ");
            WorkerJvms.signal(primary.pid(), "HUP"); // while the first runs
            assertThat(primary.awaitLine("event reload-done ")).isEqualTo("event reload-done 1 2");
            assertThat(primary.awaitLine("event reload-started ")).isEqualTo("event reload-started 2 3,4");
            assertThat(primary.awaitLine("event reload-done ")).isEqualTo("event reload-done 2 2");
            WorkerJvms.signal(primary.pid(), "TERM");
            List<String> lines = primary.awaitExit();
            assertThat(lines).filteredOn(l -> l.startsWith("event reload-"))
                    .as("the second reload starts after the first is done, never interleaved")
                    .containsExactly("event reload-started 1 1,2", "event reload-step 1 3", "event reload-step 2 4",
                            "event reload-done 1 2", "event reload-started 2 3,4", "event reload-step 3 5",
                            "event reload-step 4 6", "event reload-done 2 2");
        }
    }

    @Test
    void aReplacementThatNeverSignalsReadyIsKilledAtTheReadinessDeadlineAndTheReloadRollsBack() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=2",
                "-Djcluster.supervisor.ready.signal=true", "-Djcluster.supervisor.ready.timeout=2s"), "serve")) {
            int port = primary.sharedPort(2);
            WorkerJvms.signal(primary.pid(), "HUP");
            assertThat(primary.awaitLine("event reload-rolled-back ")).startsWith("event reload-rolled-back 1 ROLLED_BACK")
                    .contains("worker 3 (pid ").contains("replacing worker 1, was not ready within 2s (it did not call"
                            + " cluster.signalReady(); jcluster.supervisor.ready.timeout");
            assertThat(primary.awaitLine("exit 3 ")).isEqualTo("exit 3 signal SIGKILL");
            assertThat(request(port)).matches("done [12]");
            WorkerJvms.signal(primary.pid(), "TERM");
            assertThat(primary.awaitExit()).noneMatch(l -> l.startsWith("event respawn"));
            assertThat(primary.process.exitValue()).isZero();
        }
    }

    @Test
    void aWorkerWithABlockedEventThreadIsReplacedThenDumpsItsThreadsAndIsKilledWhileABusyOneIsLeftAlone()
            throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=2",
                "-Djcluster.supervisor.ping.interval=200ms", "-Djcluster.supervisor.ping.timeout=1s"), "hang-first")) {
            assertThat(primary.awaitLine("event unresponsive ")).isEqualTo("event unresponsive 1 replacing=true");
            assertThat(primary.awaitLine("exit 1 ")).isEqualTo("exit 1 signal SIGKILL");
            WorkerJvms.signal(primary.pid(), "TERM");
            List<String> lines = primary.awaitExit();
            // The replacement listens first; then SIGQUIT makes the hung JVM print every thread's stack; then SIGKILL.
            int dump = indexOf(lines, "Full thread dump");
            assertThat(indexOf(lines, "listening 3 ")).isGreaterThan(indexOf(lines, "event unresponsive 1")).isLessThan(dump);
            assertThat(dump).isLessThan(indexOf(lines, "exit 1 "));
            assertThat(lines).as("the stack of the blocked event thread is in the dump")
                    .anyMatch(l -> l.contains("LockSupport.park"));
            assertThat(lines).as("worker 2 spins three threads but its event thread answers")
                    .noneMatch(l -> l.startsWith("event unresponsive 2"));
            assertThat(lines).noneMatch(l -> l.startsWith("event respawn"));
            assertThat(primary.process.exitValue()).isZero();
        }
    }

    @Test
    void aWorkerIsRecycledAfterItsConnectionsWithItsReplacementServingFirst() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=1",
                "-Djcluster.supervisor.ping.interval=200ms", "-Djcluster.supervisor.recycle.connections=5",
                "-Djcluster.supervisor.recycle.jitter=0"), "serve")) {
            int port = primary.sharedPort(1);
            for (int i = 0; i < 5; i++) {
                assertThat(request(port)).isEqualTo("done 1");
            }
            assertThat(primary.awaitLine("event recycled ")).isEqualTo("event recycled 1 2 CONNECTIONS 5 5");
            WorkerJvms.signal(primary.pid(), "TERM");
            List<String> lines = primary.awaitExit();
            assertThat(indexOf(lines, "listening 2 ")).as("the replacement listens before worker 1 leaves")
                    .isLessThan(indexOf(lines, "event leaving 1 slot 0 recycled connected true"));
            assertThat(indexOf(lines, "event leaving 1 ")).isLessThan(indexOf(lines, "exit 1 "));
            assertThat(lines).contains("exit 1 code 0");
            assertThat(primary.process.exitValue()).isZero();
        }
    }

    @Test
    void aWorkerWhoseResidentMemoryPassesTheLimitIsRecycled() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=1",
                "-Djcluster.supervisor.ping.interval=200ms", "-Djcluster.supervisor.recycle.memory=150m",
                "-XX:MaxDirectMemorySize=256m"), "hog-first")) {
            primary.sharedPort(1);
            String recycled = primary.awaitLine("event recycled ");
            assertThat(recycled).startsWith("event recycled 1 2 RESIDENT_MEMORY ").endsWith(" " + (150L << 20));
            assertThat(Long.parseLong(recycled.split(" ")[5])).as("worker 1's resident set").isGreaterThan(150L << 20);
            WorkerJvms.signal(primary.pid(), "TERM");
            List<String> lines = primary.awaitExit();
            assertThat(lines).as("its replacement holds no such memory").noneMatch(l -> l.startsWith("event recycled 2 "));
            assertThat(primary.process.exitValue()).isZero();
        }
    }

    @Test
    void aWorkerWhoseHeapAfterGcPassesTheLimitIsRecycled() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=1",
                "-Djcluster.supervisor.ping.interval=200ms", "-Djcluster.supervisor.recycle.heap=30m"), "hog-heap-first")) {
            primary.sharedPort(1);
            String recycled = primary.awaitLine("event recycled ");
            assertThat(recycled).startsWith("event recycled 1 2 HEAP ").endsWith(" " + (30L << 20));
            assertThat(Long.parseLong(recycled.split(" ")[5])).as("worker 1's heap after GC").isGreaterThan(40L << 20);
            WorkerJvms.signal(primary.pid(), "TERM");
            assertThat(primary.awaitExit()).noneMatch(l -> l.startsWith("event recycled 2 "));
            assertThat(primary.process.exitValue()).isZero();
        }
    }

    /** One request of SupervisedMain's line protocol: "working N", then "done N". */
    private static String request(int port) throws Exception {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            client.setSoTimeout((int) WorkerJvms.DEADLINE.toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
            client.getOutputStream().write("request\nfinish\n".getBytes(StandardCharsets.US_ASCII));
            in.readLine();
            return in.readLine();
        }
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "' in " + lines);
    }
}
