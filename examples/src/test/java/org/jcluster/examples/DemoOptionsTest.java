package org.jcluster.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The demo's command line: defaults, the handler-thread choice, and errors that name the fix. */
class DemoOptionsTest {

    @Test
    void theHandlerRunsOnJclustersIoThreadUnlessTheServersOwnIsAskedFor() {
        assertThat(Demo.Options.parse(new String[0]).handlerOnIoThread()).isTrue();
        assertThat(Demo.Options.parse(new String[] {"--handler-thread", "io"}).handlerOnIoThread()).isTrue();
        Demo.Options own = Demo.Options.parse(new String[] {"--handler-thread", "own", "--workers", "3"});
        assertThat(own.handlerOnIoThread()).isFalse();
        assertThat(own.workers()).isEqualTo(3);
    }

    @Test
    void aBadChoiceOrAMissingValueSaysWhatIsAccepted() {
        assertThatThrownBy(() -> Demo.Options.parse(new String[] {"--handler-thread", "main"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("takes io or own, not main");
        assertThatThrownBy(() -> Demo.Options.parse(new String[] {"--handler-thread"}))
                .hasMessageContaining("--handler-thread needs a value");
        assertThatThrownBy(() -> Demo.Options.parse(new String[] {"--threads", "0"}))
                .hasMessageContaining("--threads takes a whole number from 1 to 64");
    }
}
