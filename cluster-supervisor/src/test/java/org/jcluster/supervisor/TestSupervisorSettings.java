package org.jcluster.supervisor;

import java.util.Map;
import java.util.Properties;

/** Supervisor settings for a test whose primary is this test JVM. */
final class TestSupervisorSettings {
    private TestSupervisorSettings() {
    }

    /** Settings that ignore this JVM's properties and environment, handle no signal and never exit the JVM. */
    static SupervisorSettings.Builder inThisJvm() {
        return SupervisorSettings.builder()
                .overridesFrom(new Properties(), Map.of())
                .handleSignals(false)
                .exitAfterShutdown(false);
    }
}
