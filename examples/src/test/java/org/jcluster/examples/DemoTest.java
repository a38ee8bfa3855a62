package org.jcluster.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The demo as ./demo.sh runs it, on the module path: workers fork, come online and message, and a
 * shutdown signal to the primary disconnects them gracefully. Workers sit in process groups of their
 * own, so a terminal's Ctrl-C (SIGINT to the foreground group) reaches the primary alone; SIGTERM
 * runs the same shutdown path and, unlike SIGINT, cannot have been ignored by whoever started the build.
 */
class DemoTest {
    private static final long DEADLINE_S = 60;
    private static final Pattern FORK = Pattern.compile("fork\\s+worker (\\d+) \\(pid (\\d+)\\)");

    @Test
    void workersForkComeOnlineMessageAndExitGracefullyOnAShutdownSignal() throws Exception {
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=org.jnrproject.jffi",
                "--module-path", System.getProperty("jdk.module.path"),
                // surefire keeps jffi's native-library jar on the class path; its stub loads from there
                "-cp", System.getProperty("java.class.path"),
                "-m", "jcluster.examples/org.jcluster.examples.Demo", "--workers", "2");
        Process primary = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            LinkedBlockingQueue<String> lines = lines(primary);
            List<String> seen = new ArrayList<>();
            List<Long> workerPids = new ArrayList<>();
            int reportedIn = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_S);
            while (reportedIn < 2) {
                String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                assertThat(line).as("demo output within %d s; so far %s", DEADLINE_S, seen).isNotNull();
                seen.add(line);
                Matcher fork = FORK.matcher(line);
                if (fork.find()) {
                    workerPids.add(Long.parseLong(fork.group(2)));
                }
                if (line.contains("reports in")) {
                    reportedIn++;
                }
            }
            assertThat(workerPids).hasSize(2);
            for (long worker : workerPids) {
                assertThat(processGroup(worker)).as("worker %d's process group", worker)
                        .isEqualTo(worker).isNotEqualTo(processGroup(primary.pid()));
            }

            new ProcessBuilder("kill", "-TERM", Long.toString(primary.pid())).start().waitFor();
            assertThat(primary.waitFor(DEADLINE_S, TimeUnit.SECONDS)).isTrue();
            String line;
            while ((line = lines.poll(5, TimeUnit.SECONDS)) != null && !line.equals(EOF)) {
                seen.add(line);
            }
            String out = String.join("\n", seen);
            assertThat(out).contains("online    worker 1", "online    worker 2", "disconnecting every worker",
                    "disconnect worker 1", "disconnect worker 2",
                    "exit      worker 1 with code 0 (after disconnect)",
                    "exit      worker 2 with code 0 (after disconnect)", "total ");
        } finally {
            primary.destroyForcibly();
        }
    }

    private static final String EOF = "\u0000eof";

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
            lines.add(EOF);
        });
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    /** Field 5 of /proc/PID/stat, after the parenthesised command name. */
    private static long processGroup(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[2]);
    }
}
