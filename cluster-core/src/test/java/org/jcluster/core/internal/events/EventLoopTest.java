package org.jcluster.core.internal.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class EventLoopTest {
    private static final long DEADLINE_S = 20;

    @Test
    void tasksFromManyThreadsRunOneAtATimeEachThreadsInOrder() throws Exception {
        EventLoop loop = new EventLoop("test-events");
        int threads = 4;
        int perThread = 20_000;
        List<List<Integer>> seen = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            seen.add(new ArrayList<>());
        }
        int[] concurrent = {0};
        int[] maxConcurrent = {0};
        CountDownLatch done = new CountDownLatch(threads * perThread);
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread producer = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    int n = i;
                    Runnable task = () -> {
                        // Unsynchronized on purpose: tasks never overlap, so plain fields are safe.
                        maxConcurrent[0] = Math.max(maxConcurrent[0], ++concurrent[0]);
                        seen.get(thread).add(n);
                        concurrent[0]--;
                        done.countDown();
                    };
                    if (thread % 2 == 0) {
                        loop.execute(task);
                    } else {
                        loop.executeFromIo(task); // an I/O thread: it runs what is pending itself
                        loop.runPendingHere();
                    }
                }
            });
            producers.add(producer);
            producer.start();
        }
        assertThat(done.await(DEADLINE_S, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> barrier = new CompletableFuture<>();
        loop.execute(() -> barrier.complete(null)); // publishes the plain fields to this thread
        barrier.get(DEADLINE_S, TimeUnit.SECONDS);
        assertThat(maxConcurrent[0]).isEqualTo(1);
        for (List<Integer> perProducer : seen) {
            assertThat(perProducer).hasSize(perThread).isSorted();
        }
    }

    @Test
    void executeNeverRunsTheTaskInsideTheCall() throws Exception {
        EventLoop loop = new EventLoop("test-events");
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        loop.execute(() -> ranOn.complete(Thread.currentThread()));
        assertThat(ranOn.get(DEADLINE_S, TimeUnit.SECONDS)).isNotSameAs(Thread.currentThread());
        assertThat(ranOn.get().getName()).isEqualTo("test-events");
    }

    @Test
    void anIoThreadRunsPendingTasksItselfWithoutAHandOff() {
        EventLoop loop = new EventLoop("test-events");
        List<Thread> ranOn = new ArrayList<>();
        loop.executeFromIo(() -> ranOn.add(Thread.currentThread()));
        loop.runPendingHere();
        assertThat(ranOn).containsExactly(Thread.currentThread());
    }

    @Test
    void aThrowingTaskDoesNotStopLaterOnes() throws Exception {
        EventLoop loop = new EventLoop("test-events");
        CompletableFuture<String> later = new CompletableFuture<>();
        loop.execute(() -> {
            throw new IllegalStateException("listener bug (expected by this test)");
        });
        loop.execute(() -> later.complete("ran"));
        assertThat(later.get(DEADLINE_S, TimeUnit.SECONDS)).isEqualTo("ran");
    }

    @Test
    void isRunnerThreadIsTrueOnlyInsideARunningTask() throws Exception {
        EventLoop loop = new EventLoop("test-events");
        CompletableFuture<Boolean> inside = new CompletableFuture<>();
        loop.execute(() -> inside.complete(loop.isRunnerThread()));
        assertThat(inside.get(DEADLINE_S, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.isRunnerThread()).isFalse();
    }

    @Test
    void anEmbeddersExecutorGetsEveryTaskAndIoThreadsRunNone() throws Exception {
        EventLoop loop = new EventLoop("test-events");
        List<Runnable> handedOver = new CopyOnWriteArrayList<>();
        Executor embedder = handedOver::add;
        loop.useExecutor(embedder);
        List<String> ran = new ArrayList<>();
        loop.execute(() -> ran.add("a"));
        loop.executeFromIo(() -> ran.add("b"));
        loop.runPendingHere();
        assertThat(ran).isEmpty();
        handedOver.forEach(Runnable::run);
        assertThat(ran).containsExactly("a", "b");
    }

    @Test
    void theExecutorCannotChangeOnceEventsFlow() {
        EventLoop loop = new EventLoop("test-events");
        loop.execute(() -> { });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> loop.useExecutor(Runnable::run))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("before the cluster's first event");
    }
}
