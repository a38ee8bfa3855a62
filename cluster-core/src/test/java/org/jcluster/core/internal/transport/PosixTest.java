package org.jcluster.core.internal.transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PosixTest {
    @Test
    void theInstanceIsNativeAndShared() {
        assertThat(Posix.posix().isNative()).isTrue();
        assertThat(Posix.posix()).isSameAs(Posix.posix());
        assertThat(Posix.posix().getpid()).isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void signalNamesWithOrWithoutThePrefix() {
        assertThat(Posix.signalNumber("SIGTERM")).isEqualTo(15);
        assertThat(Posix.signalNumber("TERM")).isEqualTo(15);
        assertThat(Posix.signalNumber("sigkill")).isEqualTo(9);
        assertThat(Posix.signalNumber(" HUP ")).isEqualTo(1);
        assertThat(Posix.signalNumber("SIGUSR2")).isEqualTo(12);
    }

    @Test
    void aBadSignalNameIsNamedWithValidOnes() {
        assertThatThrownBy(() -> Posix.signalNumber("SIGFOO"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'SIGFOO'").hasMessageContaining("SIGTERM").hasMessageContaining("SIGKILL");
        assertThatThrownBy(() -> Posix.signalNumber("NSIG")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Posix.signalNumber("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Posix.kill(ProcessHandle.current().pid(), "NOPE"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'NOPE'");
    }

    @Test
    void numbersGiveTheUsualName() {
        assertThat(Posix.signalName(15)).hasValue("SIGTERM");
        assertThat(Posix.signalName(9)).hasValue("SIGKILL");
        assertThat(Posix.signalName(6)).hasValue("SIGABRT");
        assertThat(Posix.signalName(17)).hasValue("SIGCHLD");
        assertThat(Posix.signalName(29)).hasValue("SIGIO");
        assertThat(Posix.signalName(31)).hasValue("SIGSYS");
        assertThat(Posix.signalName(0)).isEmpty();
        assertThat(Posix.signalName(999)).isEmpty();
    }

    @Test
    void killSignalsAProcessAndAGoneProcessIsReported() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        Posix.kill(sleeper.pid(), "TERM");
        assertThat(sleeper.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(sleeper.exitValue()).isEqualTo(128 + 15);

        assertThat(Posix.trySignal(sleeper.pid(), "SIGTERM")).isFalse();
        assertThatThrownBy(() -> Posix.kill(sleeper.pid(), "SIGTERM"))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("ESRCH");
        assertThatThrownBy(() -> Posix.kill(0, "SIGTERM")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void currentUidIsTheProcessUid() {
        assertThat(Posix.currentUid()).isEqualTo(Posix.posix().getuid());
    }

    @Test
    void leaveProcessGroupMakesTheProcessLeadItsOwnGroup(@TempDir Path dir) throws Exception {
        // Run in a child JVM: moving the test JVM itself out of its group would change its job control.
        Path source = dir.resolve("LeaveGroup.java");
        // The group from /proc (field 5 of stat): the child's class cannot reach Posix's package-private jnr-posix.
        Files.writeString(source, "import org.jcluster.core.internal.transport.Posix;\n"
                + "public class LeaveGroup {\n"
                + "  static String group() throws Exception {\n"
                + "    String stat = java.nio.file.Files.readString(java.nio.file.Path.of(\"/proc/self/stat\"));\n"
                + "    return stat.substring(stat.lastIndexOf(')') + 2).split(\" \")[2];\n"
                + "  }\n"
                + "  public static void main(String[] args) throws Exception {\n"
                + "  String before = group();\n"
                + "  boolean left = Posix.leaveProcessGroup();\n"
                + "  System.out.println(\"result \" + before + \" \" + left + \" \" + group()"
                + " + \" \" + ProcessHandle.current().pid());\n"
                + "} }\n");
        String path = System.getProperty("jdk.module.path", "") + File.pathSeparator
                + System.getProperty("java.class.path", "");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", path, source.toString())
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String result = output.lines().filter(line -> line.startsWith("result ")).findFirst()
                .orElseThrow(() -> new AssertionError("child said: " + output));
        String[] parts = result.split(" ");
        long before = Long.parseLong(parts[1]);
        long after = Long.parseLong(parts[3]);
        long childPid = Long.parseLong(parts[4]);
        assertThat(before).as("the child starts in our group").isEqualTo(Posix.posix().getpgrp());
        assertThat(parts[2]).isEqualTo("true");
        assertThat(after).as("then leads a group of its own").isEqualTo(childPid);
    }

    @Test
    void errnoDescriptions() {
        assertThat(Syscalls.describe(Syscalls.EPIPE)).isEqualTo("EPIPE (Broken pipe)");
        assertThat(Syscalls.close(-1)).isEqualTo(-Syscalls.EBADF);
        assertThat(Syscalls.shutdown(-1, Syscalls.SHUT_RDWR)).isEqualTo(-Syscalls.EBADF);
    }
}
