package org.jcluster.core.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.core.internal.transport.IpcTesting.DEADLINE;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The pidfd watch a worker keeps on its primary, on a real process of ours. */
class ProcessWatchTest {
    @Test
    void seesAProcessEnd_andNotBefore() throws Exception {
        Process child = new ProcessBuilder("sleep", "60").start();
        try (ProcessWatch watch = ProcessWatch.of(child.pid())) {
            assertThat(watch.awaitExit(50)).as("alive: the wait times out").isFalse();
            child.destroy();
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            boolean ended = false;
            while (!ended && System.nanoTime() < deadline) {
                ended = watch.awaitExit(50);
            }
            assertThat(ended).isTrue();
            assertThat(child.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void refusesWhatIsNoProcessWithTheReason() throws Exception {
        assertThatThrownBy(() -> ProcessWatch.of(0)).isInstanceOf(IOException.class).hasMessageContaining("not a process id");
        Process gone = new ProcessBuilder("true").start();
        assertThat(gone.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        // Reaped by the JDK: the pid names no process now (unless reused, which takes a full pid cycle).
        assertThatThrownBy(() -> ProcessWatch.of(gone.pid())).isInstanceOf(IOException.class)
                .hasMessageContaining("ESRCH");
    }
}
