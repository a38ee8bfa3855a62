package org.jcluster.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

class SupervisorSettingsTest {

    private static SupervisorSettings.Builder isolated() {
        return SupervisorSettings.builder().overridesFrom(new Properties(), Map.of());
    }

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void theDefaultsAreThoseOfTheAnchors() {
        SupervisorSettings s = isolated().build();
        assertThat(s.workers()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(s.restartDelay()).isEqualTo(Duration.ofMillis(100));
        assertThat(s.restartDelayFactor()).isEqualTo(1.5);
        assertThat(s.restartDelayMax()).isEqualTo(Duration.ofSeconds(15));
        assertThat(s.stableAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.crashLoopExits()).isEqualTo(5);
        assertThat(s.crashLoopWindow()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.crashLoopShutdown()).isTrue();
        assertThat(s.shutdownTimeout()).isEqualTo(Duration.ofSeconds(25));
        assertThat(s.handleSignals()).isTrue();
        assertThat(s.exitAfterShutdown()).isTrue();
        assertThat(s.reloadOnSignal()).isTrue();
        assertThat(s.reloadBatch()).isEqualTo(1);
        assertThat(s.reloadSurge()).isEqualTo(1);
        assertThat(s.readyTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.readySignal()).isFalse();
        assertThat(s.drainTimeout()).isEqualTo(Duration.ofSeconds(25));
        assertThat(s.pingInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.pingTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.replaceUnresponsive()).isTrue();
        assertThat(s.recycleConnections()).isZero();
        assertThat(s.recycleJitter()).isEqualTo(0.1);
        assertThat(s.recycleMemory()).isZero();
        assertThat(s.recycleHeap()).isZero();
        assertThat(s.prefixOutput()).isFalse();
    }

    @Test
    void theOutputPrefixIsOneFlagFromOutside() {
        assertThat(isolated().build().prefixOutput()).isFalse();
        assertThat(SupervisorSettings.builder().overridesFrom(new Properties(),
                Map.of("JCLUSTER_SUPERVISOR_OUTPUT_PREFIX", "true")).build().prefixOutput()).isTrue();
        assertThat(SupervisorSettings.builder().prefixOutput(true)
                .overridesFrom(props("jcluster.supervisor.output.prefix", "false"), Map.of()).build().prefixOutput()).isFalse();
        assertThatThrownBy(() -> SupervisorSettings.builder()
                .overridesFrom(props("jcluster.supervisor.output.prefix", "on"), Map.of()).build())
                .hasMessage("jcluster.supervisor.output.prefix = \"on\" (from the system property"
                        + " -Djcluster.supervisor.output.prefix): write true or false");
    }

    @Test
    void sizesTakeBinaryUnitsAndTheSurgeIsAtMostTheBatch() {
        SupervisorSettings s = SupervisorSettings.builder().reloadBatch(2).reloadSurge(5)
                .overridesFrom(props("jcluster.supervisor.recycle.memory", "512m", "jcluster.supervisor.recycle.heap", "2G"),
                        Map.of("JCLUSTER_SUPERVISOR_RECYCLE_CONNECTIONS", "10000")).build();
        assertThat(s.recycleMemory()).isEqualTo(512L << 20);
        assertThat(s.recycleHeap()).isEqualTo(2L << 30);
        assertThat(s.recycleConnections()).isEqualTo(10_000);
        assertThat(s.reloadSurge()).as("surge above the batch").isEqualTo(2);
        assertThat(s.toString()).contains("recycle.memory=512m").contains("recycle.heap=2g");
        assertThat(SupervisorSettings.parseBytes("800k", "x")).isEqualTo(800L << 10);
        assertThat(SupervisorSettings.parseBytes("12345", "x")).isEqualTo(12345);
    }

    @Test
    void recyclingNeedsPingsAndBadReloadValuesSayWhatToWrite() {
        assertThatThrownBy(() -> SupervisorSettings.builder().recycleConnections(100)
                .overridesFrom(props("jcluster.supervisor.ping.interval", "0"), Map.of()).build())
                .hasMessage("recycling limits are checked at each ping, and jcluster.supervisor.ping.interval is 0 (from"
                        + " system property -Djcluster.supervisor.ping.interval): give it an interval, e.g. 5s, or set the"
                        + " recycle.* limits to 0");
        assertThatThrownBy(() -> SupervisorSettings.builder()
                .overridesFrom(props("jcluster.supervisor.recycle.memory", "lots"), Map.of()).build())
                .hasMessage("jcluster.supervisor.recycle.memory = \"lots\" (from the system property"
                        + " -Djcluster.supervisor.recycle.memory): write a size, e.g. 512m or 2g (k, m, g: KiB, MiB, GiB;"
                        + " no unit: bytes)");
        assertThatThrownBy(() -> SupervisorSettings.builder()
                .overridesFrom(new Properties(), Map.of("JCLUSTER_SUPERVISOR_RELOAD_BATCH", "0")).build())
                .hasMessageStartingWith("jcluster.supervisor.reload.batch = \"0\" (from the environment variable"
                        + " JCLUSTER_SUPERVISOR_RELOAD_BATCH) is out of range: give a number of workers from 1 to 1024");
        assertThatThrownBy(() -> isolated().recycleJitter(1.5)).hasMessageContaining("give a fraction from 0 to 1");
        assertThatThrownBy(() -> isolated().pingTimeout(Duration.ZERO)).hasMessageContaining("must be more than 0");
    }

    @Test
    void theBackoffGrowsByTheFactorUpToTheCap() {
        SupervisorSettings s = isolated().build();
        assertThat(s.restartDelayAfter(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(s.restartDelayAfter(2)).isEqualTo(Duration.ofMillis(150));
        assertThat(s.restartDelayAfter(3)).isEqualTo(Duration.ofMillis(225));
        assertThat(s.restartDelayAfter(13)).isBetween(Duration.ofMillis(12_974), Duration.ofMillis(12_975)); // 100 ms x 1.5^12
        assertThat(s.restartDelayAfter(14)).isEqualTo(Duration.ofSeconds(15));
        assertThat(s.restartDelayAfter(10_000)).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void aSystemPropertyBeatsTheEnvironmentWhichBeatsTheCode() {
        SupervisorSettings s = SupervisorSettings.builder().workers(3).restartDelay(Duration.ofSeconds(1)).shutdownTimeout(Duration.ofSeconds(9))
                .overridesFrom(props("jcluster.supervisor.workers", "7"),
                        Map.of("JCLUSTER_SUPERVISOR_WORKERS", "5", "JCLUSTER_SUPERVISOR_RESTART_DELAY", "250ms",
                                "JCLUSTER_SUPERVISOR_SIGNALS", "FALSE", "JCLUSTER_SUPERVISOR_RESTART_DELAY_FACTOR", "2"))
                .build();
        assertThat(s.workers()).isEqualTo(7);
        assertThat(s.sourceOf(SupervisorSettings.WORKERS)).isEqualTo("system property -Djcluster.supervisor.workers");
        assertThat(s.restartDelay()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.sourceOf(SupervisorSettings.RESTART_DELAY)).isEqualTo("environment variable JCLUSTER_SUPERVISOR_RESTART_DELAY");
        assertThat(s.restartDelayFactor()).isEqualTo(2.0);
        assertThat(s.handleSignals()).isFalse();
        assertThat(s.shutdownTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(s.sourceOf(SupervisorSettings.SHUTDOWN_TIMEOUT)).isEqualTo("code");
        assertThat(SupervisorSettings.environmentVariable(SupervisorSettings.CRASH_LOOP_WINDOW))
                .isEqualTo("JCLUSTER_SUPERVISOR_CRASHLOOP_WINDOW");
    }

    @Test
    void durationsAreWrittenWithTheirUnit() {
        for (Map.Entry<String, Duration> e : Map.of("250ms", Duration.ofMillis(250), "1.5s", Duration.ofMillis(1500),
                "2m", Duration.ofMinutes(2), "1h", Duration.ofHours(1), "PT30S", Duration.ofSeconds(30), "0", Duration.ZERO,
                " 3 s ", Duration.ofSeconds(3)).entrySet()) {
            SupervisorSettings s = SupervisorSettings.builder()
                    .overridesFrom(props("jcluster.supervisor.shutdown.timeout", e.getKey()), Map.of()).build();
            assertThat(s.shutdownTimeout()).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void aBadValueFailsNamingTheSettingWhereItCameFromAndWhatToWrite() {
        assertThatThrownBy(() -> SupervisorSettings.builder()
                .overridesFrom(new Properties(), Map.of("JCLUSTER_SUPERVISOR_WORKERS", "four")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("jcluster.supervisor.workers = \"four\" (from the environment variable"
                        + " JCLUSTER_SUPERVISOR_WORKERS): write a whole number of worker JVMs, e.g. 4");
        assertThatThrownBy(() -> SupervisorSettings.builder()
                .overridesFrom(props("jcluster.supervisor.restart.delay", "100"), Map.of()).build())
                .hasMessage("jcluster.supervisor.restart.delay = \"100\" (from the system property"
                        + " -Djcluster.supervisor.restart.delay): write a duration with its unit, e.g. 250ms, 1.5s, 2m or"
                        + " PT30S (a bare number is ambiguous: 100ms or 100s?)");
        assertThatThrownBy(() -> SupervisorSettings.builder()
                .overridesFrom(props("jcluster.supervisor.workers", "0"), Map.of()).build())
                .hasMessageStartingWith("jcluster.supervisor.workers = \"0\" (from the system property"
                        + " -Djcluster.supervisor.workers) is out of range: give the number of worker JVMs to keep, from 1 to 1024");
        assertThatThrownBy(() -> SupervisorSettings.builder()
                .overridesFrom(new Properties(), Map.of("JCLUSTER_SUPERVISOR_SIGNALS", "yes")).build())
                .hasMessage("jcluster.supervisor.signals = \"yes\" (from the environment variable"
                        + " JCLUSTER_SUPERVISOR_SIGNALS): write true or false");
        assertThatThrownBy(() -> SupervisorSettings.builder()
                .overridesFrom(props("jcluster.supervisor.restart.delay.factor", "0.5"), Map.of()).build())
                .hasMessageContaining("jcluster.supervisor.restart.delay.factor = \"0.5\"")
                .hasMessageContaining("give a number from 1 to 100");
        assertThatThrownBy(() -> SupervisorSettings.builder()
                .overridesFrom(props("jcluster.supervisor.crashloop.window", "0"), Map.of()).build())
                .hasMessageContaining("jcluster.supervisor.crashloop.window = \"0\"")
                .hasMessageContaining("must be more than 0");
        assertThatThrownBy(() -> isolated().workers(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("jcluster.supervisor.workers = 0 (set in code) is out of range");
        assertThatThrownBy(() -> isolated().crashLoopExits(-1))
                .hasMessageContaining("0 to turn the breaker off");
        assertThatThrownBy(() -> isolated().shutdownTimeout(Duration.ofSeconds(-1)))
                .hasMessageStartingWith("jcluster.supervisor.shutdown.timeout = PT-1S (set in code) is negative");
    }

    @Test
    void theLongestDelayCannotBeShorterThanTheFirst() {
        assertThatThrownBy(() -> SupervisorSettings.builder().restartDelay(Duration.ofSeconds(2))
                .overridesFrom(props("jcluster.supervisor.restart.delay.max", "1s"), Map.of()).build())
                .hasMessage("jcluster.supervisor.restart.delay.max (1s, from system property"
                        + " -Djcluster.supervisor.restart.delay.max) is shorter than jcluster.supervisor.restart.delay (2s,"
                        + " from code): the longest respawn delay must be at least the first; raise"
                        + " jcluster.supervisor.restart.delay.max or lower jcluster.supervisor.restart.delay");
    }
}
