package org.jcluster.supervisor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.testkit.WorkerJvms;

/**
 * Every cluster and supervisor event of one test, with the {@link System#nanoTime()} at which its
 * listener ran (on the event thread). Its cluster listeners are added before the supervisor's, so for
 * one event they run first: an exit is stamped before the supervisor hears of it.
 */
final class Timeline implements AutoCloseable {
    /** One event: its kind ("fork", "online", "exit", "message", or a supervisor event's name). */
    record Seen(long nanos, String kind, Worker worker, Object detail) {
    }

    private final List<Seen> seen = new ArrayList<>();
    private final List<Registration> registrations = new ArrayList<>();

    Timeline(Cluster cluster) {
        registrations.add(cluster.on(ClusterEvent.FORK, w -> add("fork", w, null)));
        registrations.add(cluster.on(ClusterEvent.ONLINE, w -> add("online", w, null)));
        registrations.add(cluster.on(ClusterEvent.EXIT, (w, status) -> add("exit", w, status)));
        registrations.add(cluster.on(ClusterEvent.MESSAGE, (w, message) -> add("message", w, message)));
    }

    /** Records the supervisor's events too. */
    Timeline watch(Supervisor supervisor) {
        on(supervisor, SupervisorEvent.RESPAWN_SCHEDULED, e -> add("respawn-scheduled", e.worker(), e));
        on(supervisor, SupervisorEvent.RESPAWNED, e -> add("respawned", e.worker(), e));
        on(supervisor, SupervisorEvent.BACKOFF_RESET, e -> add("backoff-reset", e.worker(), e));
        on(supervisor, SupervisorEvent.RETIRED, e -> add("retired", e.worker(), e));
        on(supervisor, SupervisorEvent.CRASH_LOOP, e -> add("crash-loop", null, e));
        on(supervisor, SupervisorEvent.SHUTDOWN_STARTED, e -> add("shutdown-started", null, e));
        on(supervisor, SupervisorEvent.SHUTDOWN_DONE, e -> add("shutdown-done", null, e));
        on(supervisor, SupervisorEvent.UNRESPONSIVE, e -> add("unresponsive", e.worker(), e));
        on(supervisor, SupervisorEvent.RECYCLED, e -> add("recycled", e.replaced(), e));
        return this;
    }

    private <T> void on(Supervisor supervisor, SupervisorEvent<Consumer<T>> event, Consumer<T> listener) {
        registrations.add(supervisor.on(event, listener));
    }

    private synchronized void add(String kind, Worker worker, Object detail) {
        seen.add(new Seen(System.nanoTime(), kind, worker, detail));
        notifyAll();
    }

    /** The first event of {@code kind} about {@code worker} (any worker when null), waiting for it within the deadline. */
    Seen await(String kind, Worker worker) {
        return await(kind, s -> worker == null || s.worker() == worker);
    }

    synchronized Seen await(String kind, Predicate<Seen> which) {
        long deadline = System.nanoTime() + WorkerJvms.DEADLINE.toNanos();
        for (;;) {
            for (Seen s : seen) {
                if (s.kind().equals(kind) && which.test(s)) {
                    return s;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + kind + " event within " + WorkerJvms.DEADLINE + "; saw " + seen);
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Every event of {@code kind} so far. */
    synchronized List<Seen> all(String kind) {
        return seen.stream().filter(s -> s.kind().equals(kind)).toList();
    }

    @Override
    public void close() {
        registrations.forEach(Registration::remove);
    }
}
