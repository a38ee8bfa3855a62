package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.jcluster.supervisor.SupervisorSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** The launcher's own rules that need no cluster: how a command line is split, named and explained. */
class RunCommandTest {

    private static RunCommand split(String... args) {
        CommandLine root = new CommandLine(new Main());
        String[] parsed = RunCommand.splitProgram(root, args);
        root.parseArgs(parsed);
        return (RunCommand) root.getSubcommands().get("run").getCommand();
    }

    @Test
    void everythingAfterTheJarIsTheProgramsEvenWhenItLooksLikeOurs() {
        RunCommand run = split("run", "--workers", "2", "-jar", "app.jar", "--name", "x", "--workers", "9");
        assertThat(run.workers).isEqualTo("2");
        assertThat(run.name).isNull();
        assertThat(run.jar).isEqualTo(Path.of("app.jar"));
        assertThat(run.programArguments).containsExactly("--name", "x", "--workers", "9");
    }

    @Test
    void everythingAfterTheMainClassIsTheProgramsInEveryFormOfTheClassPathOption() {
        for (String[] classPath : new String[][] {{"-cp", "lib/*"}, {"--class-path", "lib/*"}, {"--class-path=lib/*"},
            {"-classpath", "lib/*"}}) {
            String[] args = new String[classPath.length + 5];
            args[0] = "run";
            args[1] = "--policy";
            args[2] = "reuseport";
            System.arraycopy(classPath, 0, args, 3, classPath.length);
            args[3 + classPath.length] = "com.example.Main";
            args[4 + classPath.length] = "--policy";
            String[] all = java.util.Arrays.copyOf(args, args.length + 1);
            all[all.length - 1] = "rr";
            RunCommand run = split(all);
            assertThat(run.policy).as(String.join(" ", all)).isEqualTo("reuseport");
            assertThat(run.classPath).isEqualTo("lib/*");
            assertThat(run.program).containsExactly("com.example.Main");
            assertThat(run.programArguments).containsExactly("--policy", "rr");
        }
    }

    @Test
    void aDefaultNameIsMadeOfWhatAControlSocketNameAllows() {
        assertThat(RunCommand.nameOf("shop-1.2.0")).isEqualTo("shop-1.2.0");
        assertThat(RunCommand.nameOf("app+1")).isEqualTo("app-1");
        assertThat(RunCommand.nameOf("Outer$Main")).isEqualTo("Outer-Main");
        assertThat(RunCommand.nameOf("_x")).isEqualTo("x");
        assertThat(RunCommand.nameOf("+++")).isEqualTo("jcluster");
        ControlDirectory.forThisUser().socket(RunCommand.nameOf("a".repeat(100) + "$b")); // accepted
    }

    @Test
    void theSupervisorsMessagesNameTheOptionTheUserTyped() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("--restart-delay", SupervisorSettings.RESTART_DELAY);
        given.put("--restart-delay-max", SupervisorSettings.RESTART_DELAY_MAX);
        Properties p = new Properties();
        p.setProperty(SupervisorSettings.RESTART_DELAY_MAX, "soon");
        String message;
        try {
            SupervisorSettings.builder().overridesFrom(p, Map.of()).build();
            throw new AssertionError("a bad duration was accepted");
        } catch (IllegalArgumentException e) {
            message = e.getMessage();
        }
        assertThat(RunCommand.inOptionTerms(message, given)).startsWith("--restart-delay-max = \"soon\"")
                .doesNotContain("jcluster.supervisor").doesNotContain("-D--");
    }

    @Test
    void theAgentStartsTheProgramsShutdownBeforeTheSupervisorsSignals() {
        Properties p = new Properties();
        p.setProperty(SupervisorSettings.DRAIN_TIMEOUT, "60s");
        p.setProperty(SupervisorSettings.SHUTDOWN_TIMEOUT, "25s");
        assertThat(RunCommand.agentDrain(SupervisorSettings.builder().overridesFrom(p, Map.of()).build()))
                .isEqualTo(Duration.ofSeconds(20));
        p.setProperty(SupervisorSettings.DRAIN_TIMEOUT, "5s");
        assertThat(RunCommand.agentDrain(SupervisorSettings.builder().overridesFrom(p, Map.of()).build()))
                .isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void durationsAreReadWithTheirUnit() {
        ControlCommands.DurationConverter read = new ControlCommands.DurationConverter();
        assertThat(read.convert("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(read.convert("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(read.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(read.convert("PT1H")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> read.convert("soon")).hasMessageContaining("write a duration with its unit");
    }

    @Test
    void aPrimaryThatEndsBeforeItAnswersIsSaidSo(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("gone.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread closer = new Thread(() -> {
                try (SocketChannel client = server.accept()) {
                    // read nothing, answer nothing: the primary ended
                } catch (IOException ignored) {
                    // the test fails on the client side if this one could not accept
                }
            });
            closer.start();
            assertThatThrownBy(() -> ControlClient.request(socket, "stop", Duration.ofSeconds(10)))
                    .isInstanceOf(ControlClient.ControlException.class)
                    .hasMessage("the cluster's primary ended before it answered 'stop'");
            closer.join(10_000);
        }
        assertThat(ControlClient.answers(socket)).isFalse(); // a socket file left behind is told apart
        Files.deleteIfExists(socket);
    }
}
