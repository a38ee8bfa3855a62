package org.jcluster.core.internal.primary;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalInt;

import org.jcluster.api.ClusterSettings;
import org.junit.jupiter.api.Test;

class WorkerCommandTest {

    @Test
    void jdwpAddressesAreRenumberedFromThePrimarysPortPlusOneByDefault() {
        assertThat(WorkerCommand.renumberDebugPort("-agentlib:jdwp=transport=dt_socket,server=y,address=*:5005", 1, OptionalInt.empty()))
                .isEqualTo("-agentlib:jdwp=transport=dt_socket,server=y,address=*:5006");
        assertThat(WorkerCommand.renumberDebugPort("-agentlib:jdwp=address=5005,server=y", 3, OptionalInt.empty()))
                .isEqualTo("-agentlib:jdwp=address=5008,server=y");
        assertThat(WorkerCommand.renumberDebugPort("-Xrunjdwp:transport=dt_socket,address=localhost:8000", 2, OptionalInt.of(9000)))
                .isEqualTo("-Xrunjdwp:transport=dt_socket,address=localhost:9001");
        assertThat(WorkerCommand.renumberDebugPort("-Xmx1g", 2, OptionalInt.of(9000))).isEqualTo("-Xmx1g");
    }

    @Test
    void aFlightRecordingsFileIsOneOfEachWorkersOwn() {
        assertThat(WorkerCommand.recordingPerWorker("-XX:StartFlightRecording:filename=/tmp/shop.jfr,dumponexit=true", 2))
                .isEqualTo("-XX:StartFlightRecording:filename=/tmp/shop-worker-2.jfr,dumponexit=true");
        assertThat(WorkerCommand.recordingPerWorker("-XX:StartFlightRecording=settings=profile,filename=rec.jfr", 1))
                .isEqualTo("-XX:StartFlightRecording=settings=profile,filename=rec-worker-1.jfr");
        // Already one of each JVM's own: the pid in the name, a directory, or no file named at all.
        for (String own : List.of("-XX:StartFlightRecording:filename=/tmp/rec-%p.jfr", "-XX:StartFlightRecording:filename=/tmp/recordings",
                "-XX:StartFlightRecording:dumponexit=true", "-XX:FlightRecorderOptions:stackdepth=128")) {
            assertThat(WorkerCommand.recordingPerWorker(own, 3)).isEqualTo(own);
        }
    }

    @Test
    void theFrameworksOwnFlagsAreAddedForClassPathAndModuleLaunches() {
        ClusterSettings classPath = ClusterSettings.builder().javaCommand("java").exec("com.example.Main")
                .classPath("app.jar").execArgv(List.of("-Xmx64m")).args(List.of("a")).build();
        assertThat(WorkerCommand.build(classPath, 1)).containsExactly("java", "-Xmx64m",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "-cp", "app.jar", "com.example.Main", "a");
        ClusterSettings module = ClusterSettings.builder().javaCommand("java").exec("app/com.example.Main")
                .modulePath("mods").classPath("").execArgv(List.of("--enable-native-access=org.jnrproject.jffi")).build();
        assertThat(WorkerCommand.build(module, 1)).containsExactly("java", "--enable-native-access=org.jnrproject.jffi",
                "--add-opens=java.base/sun.nio.ch=jcluster.core", "--module-path", "mods", "-m", "app/com.example.Main");
    }

    @Test
    void anExecutableJarRunsWithDashJarAndNeitherPath() {
        ClusterSettings jar = ClusterSettings.builder().javaCommand("java").exec("/srv/apps/shop.jar")
                .classPath("ignored.jar").modulePath("mods").args(List.of("--port", "80")).build();
        assertThat(WorkerCommand.build(jar, 1)).containsExactly("java",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "-jar", "/srv/apps/shop.jar", "--port", "80");
    }
}
