package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.jcluster.testkit.WorkerJvms;

/** Rules that need the primary in a JVM of its own: its death (rule 4) and its defaults (rule 40). */
class PrimaryProcessTest {

    @Test
    void rule04_workersGoAwayWithinASecondWhenThePrimaryIsSigkilled() throws Exception {
        assertWorkersFollowThePrimary("orphan-sigkill", primary -> primary.destroyForcibly());
    }

    @Test
    void rule04_workersGoAwayWhenThePrimaryExits() throws Exception {
        assertWorkersFollowThePrimary("orphan-exit", primary -> { });
    }

    @Test
    void rule04_busyWorkersGoAwayWithinASecondWhenThePrimaryIsSigkilled() throws Exception {
        // Each worker keeps a core busy and its event thread is stuck in a listener.
        assertWorkersFollowThePrimary("orphan-busy", primary -> primary.destroyForcibly());
    }

    private static void assertWorkersFollowThePrimary(String scenario, java.util.function.Consumer<Process> end)
            throws Exception {
        List<ProcessHandle> workers = new ArrayList<>();
        try (PrimaryProcess primary = new PrimaryProcess(List.of(), scenario)) {
            String[] pids = primary.awaitLine("worker-pids ").split(" ");
            for (int i = 1; i < pids.length; i++) {
                workers.add(ProcessHandle.of(Long.parseLong(pids[i])).orElseThrow());
            }
            end.accept(primary.process);
            assertThat(primary.process.waitFor(WorkerJvms.DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            // The requirement itself: each worker is gone within one second of its primary.
            long primaryGone = System.nanoTime();
            long deadline = primaryGone + TimeUnit.SECONDS.toNanos(1);
            for (ProcessHandle worker : workers) {
                while (!PrimaryProcess.hasExited(worker.pid()) && System.nanoTime() < deadline) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // not a spin: the workers need the cpus
                }
                assertThat(PrimaryProcess.hasExited(worker.pid())).as("worker " + worker.pid() + " gone within 1 s of the"
                        + " primary (still there after " + (System.nanoTime() - primaryGone) / 1_000_000 + " ms)").isTrue();
            }
        } finally {
            workers.forEach(ProcessHandle::destroyForcibly); // a failed run leaves no spinning orphan behind
        }
    }

    @Test
    void queuedEventsKeepThePrimaryAliveUntilDeliveredThoughMainHasReturned() throws Exception {
        try (PrimaryProcess primary = new PrimaryProcess(List.of(), "slow-setup-listener")) {
            assertThat(primary.awaitExit()).contains("setup-delivered");
        }
    }

    @Test
    void aTimerRunsOnTheEventThreadAfterItsDelayAndKeepsTheJvmAliveUntilThen() throws Exception {
        try (PrimaryProcess primary = new PrimaryProcess(List.of(), "timer-after-main")) {
            List<String> lines = primary.awaitExit();
            String ran = lines.stream().filter(l -> l.startsWith("timer-ran after ")).findFirst()
                    .orElseThrow(() -> new AssertionError("the timer did not run: " + lines));
            assertThat(Long.parseLong(ran.split(" ")[2])).as("ms after scheduling").isGreaterThanOrEqualTo(300);
            assertThat(ran).endsWith("on jcluster-events");
            assertThat(lines).as("a cancelled timer").doesNotContain("cancelled-timer-ran");
            assertThat(primary.process.exitValue()).isZero();
        }
    }

    @Test
    void rule40_byDefaultAWorkerRunsThePrimarysProgramArgumentsAndFlags() throws Exception {
        try (PrimaryProcess primary = new PrimaryProcess(List.of("-Djcluster.test.flag=primary-flag"), "defaults",
                "with space", "x")) {
            assertThat(primary.awaitLine("exec=")).isEqualTo("exec=" + PrimaryMain.class.getName());
            assertThat(primary.awaitLine("worker-saw=")).isEqualTo("worker-saw=[[defaults, with space, x], primary-flag]");
            primary.awaitExit(); // the primary ends after its worker
        }
    }


    @Test
    void rule30_anUnknownPolicyNameFromTheEnvironmentFailsTheWorkersListenClearly() throws Exception {
        try (PrimaryProcess primary = new PrimaryProcess(java.util.Map.of("JCLUSTER_SCHED_POLICY", "fastest"), List.of(),
                "unknown-policy")) {
            String error = primary.awaitLine("worker-saw=");
            assertThat(error).startsWith("worker-saw=EINVAL").contains("\"fastest\"").contains("rr").contains("none")
                    .contains("add the module").contains("JCLUSTER_SCHED_POLICY");
            assertThat(primary.awaitLine("worker-saw=")).as("the worker keeps running").isEqualTo("worker-saw=still-running");
            primary.awaitExit(); // the primary ends after its worker
        }
    }
}
