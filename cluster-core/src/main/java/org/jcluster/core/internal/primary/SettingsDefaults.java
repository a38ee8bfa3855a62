package org.jcluster.core.internal.primary;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;

import org.jcluster.api.ClusterSettings;

/**
 * The settings a primary starts from (Node rule 40): its own java launcher, class and module path,
 * main class or module, main arguments and JVM flags, so that {@code fork()} runs the same program.
 */
final class SettingsDefaults {

    /** Launcher flags the JVM reports among its input arguments but which re-enter as settings. */
    private static final List<String> NOT_JVM_FLAGS = List.of("--module-path=", "-Djdk.module.main=",
            "-Djdk.module.path=", "-Djava.class.path=", "-Dsun.java.command=", "-Dsun.java.launcher=");

    private SettingsDefaults() {
    }

    static ClusterSettings ofThisJvm() {
        ClusterSettings.Builder b = ClusterSettings.builder()
                .javaCommand(javaCommand())
                .execArgv(jvmFlags())
                .silent(false)
                .serialization(ClusterSettings.DEFAULT_SERIALIZATION)
                .maxFrameBytes(ClusterSettings.DEFAULT_MAX_FRAME_BYTES)
                .sendHighWaterMark(ClusterSettings.DEFAULT_SEND_HIGH_WATER_MARK);
        String classPath = System.getProperty("java.class.path", "");
        b.classPath(classPath);
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isEmpty()) {
            b.modulePath(modulePath);
        }
        Launch launch = launch();
        if (launch.exec != null) {
            b.exec(launch.exec);
        }
        b.args(launch.args);
        return b.build();
    }

    static String javaCommand() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (NOT_JVM_FLAGS.stream().noneMatch(arg::startsWith)) {
                flags.add(arg);
            }
        }
        return flags;
    }

    private record Launch(String exec, List<String> args) { }

    /**
     * The main class (or module/class) and main arguments. sun.java.command holds them space-joined,
     * which loses arguments with spaces; the exact argv from the OS is used to recover them.
     */
    private static Launch launch() {
        String command = System.getProperty("sun.java.command", "").trim();
        if (command.isEmpty()) {
            return new Launch(null, List.of());
        }
        String[] tokens = command.split(" ");
        String main = tokens[0];
        List<String> args = exactArgsAfter(main, command.substring(main.length()).trim())
                .orElse(Arrays.asList(tokens).subList(1, tokens.length));
        String exec = main;
        if (main.endsWith(".jar")) {
            exec = mainClassOfJar(Path.of(main));
        }
        return new Launch(exec, List.copyOf(args));
    }

    private static Optional<List<String>> exactArgsAfter(String main, String joinedArgs) {
        String[] argv = ProcessHandle.current().info().arguments().orElse(null);
        if (argv == null) {
            return Optional.empty();
        }
        for (int i = argv.length - 1; i >= 0; i--) {
            if (argv[i].equals(main)) {
                List<String> after = Arrays.asList(argv).subList(i + 1, argv.length);
                if (String.join(" ", after).equals(joinedArgs)) {
                    return Optional.of(after);
                }
            }
        }
        return Optional.empty();
    }

    private static String mainClassOfJar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            return null;
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest() == null ? null : file.getManifest().getMainAttributes().getValue("Main-Class");
        } catch (IOException e) {
            return null;
        }
    }
}
