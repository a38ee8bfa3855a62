package org.jcluster.metrics.micrometer;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerState;

/**
 * Worker JVMs running {@link MetersWorkerMain}, and the messages they send, kept per worker for the test
 * to wait on. Every wait has {@link #DEADLINE}.
 */
final class TestWorkers implements AutoCloseable {
    static final Duration DEADLINE = Duration.ofSeconds(30);
    /** Flags that make a JVM start faster; the tests care about behaviour, not peak speed. */
    private static final List<String> FAST_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
            "-Xss512k");

    private final Map<Integer, List<Object>> messages = new HashMap<>(); // guarded by itself
    private final Registration listener;

    TestWorkers(Cluster cluster) {
        cluster.setupPrimary(ClusterSettings.builder().exec(MetersWorkerMain.class.getName()).classPath(classPath())
                .modulePath("").execArgv(FAST_JVM).build());
        listener = cluster.on(ClusterEvent.MESSAGE, (worker, message) -> {
            synchronized (messages) {
                messages.computeIfAbsent(worker.id(), id -> new ArrayList<>()).add(message);
                messages.notifyAll();
            }
        });
    }

    /** Waits until {@code worker} has sent {@code message}. */
    void await(Worker worker, String message) throws InterruptedException {
        awaitUntil(worker, "'" + message + "'", sent -> sent.contains(message));
    }

    /** Waits until {@code worker} has sent {@code message} {@code times} times. */
    void await(Worker worker, String message, int times) throws InterruptedException {
        awaitUntil(worker, times + " times '" + message + "'", sent -> sent.stream().filter(message::equals).count() >= times);
    }

    /** Waits until {@code worker} has sent a message starting with {@code prefix}, and returns the rest of it. */
    String awaitStartingWith(Worker worker, String prefix) throws InterruptedException {
        Predicate<Object> starts = m -> m instanceof String s && s.startsWith(prefix);
        List<Object> sent = awaitUntil(worker, "a message starting with '" + prefix + "'", all -> all.stream().anyMatch(starts));
        return sent.stream().filter(starts).findFirst().map(m -> ((String) m).substring(prefix.length())).orElseThrow();
    }

    private List<Object> awaitUntil(Worker worker, String what, Predicate<List<Object>> enough) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        synchronized (messages) {
            while (!enough.test(messages.getOrDefault(worker.id(), List.of()))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("worker " + worker.id() + " did not send " + what + " within " + DEADLINE
                            + "; it sent " + messages.get(worker.id()));
                }
                TimeUnit.NANOSECONDS.timedWait(messages, left);
            }
            return List.copyOf(messages.get(worker.id()));
        }
    }

    @Override
    public void close() {
        listener.remove();
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

    /**
     * Everything this test JVM can see, flattened onto a class path for the workers: under surefire's module
     * path the test classes are patched into this module and named by no path property, so the pom passes
     * their directory as a system property.
     */
    /** SIGKILLs {@code w} (null: none) and waits for its exit, unless it is already dead. */
    static void end(Cluster cluster, Worker w) {
        if (w == null) {
            return;
        }
        CompletableFuture<Void> gone = new CompletableFuture<>();
        Registration exit = cluster.on(ClusterEvent.EXIT, (worker, status) -> {
            if (worker == w) {
                gone.complete(null);
            }
        });
        try {
            if (w.state() != WorkerState.DEAD) { // its exit is delivered once: a worker already dead has had it
                w.kill("SIGKILL");
                await(gone, "worker " + w.id() + "'s exit");
            }
        } finally {
            exit.remove();
        }
    }

    private static String classPath() {
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
}
