package org.jcluster.testkit;

import java.io.File;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jcluster.api.ClusterSettings;

/** What every test that starts worker JVMs shares: the deadline, fast JVMs, the class path they run on. */
public final class WorkerJvms {
    /** The longest any one step of a test may take; a failure when passed, never a wait. */
    public static final Duration DEADLINE = Duration.ofSeconds(30);
    /** Flags that make a JVM start faster; the tests care about behaviour, not peak speed. */
    public static final List<String> FAST_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
            "-Xss512k");

    private WorkerJvms() {
    }

    /**
     * Everything this test JVM can see, flattened onto a class path for other JVMs. Under surefire's
     * module path a module's test classes are patched into it and named by no path property, so each pom
     * whose tests start JVMs passes their directories as {@code jcluster.test.classes} and {@code
     * jcluster.test.main.classes}.
     */
    public static String classPath() {
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

    /** Settings whose workers run {@code main} on this test JVM's class path, started fast. */
    public static ClusterSettings.Builder running(Class<?> main, String... args) {
        return ClusterSettings.builder()
                .exec(main.getName())
                .classPath(classPath())
                .modulePath("")
                .execArgv(FAST_JVM)
                .args(List.of(args));
    }

    /** The future's value; an {@link AssertionError} naming {@code what} if it fails or takes over {@link #DEADLINE}. */
    public static <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no " + what + " within " + DEADLINE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        } catch (Exception e) {
            throw new AssertionError(what + " failed", e);
        }
    }

    /** Sends {@code signal} ("TERM", "INT", "KILL", ...) to a process, as an operator's {@code kill} does. */
    public static void signal(long pid, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (!kill.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS) || kill.exitValue() != 0) {
            kill.destroyForcibly();
            throw new AssertionError("kill -" + signal + " " + pid + " failed");
        }
    }
}
