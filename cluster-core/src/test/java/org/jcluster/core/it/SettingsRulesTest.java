package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.core.it.TestCluster.await;
import static org.jcluster.core.it.TestCluster.nextMessage;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterSettings;

import org.jcluster.core.internal.primary.PrimaryCluster;
import org.jcluster.testkit.WorkerJvms;
import org.junit.jupiter.api.Test;

/** Node rules 40-42: settings, setup events, and what reaches the worker JVM. */
class SettingsRulesTest {

    @Test
    void rule40_settingsAreEmptyUntilNeededThenSetupMergesOnlyTheKeysGiven() {
        PrimaryCluster cluster = new PrimaryCluster();
        assertThat(cluster.settings().isEmpty()).isTrue();
        cluster.setupPrimary(ClusterSettings.builder().exec("com.example.First").args(List.of("a")).build());
        ClusterSettings first = cluster.settings();
        assertThat(first.exec()).hasValue("com.example.First");
        assertThat(first.javaCommand()).as("defaults filled in").isPresent();
        assertThat(first.execArgv()).isPresent();
        cluster.setupPrimary(ClusterSettings.builder().args(List.of("b")).build());
        assertThat(cluster.settings().exec()).hasValue("com.example.First");
        assertThat(cluster.settings().args()).hasValue(List.of("b"));
    }

    @Test
    void rule40_theDefaultsArePinned() {
        PrimaryCluster cluster = new PrimaryCluster();
        cluster.setupPrimary(ClusterSettings.empty());
        ClusterSettings s = cluster.settings();
        assertThat(s.serialization()).hasValue("json");
        assertThat(s.silent()).hasValue(false);
        assertThat(s.maxFrameBytes()).hasValue(64 * 1024 * 1024);
        assertThat(s.sendHighWaterMark()).hasValue(4 * 1024 * 1024);
        assertThat(s.cwd()).as("inherited").isEmpty();
        assertThat(s.debugPort()).isEmpty();
        assertThat(s.classPath()).hasValue(System.getProperty("java.class.path"));
        assertThat(s.javaCommand()).hasValue(ProcessHandle.current().info().command().orElseThrow());
        assertThat(s.execArgv().orElseThrow()).doesNotContain("-Djdk.module.main=jcluster.core")
                .noneMatch(f -> f.startsWith("--module-path="));
        assertThat(cluster.schedulingPolicy()).isEqualTo("rr");
    }

    @Test
    void rule41_setupIsEmittedAsynchronouslyOncePerCallInCallOrder() {
        PrimaryCluster cluster = new PrimaryCluster();
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        CountDownLatch three = new CountDownLatch(3);
        cluster.on(ClusterEvent.SETUP, s -> {
            seen.add(s.args().orElseThrow());
            three.countDown();
        });
        CompletableFuture<Integer> seenDuringCalls = new CompletableFuture<>();
        cluster.runOnEventThread(() -> {
            for (String arg : List.of("one", "two", "three")) {
                cluster.setupPrimary(ClusterSettings.builder().args(List.of(arg)).build());
            }
            seenDuringCalls.complete(seen.size());
        });
        assertThat(await(seenDuringCalls)).isZero();
        await(three);
        assertThat(seen).containsExactly(List.of("one"), List.of("two"), List.of("three"));
    }

    @Test
    void rule42_argsCwdAndJvmFlagsReachTheWorker() throws IOException {
        Path cwd = Files.createTempDirectory("jcluster-cwd").toRealPath();
        List<String> flags = new ArrayList<>(WorkerJvms.FAST_JVM);
        flags.add("-Djcluster.test.flag=from-execArgv");
        try (TestCluster t = new TestCluster(TestCluster.settings("report", "with space", "x").cwd(cwd).execArgv(flags).build())) {
            @SuppressWarnings("unchecked")
            Map<String, Object> report = (Map<String, Object>) await(nextMessage(t.fork()));
            assertThat(report.get("args")).isEqualTo(List.of("report", "with space", "x"));
            assertThat(report.get("cwd")).isEqualTo(cwd.toString());
            assertThat(report.get("property")).isEqualTo("from-execArgv");
        } finally {
            Files.deleteIfExists(cwd);
        }
    }

    @Test
    void rule42_aJdwpPortInExecArgvIsRenumberedPerWorker() throws IOException {
        int base = twoFreePorts();
        List<String> flags = new ArrayList<>(WorkerJvms.FAST_JVM);
        flags.add("-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:5005");
        try (TestCluster t = new TestCluster(TestCluster.settings("report").execArgv(flags).debugPort(base).build())) {
            List<String> agents = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                @SuppressWarnings("unchecked")
                List<String> jvmFlags = (List<String>) ((Map<String, Object>) await(nextMessage(t.fork()))).get("jvmFlags");
                jvmFlags.stream().filter(f -> f.startsWith("-agentlib:jdwp")).forEach(agents::add);
            }
            assertThat(agents).containsExactly(
                    "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:" + base,
                    "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:" + (base + 1));
        }
    }

    @Test
    void aFlightRecordingInTheWorkersFlagsGoesToAFileOfEachWorkersOwn(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        List<String> flags = new ArrayList<>(WorkerJvms.FAST_JVM);
        flags.add("-XX:StartFlightRecording:filename=" + dir.resolve("shop.jfr") + ",dumponexit=true");
        try (TestCluster t = new TestCluster(TestCluster.settings("idle").execArgv(flags).build())) {
            for (int i = 0; i < 2; i++) {
                org.jcluster.api.Worker w = t.fork();
                await(w.ping(java.time.Duration.ofSeconds(10)));
                CompletableFuture<Void> gone = TestCluster.goneOf(w);
                w.disconnect(); // a normal exit: the recording is dumped
                await(gone);
            }
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("shop-worker-1.jfr",
                    "shop-worker-2.jfr");
        }
        assertThat(Files.size(dir.resolve("shop-worker-1.jfr"))).isPositive();
    }

    /** A port p such that p and p+1 are both free right now. */
    private static int twoFreePorts() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket first = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int p = first.getLocalPort();
                if (p >= 65535) {
                    continue;
                }
                try (ServerSocket second = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
                    return p;
                } catch (IOException taken) {
                    // try another pair
                }
            }
        }
        throw new IOException("no two consecutive free ports on loopback");
    }

}
