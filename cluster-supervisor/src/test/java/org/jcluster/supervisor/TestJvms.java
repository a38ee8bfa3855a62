package org.jcluster.supervisor;

import java.io.File;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jcluster.api.ClusterSettings;

/** What every test here shares: the deadline, fast worker JVMs, the class path they run on. */
final class TestJvms {
    /** The longest any one step may take; a failure, never a wait. */
    static final Duration DEADLINE = Duration.ofSeconds(30);
    /** Flags that make a JVM start faster; the tests care about behaviour, not peak speed. */
    static final List<String> FAST_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m", "-Xss512k");

    private TestJvms() {
    }

    /** Settings that ignore this JVM's properties and environment, handle no signal and never exit the JVM. */
    static SupervisorSettings.Builder inThisJvm() {
        return SupervisorSettings.builder()
                .overridesFrom(new Properties(), Map.of())
                .handleSignals(false)
                .exitAfterShutdown(false);
    }

    /**
     * Everything this test JVM can see, flattened onto a class path for other JVMs (as cluster-core's
     * tests do): under surefire's module path the test classes are patched into this module and named by
     * no path property, so the pom passes their directory as a system property.
     */
    static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (String property : List.of("jcluster.test.classes", "jcluster.test.main.classes", "jdk.module.path",
                "java.class.path")) {
            String value = System.getProperty(property);
            if (value != null && !value.isEmpty()) {
                entries.addAll(List.of(value.split(File.pathSeparator)));
            }
        }
        entries.removeIf(String::isEmpty);
        return String.join(File.pathSeparator, entries);
    }

    /** Settings whose workers run {@code main} of this test JVM's class path, started fast. */
    static ClusterSettings.Builder workersRunning(Class<?> main, String... args) {
        return ClusterSettings.builder()
                .exec(main.getName())
                .classPath(classPath())
                .modulePath("")
                .execArgv(FAST_JVM)
                .args(List.of(args));
    }

    static <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no " + what + " within " + DEADLINE, e);
        } catch (Exception e) {
            throw new AssertionError(what + " failed", e);
        }
    }

    /** Sends {@code signal} ("TERM", "INT", "KILL") to a process, as an operator's kill does. */
    static void signal(long pid, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (!kill.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + signal + " " + pid + " failed");
        }
    }
}
