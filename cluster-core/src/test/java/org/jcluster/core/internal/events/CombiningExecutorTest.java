package org.jcluster.core.internal.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class CombiningExecutorTest {
    private static final long DEADLINE_S = 20;

    @Test
    void tasksFromManyThreadsRunOneAtATimeEachThreadsInOrderAndNoneIsLeftBehind() throws Exception {
        CombiningExecutor turns = new CombiningExecutor("a test task", CombiningExecutor.RunnerHooks.NONE);
        int threads = 4;
        int perThread = 50_000;
        List<List<Integer>> seen = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            seen.add(new ArrayList<>());
        }
        int[] inside = {0};
        int[] mostInside = {0};
        long[] ranOnSubmitter = {0};
        CyclicBarrier start = new CyclicBarrier(threads);
        CountDownLatch submitted = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread submitter = new Thread(() -> {
                try {
                    start.await(DEADLINE_S, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                Thread me = Thread.currentThread();
                for (int i = 0; i < perThread; i++) {
                    int n = i;
                    turns.execute(() -> {
                        // Plain fields on purpose: the executor promises one task at a time, with each
                        // task seeing what the earlier ones wrote.
                        mostInside[0] = Math.max(mostInside[0], ++inside[0]);
                        seen.get(thread).add(n);
                        if (Thread.currentThread() == me) {
                            ranOnSubmitter[0]++;
                        }
                        inside[0]--;
                    });
                }
                submitted.countDown();
            }, "submitter-" + t);
            submitter.setDaemon(true);
            submitter.start();
        }
        assertThat(submitted.await(DEADLINE_S, TimeUnit.SECONDS)).as("every submitter finished").isTrue();
        // Every execute() has returned: whatever a submitter queued, some runner ran before it let go.
        assertThat(turns.hasPending()).as("a task left queued with nobody to run it").isFalse();
        assertThat(turns.isRunning()).isFalse();
        assertThat(mostInside[0]).as("tasks never overlap").isEqualTo(1);
        for (int t = 0; t < threads; t++) {
            List<Integer> got = seen.get(t);
            assertThat(got).as("thread %d's tasks, all, in its order", t).hasSize(perThread);
            for (int i = 0; i < perThread; i++) {
                if (got.get(i) != i) {
                    throw new AssertionError("thread " + t + "'s task " + got.get(i) + " ran at position " + i);
                }
            }
        }
        assertThat(ranOnSubmitter[0]).as("tasks run on the threads that submit them, no thread of its own")
                .isGreaterThan(0);
    }

    @Test
    void theHooksSeeEveryTaskCountedAndTheReleaseOnBothPaths() {
        List<String> seen = new ArrayList<>();
        CombiningExecutor turns = new CombiningExecutor("a test task", new CombiningExecutor.RunnerHooks() {
            @Override
            public void afterTask(int ranSoFar) {
                seen.add("after " + ranSoFar);
            }

            @Override
            public void beforeRelease() {
                seen.add("release");
            }
        });
        turns.execute(() -> turns.execute(() -> { })); // the fast path, then one queued by it
        turns.offer(() -> { });
        turns.offer(() -> { });
        turns.runPending(); // the queue path
        assertThat(seen).containsExactly("after 1", "after 2", "release", "after 1", "after 2", "release");
    }

    @Test
    void aHookThatThrowsStillGivesTheRoleBack() {
        CombiningExecutor turns = new CombiningExecutor("a test task", new CombiningExecutor.RunnerHooks() {
            @Override
            public void beforeRelease() {
                throw new IllegalStateException("thrown on purpose by the test");
            }
        });
        List<String> ran = new ArrayList<>();
        turns.execute(() -> ran.add("first"));
        turns.execute(() -> ran.add("second"));
        assertThat(ran).containsExactly("first", "second");
        assertThat(turns.isRunning()).isFalse();
    }

    @Test
    void aTaskQueuedByARunningTaskRunsAfterItNotInsideIt() {
        CombiningExecutor turns = new CombiningExecutor("a test task", CombiningExecutor.RunnerHooks.NONE);
        List<String> order = new ArrayList<>();
        turns.execute(() -> {
            order.add("outer starts");
            turns.execute(() -> order.add("inner"));
            order.add("outer ends");
        });
        assertThat(order).containsExactly("outer starts", "outer ends", "inner");
    }

    @Test
    void aTaskThatThrowsDoesNotStopTheOnesAfterIt() {
        CombiningExecutor turns = new CombiningExecutor("a test task", CombiningExecutor.RunnerHooks.NONE);
        List<String> order = new ArrayList<>();
        turns.execute(() -> {
            turns.execute(() -> {
                throw new IllegalStateException("thrown on purpose by the test");
            });
            turns.execute(() -> order.add("after the throw"));
        });
        turns.execute(() -> order.add("next call"));
        assertThat(order).containsExactly("after the throw", "next call");
        assertThat(turns.isRunning()).isFalse();
        assertThat(turns.hasPending()).isFalse();
    }
}
