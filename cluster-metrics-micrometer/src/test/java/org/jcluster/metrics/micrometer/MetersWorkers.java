package org.jcluster.metrics.micrometer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerState;
import org.jcluster.testkit.WorkerJvms;

/**
 * Worker JVMs running {@link MetersWorkerMain}, and the messages they send, kept per worker for the test
 * to wait on. Every wait has {@link WorkerJvms#DEADLINE}.
 */
final class MetersWorkers implements AutoCloseable {

    private final Map<Integer, List<Object>> messages = new HashMap<>(); // guarded by itself
    private final Registration listener;

    MetersWorkers(Cluster cluster) {
        cluster.setupPrimary(WorkerJvms.running(MetersWorkerMain.class).build());
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
        long deadline = System.nanoTime() + WorkerJvms.DEADLINE.toNanos();
        synchronized (messages) {
            while (!enough.test(messages.getOrDefault(worker.id(), List.of()))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("worker " + worker.id() + " did not send " + what + " within " + WorkerJvms.DEADLINE
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
                WorkerJvms.await(gone, "worker " + w.id() + "'s exit");
            }
        } finally {
            exit.remove();
        }
    }
}
