package org.jcluster.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's command line: defaults, the handler-thread choice, errors that name the fix, --help. */
class DemoOptionsTest {

    @Test
    void theHandlerRunsOnJclustersIoThreadUnlessTheServersOwnIsAskedFor() {
        assertThat(DemoOptions.parse(new String[0]).handlerOnIoThread()).isTrue();
        assertThat(DemoOptions.parse(new String[] {"--handler-thread", "io"}).handlerOnIoThread()).isTrue();
        DemoOptions own = DemoOptions.parse(new String[] {"--handler-thread", "own", "--workers", "3"});
        assertThat(own.handlerOnIoThread()).isFalse();
        assertThat(own.workers()).isEqualTo(3);
    }

    @Test
    void aBadChoiceOrAMissingValueSaysWhatIsAccepted() {
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--handler-thread", "main"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("takes io or own, not main");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--handler-thread"}))
                .hasMessageContaining("--handler-thread needs a value: --handler-thread io|own");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--threads", "0"}))
                .hasMessageContaining("--threads takes a whole number from 1 to 64, not 0");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--prot", "80"}))
                .hasMessage("Unknown option --prot; the options are --policy, --workers, --port, --threads,"
                        + " --seconds, --handler-thread, --help (--help says what each does)");
    }

    /** The list --help prints and the error names is the list parse takes: they cannot drift apart. */
    @Test
    void everyDocumentedOptionIsAcceptedAndDocumented() {
        List<String> sampleValues = List.of("rr", "3", "0", "2", "5", "own");
        List<DemoOptions.Option> valued = DemoOptions.OPTIONS.stream().filter(o -> !o.value().isEmpty()).toList();
        assertThat(valued).hasSameSizeAs(sampleValues);
        for (int i = 0; i < valued.size(); i++) {
            String name = valued.get(i).name();
            String value = sampleValues.get(i);
            assertThat(DemoOptions.parse(new String[] {name, value})).as("%s %s", name, value).isNotNull();
            assertThat(DemoOptions.USAGE).contains(name + " " + valued.get(i).value());
        }
        assertThat(DemoOptions.asksForHelp(new String[] {"--workers", "2", "--help"})).isTrue();
        assertThat(DemoOptions.asksForHelp(new String[] {"-h"})).isTrue();
        assertThat(DemoOptions.asksForHelp(new String[] {"--workers", "2"})).isFalse();
        assertThat(DemoOptions.USAGE).contains("--help", "Exit status", "Usage: ./demo.sh [options]");
    }

    /**
     * demo.sh checks a command line before anything is built: it compiles DemoOptions.java on its own
     * and runs it. That works only while DemoOptions needs nothing beyond the JDK; the exit statuses are
     * what demo.sh acts on.
     */
    @Test
    void demoShsCheckCompilesAndRunsDemoOptionsAlone(@TempDir Path work) throws Exception {
        assertThat(DemoOptions.SCHED_POLICY_ENV).isEqualTo(Cluster.SCHED_POLICY_ENV);
        Path source = Path.of("src/main/java/org/jcluster/examples/DemoOptions.java"); // surefire runs in examples/
        Path classes = work.resolve("classes");
        Checked compiled = run(work, tool("javac"), "--release", "17", "-d", classes.toString(), source.toString());
        assertThat(compiled.status()).as("javac alone compiles it; output %s", compiled.output()).isZero();

        Checked bad = check(work, classes, "--workers", "0");
        assertThat(bad.status()).as("output: %s", bad.output()).isEqualTo(DemoOptions.CHECK_BAD_OPTION);
        assertThat(bad.output()).contains("--workers takes a whole number from 1 to 1024, not 0");

        Checked help = check(work, classes, "--help");
        assertThat(help.status()).as("output: %s", help.output()).isEqualTo(DemoOptions.CHECK_HELP_SHOWN);
        assertThat(help.output()).isEqualTo(DemoOptions.USAGE);

        assertThat(check(work, classes, "--port", "0", "--seconds", "3").status()).isEqualTo(DemoOptions.CHECK_RUN);
    }

    private record Checked(int status, String output) {
    }

    private static String tool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    private static Checked check(Path work, Path classes, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(tool("java"), "-cp", classes.toString(),
                "org.jcluster.examples.DemoOptions"));
        command.addAll(List.of(args));
        return run(work, command.toArray(String[]::new));
    }

    private static Checked run(Path work, String... command) throws Exception {
        // Output to a file, not a pipe: the wait below then has a deadline even if the command hangs.
        Path output = Files.createTempFile(work, "output", ".txt");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            boolean ended = process.waitFor(60, TimeUnit.SECONDS);
            String text = Files.readString(output, StandardCharsets.UTF_8);
            assertThat(ended).as("%s ends within 60 s; output %s", command[0], text).isTrue();
            return new Checked(process.exitValue(), text);
        } finally {
            process.destroyForcibly();
        }
    }
}
