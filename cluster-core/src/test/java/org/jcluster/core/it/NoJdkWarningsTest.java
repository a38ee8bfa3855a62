package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jcluster.testkit.WorkerJvms;

/**
 * A user's program starts silent (issue 11, point 8): a real primary JVM on the JDK running this test
 * (CI runs it on 17 and 25) forks a worker, which serves a connection under "rr" and answers a
 * message, and nothing the JDK or jcluster prints has a WARNING in it. On Java 24 and later that needs
 * every queue free of {@code sun.misc.Unsafe} (JCTools' VarHandle queues, the JDK's queue in rr) and
 * jffi's native access enabled; the primary runs from the class path, so every JDK module, and
 * {@code jdk.unsupported} with it, is there to be misused.
 */
class NoJdkWarningsTest {
    @TempDir
    Path dir;

    private record Run(int exit, List<String> out, List<String> err) {
    }

    private Run run(List<String> jvmFlags) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(WorkerJvms.FAST_JVM);
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(WorkerJvms.classPath());
        command.add(QuietMain.class.getName());
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("JCLUSTER_SCHED_POLICY", "rr");
        Process primary = builder.start();
        try {
            assertThat(primary.waitFor(WorkerJvms.DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .as("the primary ends after its worker").isTrue();
            return new Run(primary.exitValue(), read(out), read(err));
        } finally {
            primary.destroyForcibly();
        }
    }

    private static List<String> read(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    private static void assertTheProgramRan(Run run) {
        assertThat(run.out()).as("standard output (standard error: %s)", run.err())
                .contains("served hello", "answer pong ping");
        assertThat(run.exit()).as("exit status (standard error: %s)", run.err()).isZero();
    }

    @Test
    void aPrimaryAndItsWorkerPrintNoWarningWhenRunAsDocumented() throws Exception {
        Run run = run(List.of("--enable-native-access=ALL-UNNAMED"));
        assertTheProgramRan(run);
        assertThat(run.err()).as("standard error of the primary and its worker")
                .noneMatch(line -> line.contains("WARNING"));
    }

    /**
     * Without the flag only the primary is warned, once, about jffi loading its library (Java 24+): jcluster
     * starts its workers with the flag itself.
     */
    @Test
    void withoutTheNativeAccessFlagOnlyThePrimaryIsWarnedAboutIt() throws Exception {
        Run run = run(List.of());
        assertTheProgramRan(run);
        List<String> warnings = run.err().stream().filter(line -> line.contains("WARNING")).toList();
        assertThat(warnings).as("standard error of the primary and its worker")
                .allMatch(line -> line.contains("restricted method") || line.contains("Restricted methods")
                        || line.contains("::load") || line.contains("--enable-native-access"));
        assertThat(warnings.stream().filter(line -> line.contains("A restricted method")))
                .hasSize(Runtime.version().feature() >= 24 ? 1 : 0);
    }
}
