package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.launcher.Clients.freeTcpPort;
import static org.jcluster.launcher.Clients.get;
import static org.jcluster.launcher.Clients.pidIn;
import static org.jcluster.launcher.Jcluster.APPS;
import static org.jcluster.launcher.Jcluster.APPS_CLASS_PATH;
import static org.jcluster.launcher.Jcluster.AGENT_JAR;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The agent where bin/jcluster did not put it as it does: in a JVM no primary started, with an argument it
 * does not take, and in a worker without the {@code --add-opens} flag that jcluster adds.
 */
class AgentFailureIT {
    private static final Duration START = Duration.ofSeconds(60);
    private static final String ADD_OPENS = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

    @Test
    void anAgentInAJvmNoPrimaryStartedSaysSoAndLeavesTheProgramsSocketsAlone() throws Exception {
        int port = freeTcpPort();
        // As a user might run it by hand: the agent jar from bin/jcluster's lib/, no primary, no --add-opens.
        try (Jcluster alone = Jcluster.java("-javaagent:" + AGENT_JAR, "-cp", APPS_CLASS_PATH, APPS + "JdkHttpHello",
                Integer.toString(port))) {
            alone.awaitLine(l -> l.equals("listening on " + port), START, "the program listening");
            assertThat(alone.output()).contains("jcluster agent: this JVM was not started by a jcluster primary"
                    + " (bin/jcluster run starts the workers); its sockets are left alone");
            // The program serves by itself, on a socket of its own.
            assertThat(pidIn(get(port))).isEqualTo(alone.pid());
            Map<Long, Set<String>> held = Clients.listeningSocketsHeld(port, Set.of(alone.pid()));
            assertThat(held.get(alone.pid())).as("its listening sockets").hasSize(1);
            assertThat(alone.isAlive()).isTrue();
            assertThat(alone.output()).as("neither the JDK nor the agent warns").doesNotContain("WARNING");
            System.out.println("an agent with no primary, output:\n" + alone.output());
        }
    }

    @ParameterizedTest(name = "={0}")
    @CsvSource(delimiter = ';', value = {
        "policy=rr   ; policy=rr   ; write policy=none or policy=reuseport",
        "bogus=1     ; bogus=1     ; the agent takes policy=none|reuseport and drain=PT25S",
        // The problem is the drain's value; its fix, an ISO-8601 duration such as the launcher gives.
        "drain=soon  ; drain=soon  ; drain=PT25S",
    })
    void aBadAgentArgumentEndsTheJvmWithOneNamingTheArgumentAndTheFix(String argument, String problem, String fix)
            throws Exception {
        try (Jcluster jvm = Jcluster.java("-javaagent:" + AGENT_JAR + "=" + argument, "-cp", APPS_CLASS_PATH,
                APPS + "JdkHttpHello", "0")) {
            int status = jvm.awaitExit(START);
            System.out.println("-javaagent:cluster-agent.jar=" + argument + ": exit " + status + ", output:\n"
                    + jvm.output());
            assertThat(status).as(jvm.output()).isEqualTo(1);
            String message = jvm.awaitLine(l -> l.startsWith("jcluster agent: cannot start this worker: "), START,
                    "the agent's message");
            assertThat(message).as("the agent's message").contains(problem).contains(fix);
            assertThat(jvm.output()).as("the program did not run").doesNotContain("listening on");
        }
    }

    @Test
    void aWorkerWithoutTheAddOpensFlagEndsWithOneNamingTheFlag(@TempDir Path dir) throws Exception {
        // bin/jcluster always adds the flag, and nothing on its command line removes it: a primary of the test's
        // own starts the worker through a java command that drops it, as a wrapper script in front of java might.
        Path wrapper = dir.resolve("java-without-add-opens");
        Files.writeString(wrapper, String.join("\n",
                "#!/usr/bin/env bash",
                "args=()",
                "for a in \"$@\"; do [ \"$a\" = \"" + ADD_OPENS + "\" ] || args+=(\"$a\"); done",
                "echo \"wrapper: java ${args[*]}\" >&2",
                "exec '" + Jcluster.javaCommand() + "' \"${args[@]}\"",
                ""));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        String testClasses = Path.of(AgentFailurePrimary.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        int port = freeTcpPort();
        try (Jcluster primary = Jcluster.java("--enable-native-access=ALL-UNNAMED", "-cp",
                testClasses + ":" + Jcluster.LAUNCHER_LIB, AgentFailurePrimary.class.getName(), wrapper.toString(),
                "-javaagent:" + AGENT_JAR + "=policy=none,drain=PT4S", APPS_CLASS_PATH, APPS + "JdkHttpHello",
                Integer.toString(port))) {
            String exit = primary.awaitLine(l -> l.startsWith("primary: worker 1 exited"), START, "the worker's exit");
            System.out.println("a worker without " + ADD_OPENS + ", the primary's output:\n" + primary.output());
            String command = primary.awaitLine(l -> l.startsWith("wrapper: java "), START, "the worker's command");
            assertThat(command).as("the worker's command line").contains("-javaagent:").doesNotContain("--add-opens");
            assertThat(exit).isEqualTo("primary: worker 1 exited: code 1");
            assertThat(primary.output()).contains("jcluster agent: cannot start this worker: ")
                    .contains("the jcluster agent needs --add-opens java.base/sun.nio.ch=ALL-UNNAMED")
                    .doesNotContain("listening on " + port);
            assertThat(primary.awaitExit(START)).isZero();
        }
    }
}
