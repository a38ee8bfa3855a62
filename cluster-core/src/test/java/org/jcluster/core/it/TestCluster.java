package org.jcluster.core.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jcluster.api.ClusterSettings;
import org.jcluster.api.ExitStatus;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.core.internal.primary.PrimaryCluster;
import org.jcluster.testkit.WorkerJvms;

/**
 * A fresh primary for one test (not the JVM-wide Cluster.get(), so tests do not share workers or
 * listeners), whose workers run {@link WorkerMain} scenarios on the class path. Closing it kills
 * whatever workers are left and waits for them to be gone.
 */
final class TestCluster implements AutoCloseable {
    final PrimaryCluster cluster = new PrimaryCluster();

    TestCluster(String scenario, String... args) {
        this(settings(scenario, args).build());
    }

    TestCluster(ClusterSettings settings) {
        cluster.setupPrimary(settings);
    }

    /** An embedder's cluster: its executor is installed before anything (setup included) emits an event. */
    TestCluster(ClusterSettings settings, Executor eventExecutor) {
        cluster.eventExecutor(eventExecutor);
        cluster.setupPrimary(settings);
    }

    /** A primary under scheduling policy {@code policy} whose workers are {@link ServerAgent}s. */
    static TestCluster agents(String policy) {
        return agents(policy, b -> { });
    }

    static TestCluster agents(String policy, Consumer<ClusterSettings.Builder> more) {
        ClusterSettings.Builder b = settings("agent").exec(ServerAgent.class.getName()).args(List.of());
        more.accept(b);
        return new TestCluster(policy, b.build());
    }

    /** A primary under scheduling policy {@code policy} whose workers run {@code scenario}. */
    static TestCluster under(String policy, String scenario, String... args) {
        return new TestCluster(policy, settings(scenario, args).build());
    }

    private TestCluster(String policy, ClusterSettings settings) {
        cluster.schedulingPolicy(policy);
        cluster.setupPrimary(settings);
    }

    static ClusterSettings.Builder settings(String scenario, String... args) {
        List<String> all = new ArrayList<>();
        all.add(scenario);
        all.addAll(List.of(args));
        return WorkerJvms.running(WorkerMain.class).args(all);
    }

    Worker fork() {
        return cluster.fork();
    }

    /** Waits for a future completed by an event listener. */
    static <T> T await(CompletableFuture<T> future) {
        return WorkerJvms.await(future, "event");
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WorkerJvms.DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("no event within " + WorkerJvms.DEADLINE + " (" + latch.getCount() + " missing)");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Resolves once the worker's exit event has been delivered. */
    static CompletableFuture<ExitStatus> exitOf(Worker worker) {
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        worker.once(WorkerEvent.EXIT, exit::complete);
        return exit;
    }

    /** Resolves once the worker has both disconnected and exited: it has left workers() by then. */
    static CompletableFuture<Void> goneOf(Worker worker) {
        CompletableFuture<Void> disconnected = new CompletableFuture<>();
        worker.once(WorkerEvent.DISCONNECT, () -> disconnected.complete(null));
        return CompletableFuture.allOf(disconnected, exitOf(worker));
    }

    /** Sends {@code message} and returns the worker's next message (its echo, for "echo" workers). */
    static Object roundTrip(Worker worker, Object message) {
        CompletableFuture<Object> answer = nextMessage(worker);
        worker.send(message);
        return await(answer);
    }

    /** The next message the worker sends. */
    static CompletableFuture<Object> nextMessage(Worker worker) {
        CompletableFuture<Object> message = new CompletableFuture<>();
        worker.once(WorkerEvent.MESSAGE, message::complete);
        return message;
    }

    /** Completes once the worker has sent {@code text} {@code count} times. */
    static CompletableFuture<Void> messages(Worker w, String text, int count) {
        CompletableFuture<Void> all = new CompletableFuture<>();
        int[] seen = {0};
        w.on(WorkerEvent.MESSAGE, m -> {
            if (text.equals(m) && ++seen[0] == count) {
                all.complete(null);
            }
        });
        return all;
    }

    /**
     * Returns once every event queued so far has been delivered: anything a finished worker could
     * still emit (a duplicate, say) has been emitted by then.
     */
    void drainEvents() {
        CountDownLatch drained = new CountDownLatch(1);
        cluster.runOnEventThread(drained::countDown);
        await(drained);
    }

    @Override
    public void close() {
        List<CompletableFuture<?>> exits = new ArrayList<>();
        for (Worker worker : List.copyOf(cluster.workers().values())) {
            CompletableFuture<Void> gone = new CompletableFuture<>();
            worker.once(WorkerEvent.EXIT, status -> gone.complete(null));
            if (worker.isDead()) {
                gone.complete(null);
            }
            worker.kill("SIGKILL");
            exits.add(gone);
        }
        for (CompletableFuture<?> exit : exits) {
            await(exit);
        }
    }
}
