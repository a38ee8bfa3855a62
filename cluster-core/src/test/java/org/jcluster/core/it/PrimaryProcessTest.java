package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Rules that need the primary in a JVM of its own: its death (rule 4) and its defaults (rule 40). */
class PrimaryProcessTest {

    /** Starts PrimaryMain with the given JVM flags and arguments; its output lines go to a queue. */
    private static Process startPrimary(List<String> jvmFlags, String... args) throws IOException {
        return startPrimary(java.util.Map.of(), jvmFlags, args);
    }

    private static Process startPrimary(java.util.Map<String, String> env, List<String> jvmFlags, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(TestCluster.FAST_JVM);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(TestCluster.workerClassPath());
        command.add(PrimaryMain.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        return builder.start();
    }

    private static LinkedBlockingQueue<String> lines(Process process) {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("read failed: " + e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static String awaitLine(LinkedBlockingQueue<String> lines, String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TestCluster.DEADLINE.toNanos();
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (line == null) {
                break;
            }
            if (line.startsWith(prefix)) {
                return line;
            }
            seen.add(line);
        }
        throw new AssertionError("no line starting with '" + prefix + "' within " + TestCluster.DEADLINE + "; saw " + seen);
    }

    @Test
    void rule04_workersGoAwayWithinASecondWhenThePrimaryIsSigkilled() throws Exception {
        assertWorkersFollowThePrimary("orphan-sigkill", primary -> primary.destroyForcibly());
    }

    @Test
    void rule04_workersGoAwayWhenThePrimaryExits() throws Exception {
        assertWorkersFollowThePrimary("orphan-exit", primary -> { });
    }

    private static void assertWorkersFollowThePrimary(String scenario, java.util.function.Consumer<Process> end)
            throws Exception {
        Process primary = startPrimary(List.of(), scenario);
        try {
            String[] pids = awaitLine(lines(primary), "worker-pids ").split(" ");
            List<ProcessHandle> workers = new ArrayList<>();
            for (int i = 1; i < pids.length; i++) {
                workers.add(ProcessHandle.of(Long.parseLong(pids[i])).orElseThrow());
            }
            end.accept(primary);
            assertThat(primary.waitFor(TestCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            // The requirement itself: each worker is gone within one second of its primary.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            for (ProcessHandle worker : workers) {
                while (!hasExited(worker.pid()) && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(hasExited(worker.pid())).as("worker " + worker.pid() + " gone within 1 s of the primary").isTrue();
            }
        } finally {
            primary.destroyForcibly();
        }
    }

    /**
     * An orphaned worker is reaped by whatever this machine's PID 1 is, possibly never: an exited
     * process may linger as a zombie, which ProcessHandle still calls alive.
     */
    private static boolean hasExited(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException noSuchProcess) {
            return true;
        }
    }

    @Test
    void rule40_byDefaultAWorkerRunsThePrimarysProgramArgumentsAndFlags() throws Exception {
        Process primary = startPrimary(List.of("-Djcluster.test.flag=primary-flag"), "defaults", "with space", "x");
        try {
            LinkedBlockingQueue<String> out = lines(primary);
            assertThat(awaitLine(out, "exec=")).isEqualTo("exec=" + PrimaryMain.class.getName());
            assertThat(awaitLine(out, "worker-saw="))
                    .isEqualTo("worker-saw=[[defaults, with space, x], primary-flag]");
            assertThat(primary.waitFor(TestCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("primary ends after its worker").isTrue();
        } finally {
            primary.destroyForcibly();
        }
    }


    @Test
    void rule30_anUnknownPolicyNameFromTheEnvironmentFailsTheWorkersListenClearly() throws Exception {
        Process primary = startPrimary(java.util.Map.of("JCLUSTER_SCHED_POLICY", "fastest"), List.of(), "unknown-policy");
        try {
            LinkedBlockingQueue<String> out = lines(primary);
            String error = awaitLine(out, "worker-saw=");
            assertThat(error).startsWith("worker-saw=EINVAL").contains("\"fastest\"").contains("rr").contains("none")
                    .contains("add the module").contains("JCLUSTER_SCHED_POLICY");
            assertThat(awaitLine(out, "worker-saw=")).as("the worker keeps running").isEqualTo("worker-saw=still-running");
            assertThat(primary.waitFor(TestCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("primary ends after its worker").isTrue();
        } finally {
            primary.destroyForcibly();
        }
    }
}
