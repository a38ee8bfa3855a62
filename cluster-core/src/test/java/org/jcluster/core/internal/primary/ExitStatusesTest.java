package org.jcluster.core.internal.primary;

import static org.assertj.core.api.Assertions.assertThat;

import org.jcluster.api.ExitStatus;
import org.junit.jupiter.api.Test;

class ExitStatusesTest {
    @Test
    void whatTheWorkerSaidSettlesTheAmbiguity() {
        assertThat(ExitStatuses.of(143, "SIGTERM")).isEqualTo(ExitStatus.ofSignal("SIGTERM"));
        assertThat(ExitStatuses.of(143, "")).isEqualTo(ExitStatus.ofCode(143));
    }

    @Test
    void withoutAWordFromTheWorker128PlusNIsSignalN() {
        assertThat(ExitStatuses.of(137, null)).isEqualTo(ExitStatus.ofSignal("SIGKILL"));
        assertThat(ExitStatuses.of(0, null)).isEqualTo(ExitStatus.ofCode(0));
        assertThat(ExitStatuses.of(1, null)).isEqualTo(ExitStatus.ofCode(1));
        assertThat(ExitStatuses.of(128, null)).isEqualTo(ExitStatus.ofCode(128));
        assertThat(ExitStatuses.of(255, null)).isEqualTo(ExitStatus.ofCode(255));
    }
}
