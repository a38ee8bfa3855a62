package org.jcluster.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExitStatusTest {
    @Test
    void aStatusIsACodeOrASignalNeverBoth() {
        ExitStatus code = ExitStatus.ofCode(3);
        assertThat(code.exitCode()).hasValue(3);
        assertThat(code.signal()).isEmpty();
        assertThat(code.isSignal()).isFalse();
        ExitStatus signal = ExitStatus.ofSignal("SIGTERM");
        assertThat(signal.exitCode()).isEmpty();
        assertThat(signal.signal()).hasValue("SIGTERM");
        assertThat(signal).isEqualTo(ExitStatus.ofSignal("SIGTERM")).isNotEqualTo(code);
        assertThat(signal.toString()).isEqualTo("signal SIGTERM");
    }

    @Test
    void signalNamesAreCheckedForForm() {
        assertThatThrownBy(() -> ExitStatus.ofSignal("TERM")).hasMessageContaining("start with SIG");
    }
}
