package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code bin/jcluster} run as a user runs it (or a {@code java} command of a test's own): a process of
 * its own, on the JDK running the tests, with its merged output kept line by line, with the moment each
 * line arrived, for the test to wait on and to time.
 */
final class Jcluster implements AutoCloseable {
    static final Path HOME = Path.of(System.getProperty("jcluster.home", "..")).toAbsolutePath().normalize();
    static final Path SCRIPT = HOME.resolve("bin/jcluster");
    /** The unmodified servers of examples-unmodified, with their libraries and no jcluster jar. */
    static final String APPS_CLASS_PATH = appsJar() + ":" + HOME.resolve("examples-unmodified/target/app-lib") + "/*";
    static final String APPS = "org.jcluster.examples.unmodified.";
    /** The agent jar bin/jcluster puts on each worker's command line: lib/ of the packaged launcher. */
    static final Path AGENT_JAR = HOME.resolve("cluster-launcher/target/lib/cluster-agent.jar");
    /** The launcher's libraries (jcluster, its providers and the agent), as bin/jcluster puts them on its class path. */
    static final String LAUNCHER_LIB = HOME.resolve("cluster-launcher/target/lib") + "/*";

    /** A line of output and when it arrived ({@link System#nanoTime()}). */
    record Line(long nanos, String text) {
    }

    private final Process process;
    private final List<Line> lines = new ArrayList<>(); // guarded by itself
    private final Thread reader;

    private Jcluster(Process process) {
        this.process = process;
        this.reader = new Thread(this::readOutput, "jcluster-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code bin/jcluster args...} and returns at once. */
    static Jcluster start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    /** Starts {@code bin/jcluster args...} with {@code env} added to its environment. */
    static Jcluster start(Map<String, String> env, String... args) throws IOException {
        ProcessBuilder builder = processBuilder(args);
        builder.environment().putAll(env);
        return new Jcluster(builder.start());
    }

    /** Starts {@code java args...} with the JDK running the tests. */
    static Jcluster java(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaCommand());
        command.addAll(List.of(args));
        return new Jcluster(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs {@code bin/jcluster args...} to its end, within {@code timeout}. */
    static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        try (Jcluster j = start(args)) {
            int status = j.awaitExit(timeout);
            return new Result(status, j.output());
        }
    }

    record Result(int status, String output) {
    }

    private static ProcessBuilder processBuilder(String... args) {
        List<String> command = new ArrayList<>();
        command.add(SCRIPT.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JDK under test
        return builder;
    }

    private void readOutput() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(new Line(System.nanoTime(), line));
                    lines.notifyAll();
                }
            }
        } catch (IOException ended) {
            // the process ended
        }
    }

    /** The first line matching, waiting up to {@code timeout} for it; fails with the output so far. */
    String awaitLine(Predicate<String> matching, Duration timeout, String what) throws InterruptedException {
        return awaitTimedLines(matching, 1, timeout, what).get(0).text();
    }

    /** The first {@code count} lines matching, waiting up to {@code timeout} for them. */
    List<String> awaitLines(Predicate<String> matching, int count, Duration timeout, String what)
            throws InterruptedException {
        return awaitTimedLines(matching, count, timeout, what).stream().map(Line::text).collect(Collectors.toList());
    }

    /** As {@link #awaitLines}, with when each line arrived. */
    List<Line> awaitTimedLines(Predicate<String> matching, int count, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                List<Line> found = lines.stream().filter(l -> matching.test(l.text())).limit(count)
                        .collect(Collectors.toList());
                if (found.size() == count) {
                    return found;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && !reader.isAlive()) {
                    fail("no " + count + " line(s) of " + what + " within " + timeout + "; output:\n" + output());
                }
                TimeUnit.NANOSECONDS.timedWait(lines, Math.max(1, left));
            }
        }
    }

    /** Every line so far that matches. */
    List<Line> linesMatching(Predicate<String> matching) {
        synchronized (lines) {
            return lines.stream().filter(l -> matching.test(l.text())).collect(Collectors.toList());
        }
    }

    String output() {
        synchronized (lines) {
            return lines.stream().map(Line::text).collect(Collectors.joining("\n"));
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Seconds between two {@link System#nanoTime()} readings, for the printed figures. */
    static double seconds(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e9;
    }

    /** Waits for the process and its output to end. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(process.info().commandLine().orElse("the process") + " still running after " + timeout + "; output:\n"
                    + output());
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    /**
     * Whatever is left of it (a test that failed half-way) ends here, workers included. Throws no
     * InterruptedException (javac's -Xlint:try warns of each try-with-resources on a close() that may): an
     * interrupted wait ends the process at once and keeps the thread's interrupt status.
     */
    @Override
    public void close() {
        List<ProcessHandle> family = new ArrayList<>(process.descendants().collect(Collectors.toList()));
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: the supervisor's graceful shutdown
            try {
                if (!process.waitFor(40, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        for (ProcessHandle p : family) {
            p.destroyForcibly();
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** examples-spring-boot's executable jar (Spring Boot's repackaged jar), for {@code -jar}. */
    static Path springBootJar() {
        return packagedJar("examples-spring-boot");
    }

    private static Path appsJar() {
        return packagedJar("examples-unmodified");
    }

    /** The jar a module of this build packaged in its target directory (not its sources or javadoc jar). */
    private static Path packagedJar(String module) {
        Path target = HOME.resolve(module + "/target");
        try (var files = Files.list(target)) {
            Optional<Path> jar = files.filter(f -> f.getFileName().toString().matches(module + "-.*\\.jar")
                    && !f.getFileName().toString().contains("sources") && !f.getFileName().toString().contains("javadoc"))
                    .findFirst();
            return jar.orElseThrow(() -> new IllegalStateException(module + " is not packaged in " + target));
        } catch (IOException e) {
            throw new IllegalStateException(module + " is not built: " + e.getMessage(), e);
        }
    }
}
