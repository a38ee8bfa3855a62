package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.core.it.TestCluster.await;
import static org.jcluster.core.it.TestCluster.roundTrip;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.jcluster.api.ClusterEvent;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.junit.jupiter.api.Test;

/** Typed listeners (removable, once-only) and delivery through an embedding runtime's executor. */
class ListenersAndEmbeddingTest {

    @Test
    void aRemovedListenerHearsNothingMoreAndAOnceListenerHearsOnce() {
        try (TestCluster t = new TestCluster("echo")) {
            Worker w = t.fork();
            List<Object> always = new CopyOnWriteArrayList<>();
            List<Object> once = new CopyOnWriteArrayList<>();
            List<Object> removed = new CopyOnWriteArrayList<>();
            w.on(WorkerEvent.MESSAGE, always::add);
            w.once(WorkerEvent.MESSAGE, once::add);
            Registration registration = w.on(WorkerEvent.MESSAGE, removed::add);
            assertThat(roundTrip(w, "one")).isEqualTo("one");
            registration.remove();
            registration.remove(); // idempotent
            assertThat(roundTrip(w, "two")).isEqualTo("two");
            t.drainEvents();
            assertThat(always).containsExactly("one", "two");
            assertThat(once).containsExactly("one");
            assertThat(removed).containsExactly("one");
        }
    }

    @Test
    void everyEventGoesThroughTheEmbeddersExecutorInOrder() {
        ExecutorService embedder = Executors.newSingleThreadExecutor(r -> new Thread(r, "embedder-loop"));
        try (TestCluster t = new TestCluster(TestCluster.settings("exit-after-report", "0").build(), embedder)) {
            List<String> seen = new CopyOnWriteArrayList<>();
            t.cluster.on(ClusterEvent.FORK, w -> seen.add("fork on " + Thread.currentThread().getName()));
            t.cluster.on(ClusterEvent.ONLINE, w -> seen.add("online on " + Thread.currentThread().getName()));
            t.cluster.on(ClusterEvent.MESSAGE, (w, m) -> seen.add("message on " + Thread.currentThread().getName()));
            CompletableFuture<String> exit = new CompletableFuture<>();
            t.cluster.on(ClusterEvent.EXIT, (w, s) -> exit.complete("exit on " + Thread.currentThread().getName()));
            t.fork();
            assertThat(await(exit)).isEqualTo("exit on embedder-loop");
            assertThat(seen).containsExactly("fork on embedder-loop", "online on embedder-loop", "message on embedder-loop");
        } finally {
            embedder.shutdown();
        }
    }
}
