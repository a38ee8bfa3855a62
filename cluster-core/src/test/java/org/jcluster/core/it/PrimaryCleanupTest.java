package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a primary leaves on the machine: its private IPC directory goes on every exit path it controls,
 * and one it could not remove (SIGKILL) is removed by the next primary; its first kill() is quick.
 */
class PrimaryCleanupTest {
    @TempDir
    Path tmp;

    /** A primary whose IPC directory goes under {@link #tmp} ($XDG_RUNTIME_DIR would come first). */
    private PrimaryProcess primary(String scenario) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("XDG_RUNTIME_DIR", null);
        return new PrimaryProcess(env, List.of("-Djava.io.tmpdir=" + tmp), scenario);
    }

    @Test
    void aPrimaryThatEndsAfterItsWorkersLeavesNoDirectory() throws Exception {
        try (PrimaryProcess p = primary("exit-normally")) {
            assertThat(p.awaitExit()).contains("all-gone");
            assertThat(p.process.exitValue()).isZero();
        }
        assertThat(ipcDirectories()).isEmpty();
    }

    @Test
    void aPrimaryThatExitsWithLiveWorkersLeavesNoDirectory() throws Exception {
        try (PrimaryProcess p = primary("exit-with-live-workers")) {
            assertThat(p.awaitExit()).contains("exiting");
        }
        assertThat(ipcDirectories()).isEmpty();
    }

    @Test
    void aPrimaryWhoseShutdownHookHaltsLeavesNoDirectory() throws Exception {
        try (PrimaryProcess p = primary("halt-in-hook")) {
            p.awaitLine("ready-for-sigterm");
            new ProcessBuilder("kill", "-TERM", Long.toString(p.process.pid())).start().waitFor();
            assertThat(p.awaitExit()).contains("drained");
            assertThat(p.process.exitValue()).isZero();
        }
        assertThat(ipcDirectories()).isEmpty();
    }

    @Test
    void aSigkilledPrimarysDirectoryIsRemovedByTheNextPrimaryButALiveOneIsKept() throws Exception {
        try (PrimaryProcess p = primary("orphan-sigkill")) {
            p.awaitLine("worker-pids ");
            p.process.destroyForcibly();
            p.process.waitFor();
        }
        List<Path> left = ipcDirectories();
        assertThat(left).as("what SIGKILL leaves").hasSize(1);
        assertThat(left.get(0).resolve("ipc.sock")).exists();

        // One from an earlier jcluster (no pid in its name), untouched for an hour, with a worker's claim in it.
        Path older = Files.createDirectory(tmp.resolve("jcluster-4242"));
        Files.createFile(older.resolve("worker-1.claimed"));
        Files.setLastModifiedTime(older, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        // A live one of the same age: a process listens on its socket.
        Path live = Files.createDirectory(tmp.resolve("jcluster-5555"));
        try (ServerSocketChannel listening = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            listening.bind(UnixDomainSocketAddress.of(live.resolve("ipc.sock")));
            Files.setLastModifiedTime(live, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
            try (PrimaryProcess next = primary("exit-normally")) {
                assertThat(next.awaitExit()).contains("all-gone");
            }
            assertThat(ipcDirectories()).containsExactly(live);
        }
    }

    @Test
    void theFirstKillLoadsNoMoreNativeCode() throws Exception {
        // jnr-posix generated its libc binding on the first kill(): 90-230 ms on the caller's thread.
        try (PrimaryProcess p = new PrimaryProcess(List.of("-Xlog:class+load=info:stdout"), "kill-first")) {
            List<String> lines = p.awaitExit();
            assertThat(lines).anyMatch(l -> l.startsWith("first-kill-micros "));
            assertThat(lines).as("classes loaded").noneMatch(l -> l.contains(" jnr.posix.POSIXFactory "));
        }
    }

    private List<Path> ipcDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("jcluster-")).sorted().toList();
        }
    }
}
