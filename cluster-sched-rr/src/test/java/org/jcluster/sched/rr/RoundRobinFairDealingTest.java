package org.jcluster.sched.rr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.testkit.RecordingContext;
import org.jcluster.testkit.TestConnection;
import org.jcluster.testkit.TestWorkers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fair dealing (R7): a burst of waiting connections is dealt in turn among the workers that answer
 * promptly, whichever answers first; a worker that does not answer within the patience stops being
 * waited for. The tests with {@link RecordingContext} make one call at a time and run the scheduled
 * timer themselves; those with workers answering on their own threads go through a {@link SerialPrimary},
 * which lets every call and every timer run take its turn, as the primary does. Waits are on conditions
 * with deadlines; the only pauses are simulated answer times and the clock reaching a timer's time.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RoundRobinFairDealingTest {
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);
    /** Long enough that no timer runs in the tests where every awaited worker answers or leaves. */
    private static final long AN_HOUR = TimeUnit.HOURS.toNanos(1);
    private static final int BURST = 32;

    private final List<RoundRobinDispatcher> dispatchers = new ArrayList<>();
    private final List<SerialPrimary> primaries = new ArrayList<>();
    private final List<AnsweringWorkers> answering = new ArrayList<>();
    private final Worker w1 = TestWorkers.worker(1);
    private final Worker w2 = TestWorkers.worker(2);
    private final Worker w3 = TestWorkers.worker(3);
    private RecordingContext context;
    private long nextId;

    @BeforeEach
    void setUp() {
        context = new RecordingContext();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (AnsweringWorkers a : answering) {
            a.stop();
        }
        dispatchers.forEach(RoundRobinDispatcher::close);
        for (SerialPrimary p : primaries) {
            p.close();
            assertThat(p.timerFailure()).as("a timer task threw").isNull();
            assertThat(p.pendingTimers()).as("timers left scheduled after close").isZero();
        }
        assertThat(context.pendingTimers()).as("timers left scheduled after close").isEmpty();
    }

    /** A dispatcher called one call at a time by the test itself, with {@code c} as its context. */
    private RoundRobinDispatcher dispatcher(RecordingContext c, long patienceNanos) {
        RoundRobinDispatcher d = new RoundRobinDispatcher(c, patienceNanos);
        dispatchers.add(d);
        return d;
    }

    /** A dispatcher for workers answering on their threads: every call and timer run takes its turn. */
    private SerialPrimary primary(AnsweringWorkers workers, long patienceNanos) {
        SerialPrimary p = new SerialPrimary(workers, patienceNanos);
        primaries.add(p);
        return p;
    }

    private TestConnection accept(ConnectionDispatcher d) {
        TestConnection c = new TestConnection(++nextId);
        d.connectionAccepted(c);
        return c;
    }

    /** {@code n} connections accepted one after another, in order. */
    private List<TestConnection> accept(ConnectionDispatcher d, int n) {
        List<TestConnection> cs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            cs.add(accept(d));
        }
        return cs;
    }

    /** The connection {@code worker} holds unanswered, taken out of the context's list. */
    private PendingConnection inFlight(Worker worker) {
        for (RecordingContext.HandOff h : context.unanswered) {
            if (h.worker() == worker) {
                context.unanswered.remove(h);
                return h.connection();
            }
        }
        throw new AssertionError(worker + " holds no connection; hand-offs: " + context.handed());
    }

    /**
     * Workers that answer on their own threads, each acknowledging every connection after its own delay
     * (a worker with a negative delay never answers). Connections handed while the gate is shut are
     * answered once it opens, so that a burst can pile up while every worker is busy.
     */
    final class AnsweringWorkers implements SerialPrimary.Workers {
        final List<Worker> workers = new ArrayList<>();
        final List<LinkedBlockingQueue<PendingConnection>> inboxes = new ArrayList<>();
        final List<AtomicInteger> taken = new ArrayList<>();
        final AtomicInteger acknowledged = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final long[] delayNanos;
        private final List<Thread> threads = new ArrayList<>();
        private volatile CountDownLatch gate = new CountDownLatch(0);
        private volatile boolean stop;

        AnsweringWorkers(long... delayNanos) {
            this.delayNanos = delayNanos;
            for (int i = 0; i < delayNanos.length; i++) {
                workers.add(TestWorkers.worker(i + 1));
                inboxes.add(new LinkedBlockingQueue<>());
                taken.add(new AtomicInteger());
            }
            answering.add(this);
        }

        @Override
        public boolean handOff(Worker worker, PendingConnection connection) {
            int i = worker.id() - 1;
            taken.get(i).incrementAndGet();
            inboxes.get(i).add(connection);
            return true;
        }

        void start(ConnectionDispatcher d) {
            for (int i = 0; i < workers.size(); i++) {
                Worker w = workers.get(i);
                LinkedBlockingQueue<PendingConnection> inbox = inboxes.get(i);
                long delay = delayNanos[i];
                if (delay < 0) {
                    continue; // stalled: never answers
                }
                Thread t = new Thread(() -> {
                    try {
                        while (!stop) {
                            PendingConnection c = inbox.poll(10, TimeUnit.MILLISECONDS);
                            if (c == null) {
                                continue;
                            }
                            gate.await();
                            if (delay > 0) {
                                LockSupport.parkNanos(delay); // the simulated answer time
                            }
                            d.connectionAcknowledged(w, c);
                            // Counted once the call has returned: a test that sees every answer counted
                            // sees the dispatcher at rest, with whatever those answers led to done.
                            acknowledged.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "answers-" + w.id());
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        void shut() {
            gate = new CountDownLatch(1);
        }

        void open() {
            gate.countDown();
        }

        void stop() throws InterruptedException {
            stop = true;
            open();
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
        }

        List<Integer> taken() {
            return taken.stream().map(AtomicInteger::get).toList();
        }

        void awaitOrFail(BooleanSupplier condition, long deadlineNanos, Supplier<Object> state) {
            long deadline = System.nanoTime() + deadlineNanos;
            while (!condition.getAsBoolean()) {
                if (failure.get() != null) {
                    throw new AssertionError("an answering thread failed", failure.get());
                }
                if (System.nanoTime() - deadline > 0) {
                    fail("not reached within %d ms: %s", TimeUnit.NANOSECONDS.toMillis(deadlineNanos), state.get());
                }
                Thread.yield();
            }
        }
    }

    /**
     * The measured problem: a client opens a burst of keep-alive connections while the workers are busy,
     * and one worker's answers always come first (it answers at once, the others a few hundred
     * microseconds later, far within the patience). Without R7 the fast one takes most of the burst;
     * with it each gets its turn: 16/16 over two workers, 11/11/10 over three. Keep-alive connections
     * stay with their worker, so the counts carry over bursts: the totals stay within one of each other.
     */
    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {2, 3})
    void aBurstIsDealtInTurnThoughOneWorkerAlwaysAnswersFirst(int workerCount) {
        long[] delays = new long[workerCount];
        for (int i = 1; i < workerCount; i++) {
            delays[i] = TimeUnit.MICROSECONDS.toNanos(300L * i);
        }
        AnsweringWorkers workers = new AnsweringWorkers(delays);
        // Ten seconds, so that a reader thread descheduled on a loaded machine does not end a wait here;
        // the patience running out is tested below.
        SerialPrimary d = primary(workers, TimeUnit.SECONDS.toNanos(10));
        workers.workers.forEach(d::workerJoined);
        workers.start(d);
        List<Integer> before = workers.taken();
        for (int burst = 1; burst <= 4; burst++) {
            workers.shut();
            for (int i = 0; i < BURST; i++) {
                accept(d);
            }
            assertThat(d.waitingCount()).as("connections waiting for the busy workers").isEqualTo(BURST - workerCount);
            workers.open();
            int target = burst * BURST;
            workers.awaitOrFail(() -> workers.acknowledged.get() == target, DEADLINE_NANOS,
                    () -> workers.taken() + " " + d);
            List<Integer> totals = workers.taken();
            List<Integer> split = new ArrayList<>();
            for (int i = 0; i < workerCount; i++) {
                split.add(totals.get(i) - before.get(i));
                assertThat(d.dealt(workers.workers.get(i))).as("dealt to worker %d", i + 1).isEqualTo(totals.get(i).longValue());
            }
            before = totals;
            System.out.printf("%d workers, burst %d: split %s, totals %s%n", workerCount, burst, split, totals);
            if (burst == 1) {
                assertThat(split).as("first burst").containsExactlyInAnyOrderElementsOf(
                        workerCount == 2 ? List.of(16, 16) : List.of(11, 11, 10));
            }
            assertThat(Collections.max(totals) - Collections.min(totals)).as("totals after burst %d: %s", burst, totals)
                    .isLessThanOrEqualTo(1);
            assertThat(d.waitingCount()).isZero();
        }
    }

    /**
     * A worker that never answers holds the others back once, for the patience, and is then skipped:
     * every other connection of the burst goes to the others. The patience is short (50 ms) and the
     * burst must be dealt within a deadline far above the patience; it cannot be dealt before the
     * patience has run out once.
     */
    @Test
    void aWorkerThatNeverAnswersIsWaitedForOnceThenSkipped() {
        long patience = TimeUnit.MILLISECONDS.toNanos(50);
        AnsweringWorkers workers = new AnsweringWorkers(-1, 0, 0); // worker 1 stalls
        SerialPrimary d = primary(workers, patience);
        workers.workers.forEach(d::workerJoined);
        workers.start(d);
        long start = System.nanoTime();
        for (int i = 0; i < BURST; i++) {
            accept(d);
        }
        workers.awaitOrFail(() -> workers.acknowledged.get() == BURST - 1, TimeUnit.SECONDS.toNanos(1),
                () -> workers.taken() + " " + d);
        long elapsed = System.nanoTime() - start;
        System.out.printf("stalled worker: burst dealt in %.1f ms, patience %d ms, split %s%n", elapsed / 1e6,
                TimeUnit.NANOSECONDS.toMillis(patience), workers.taken());
        assertThat(workers.taken()).first().as("the stalled worker's").isEqualTo(1);
        assertThat(workers.taken().get(1) + workers.taken().get(2)).isEqualTo(BURST - 1);
        // Worker 1 was handed c1 after start; the others' second connections had to wait for its patience.
        assertThat(elapsed).as("waited for the stalled worker").isGreaterThanOrEqualTo(patience);
        assertThat(d.waitingCount()).isZero();
        assertThat(d.idleCount()).isEqualTo(2);
        // Neither idle worker is held any more for the stalled one: the next connection goes at once.
        accept(d);
        assertThat(workers.taken().get(1) + workers.taken().get(2)).as("handed during the accept").isEqualTo(BURST);
        assertThat(d.waitingCount()).isZero();
    }

    /** The same wait, one call at a time: it is the timer, run in turn on the primary's timer thread, that ends it. */
    @Test
    void aHoldThatNoAnswerEndsIsEndedByThePatienceTimer() throws InterruptedException {
        long patience = TimeUnit.MILLISECONDS.toNanos(50);
        AnsweringWorkers workers = new AnsweringWorkers(-1, -1); // the test answers
        SerialPrimary d = primary(workers, patience);
        Worker a = workers.workers.get(0);
        Worker b = workers.workers.get(1);
        d.workerJoined(a);
        d.workerJoined(b);
        TestConnection c1 = accept(d); // -> a
        TestConnection c2 = accept(d); // -> b
        accept(d);
        accept(d);
        d.connectionAcknowledged(b, c2); // b takes c3: dealt 1 each before, so nobody is behind
        assertThat(workers.taken()).containsExactly(1, 2);
        assertThat(workers.inboxes.get(1).poll(0, TimeUnit.SECONDS)).isSameAs(c2);
        PendingConnection c3 = workers.inboxes.get(1).poll(0, TimeUnit.SECONDS);
        long answered = System.nanoTime();
        d.connectionAcknowledged(b, c3); // b is ahead of a, which has not answered c1: held
        assertThat(workers.taken()).containsExactly(1, 2);
        assertThat(d.waitingCount()).isEqualTo(1);
        assertThat(d.patienceArmed()).isTrue();
        workers.awaitOrFail(() -> workers.taken().get(1) == 3, TimeUnit.SECONDS.toNanos(1), d::toString);
        long waited = System.nanoTime() - answered;
        System.out.printf("hold ended by the timer after %.1f ms, patience %d ms%n", waited / 1e6,
                TimeUnit.NANOSECONDS.toMillis(patience));
        assertThat(d.waitingCount()).isZero();
        assertThat(d.patienceArmed()).isFalse();
        assertThat(d.timersRun()).as("timer runs").isEqualTo(1);
        assertThat(c1.isClosed()).isFalse();
    }

    /**
     * The same hold with the timer in the test's hands: the dispatcher asks for one run, due once the
     * awaited hand-off is older than the patience (so that the run does not hold again) and no later
     * than the patience plus its small margin; that run, and nothing else, ends the hold.
     */
    @Test
    void aHoldAsksForOneTimerRunDueWhenTheAwaitedHandOffGrowsOld() {
        long patience = TimeUnit.MILLISECONDS.toNanos(50);
        RoundRobinDispatcher d = dispatcher(context, patience);
        d.workerJoined(w1);
        d.workerJoined(w2);
        long beforeC1 = System.nanoTime();
        TestConnection c1 = accept(d); // -> w1, never answered
        TestConnection c2 = accept(d); // -> w2
        List<TestConnection> waiting = accept(d, 2);
        d.connectionAcknowledged(w2, c2); // w2 takes c3: dealt 1 each before
        d.connectionAcknowledged(w2, waiting.get(0)); // w2 (2) ahead of the busy w1 (1): held, c4 waits
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c3->worker 2");
        assertThat(d.patienceArmed()).isTrue();
        assertThat(context.pendingTimers()).singleElement().satisfies(t -> {
            assertThat(t.delay).isLessThanOrEqualTo(Duration.ofNanos(patience).plusMillis(1));
            assertThat(t.due - beforeC1).as("due after the patience, counted from c1's hand-off")
                    .isGreaterThanOrEqualTo(patience);
        });

        assertThat(context.runTimersWhenDue(TimeUnit.SECONDS.toNanos(1))).as("timer runs").isEqualTo(1);
        assertThat(context.last()).hasToString("c4->worker 2");
        assertThat(d.waitingCount()).isZero();
        assertThat(d.patienceArmed()).isFalse();
        assertThat(context.pendingTimers()).isEmpty();
        assertThat(c1.isClosed()).isFalse();
    }

    /** Without R7's wait, the accept that finds a worker idle hands it the connection at once. */
    @Test
    void anAcceptWaitsForTheWorkerThatIsBehindRatherThanGoToTheIdleOneAhead() {
        RoundRobinDispatcher d = dispatcher(context, AN_HOUR);
        d.workerJoined(w1);
        d.workerJoined(w2);
        TestConnection c1 = accept(d); // -> w1
        TestConnection c2 = accept(d); // -> w2
        d.connectionAcknowledged(w1, c1); // nothing waits: w1 idle
        TestConnection c3 = accept(d); // -> w1: level with w2 before it
        d.connectionAcknowledged(w1, c3);
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c3->worker 1");

        accept(d); // w1 is idle but one ahead of w2, which has not answered c2: c4 waits for w2
        assertThat(context.handed()).hasSize(3);
        assertThat(d.waitingCount()).isEqualTo(1);
        assertThat(d.idleCount()).isEqualTo(1);
        assertThat(d.dealt(w1)).as("the idle w1, ahead of the busy w2: held").isGreaterThan(d.dealt(w2));
        assertThat(d.patienceArmed()).isTrue();
        assertThat(context.pendingTimers()).hasSize(1);

        d.connectionAcknowledged(w2, c2); // the awaited answer: w2 takes it, at once
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c3->worker 1", "c4->worker 2");
        accept(d); // level again: the idle w1 takes c5
        assertThat(context.last()).hasToString("c5->worker 1");
    }

    @Test
    void aRefusedConnectionDoesNotCountAsDealt() {
        RoundRobinDispatcher d = dispatcher(context, AN_HOUR);
        d.workerJoined(w1);
        d.workerJoined(w2);
        List<TestConnection> cs = accept(d, 4); // c1 -> w1, c2 -> w2, c3 and c4 wait
        d.connectionRefused(w1, cs.get(0)); // c1 back at the head; w1 (the only idle one) gets it again
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c1->worker 1");
        assertThat(d.dealt(w1)).isEqualTo(1);
        assertThat(d.dealt(w2)).isEqualTo(1);
        // Had the refusal counted, w1 would be one ahead of w2 and held for it.
        d.connectionAcknowledged(w1, cs.get(0));
        assertThat(context.last()).hasToString("c3->worker 1");
        assertThat(d.dealt(w1)).isEqualTo(2);
    }

    /**
     * A worker at its connection limit refuses everything, so it never gets ahead. It is not waited for
     * while its answers are refusals: otherwise two such workers would bounce the connections between
     * them (each fresh hand-off restarting the patience) while a worker with room stayed held.
     */
    @Test
    void workersThatRefuseAreNotWaitedFor() {
        RoundRobinDispatcher d = dispatcher(context, AN_HOUR); // no timer to break a livelock
        d.workerJoined(w1);
        d.workerJoined(w2);
        d.workerJoined(w3);
        List<TestConnection> cs = accept(d, 10);
        List<PendingConnection> servedByW3 = new ArrayList<>();
        int answers = 0;
        while (!context.unanswered.isEmpty()) {
            RecordingContext.HandOff h = context.unanswered.poll();
            if (h.worker() == w3) {
                servedByW3.add(h.connection());
                d.connectionAcknowledged(w3, h.connection());
            } else {
                d.connectionRefused(h.worker(), h.connection());
            }
            assertThat(++answers).as("answers").isLessThan(200);
        }
        assertThat(servedByW3).containsExactlyInAnyOrderElementsOf(cs);
        assertThat(d.dealt(w3)).isEqualTo(10);
        assertThat(d.dealt(w1)).isZero();
        assertThat(d.dealt(w2)).isZero();
        assertThat(d.waitingCount()).isZero();
    }

    @Test
    void aWorkerThatRefusedIsWaitedForAgainOnceItAcknowledges() {
        RoundRobinDispatcher d = dispatcher(context, AN_HOUR);
        d.workerJoined(w1);
        d.workerJoined(w2);
        List<TestConnection> cs = accept(d, 5); // c1 -> w1, c2 -> w2, c3..c5 wait
        d.connectionRefused(w2, cs.get(1)); // nobody else idle: c2 goes back to w2 (dealt 1 again)
        d.connectionAcknowledged(w1, cs.get(0)); // w1 takes c3 (2)
        d.connectionAcknowledged(w1, cs.get(2)); // w2 is behind, but its last answer was a refusal: c4 -> w1
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c2->worker 2", "c3->worker 1",
                "c4->worker 1");
        // It acknowledges: counted again, lifted level with w1 (3) rather than owed what it refused,
        // and takes c5 (4).
        d.connectionAcknowledged(w2, cs.get(1));
        assertThat(context.last()).hasToString("c5->worker 2");
        assertThat(d.dealt(w2)).isEqualTo(4);
        TestConnection c6 = accept(d); // waits: both busy
        d.connectionAcknowledged(w1, cs.get(3)); // w1 (3) is behind the busy w2 (4): not held, takes c6
        assertThat(context.last()).hasToString("c6->worker 1");
        TestConnection c7 = accept(d);
        d.connectionAcknowledged(w1, c6); // w1 (4) is level with w2 (4): takes c7
        assertThat(context.last()).hasToString("c7->worker 1");
        accept(d); // c8 waits
        d.connectionAcknowledged(w1, c7); // w1 (5) is ahead of the busy w2 (4), which is in time: held
        assertThat(d.waitingCount()).isEqualTo(1);
        assertThat(d.idleCount()).isEqualTo(1);
        assertThat(d.dealt(w1)).isEqualTo(5);
        assertThat(d.dealt(w2)).isEqualTo(4);
        d.connectionAcknowledged(w2, cs.get(4));
        assertThat(context.last()).hasToString("c8->worker 2");
    }

    @Test
    void aWorkerThatAnswersAfterItsPatienceIsLiftedLevelNotOwedWhatItMissed() {
        long patience = TimeUnit.MILLISECONDS.toNanos(50);
        RoundRobinDispatcher d = dispatcher(context, patience);
        d.workerJoined(w1);
        d.workerJoined(w2);
        TestConnection c1 = accept(d); // -> w1, which will answer late
        long handedAt = System.nanoTime();
        TestConnection c2 = accept(d); // -> w2
        d.connectionAcknowledged(w2, c2);
        // Let w1's hand-off age past the patience before anything could be held for it: no timer is armed.
        while (System.nanoTime() - handedAt < patience + TimeUnit.MILLISECONDS.toNanos(5)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        TestConnection previous = null;
        for (int i = 0; i < 3; i++) { // c3..c5 -> w2: w1 no longer counts
            if (previous != null) {
                d.connectionAcknowledged(w2, previous);
            }
            previous = accept(d);
            assertThat(context.last()).hasToString(previous + "->worker 2");
        }
        assertThat(d.patienceArmed()).isFalse();
        d.connectionAcknowledged(w1, c1); // late: counted again, level with w2 (4), not behind it at 1
        assertThat(d.dealt(w1)).isEqualTo(d.dealt(w2)).isEqualTo(4);
        TestConnection c6 = accept(d); // -> w1 (5)
        assertThat(context.last()).hasToString("c6->worker 1");
        accept(d); // c7 waits: both busy
        // w2 (4) is behind the busy w1 (5) and takes c7. Owed w1's missed turns, w2 would now be held
        // while w1 caught up from 2.
        d.connectionAcknowledged(w2, previous);
        assertThat(context.last()).hasToString("c7->worker 2");
        accept(d); // c8 waits
        d.connectionAcknowledged(w1, c6); // level (5 and 5): w1 takes it
        assertThat(context.last()).hasToString("c8->worker 1");
    }

    @Test
    void aJoiningWorkerStartsLevelWithTheLeastDealt() {
        RoundRobinDispatcher d = dispatcher(context, AN_HOUR);
        d.workerJoined(w1);
        assertThat(d.dealt(w1)).as("the first worker").isZero();
        d.workerJoined(w2);
        for (int i = 0; i < 7; i++) { // 4 to w1, 3 to w2, each answered at once
            TestConnection c = accept(d);
            d.connectionAcknowledged(context.last().worker(), c);
        }
        assertThat(d.dealt(w1)).isEqualTo(4);
        assertThat(d.dealt(w2)).isEqualTo(3);

        TestConnection c8 = accept(d); // -> w2 (next in turn): 4 and 4
        TestConnection c9 = accept(d); // -> w1: 5
        d.workerJoined(w3);
        assertThat(d.dealt(w3)).as("level with w2, the least dealt").isEqualTo(4);
        assertThat(context.handed()).endsWith("c8->worker 2", "c9->worker 1");

        // Neither flooded nor starved: it takes its turn, and the others are not held back for it.
        TestConnection c10 = accept(d); // -> w3: 5
        accept(d); // c11 waits: nobody is idle
        d.connectionAcknowledged(w2, c8); // w2 (4) behind nobody busy: takes c11
        assertThat(context.last()).hasToString("c11->worker 2");
        accept(d); // c12 waits
        d.connectionAcknowledged(w3, c10); // w3 (5): w1 (5), w2 (5) busy, not behind: takes c12
        assertThat(context.last()).hasToString("c12->worker 3");
        d.connectionAcknowledged(w1, c9);
        assertThat(d.idleCount()).isEqualTo(1);

        // Workers that left are not counted: w1 joins again level with w2, the only one listening (its
        // channel is closed, but no hand-off to it has failed yet, so it still listens).
        context.cannotTake.add(w2);
        d.workerLeft(w3);
        d.workerLeft(w1);
        d.workerJoined(w1); // 5, the least of the live w2 (5)
        assertThat(d.dealt(w1)).isEqualTo(5);
    }

    /** A worker that leaves while others are held for its answer: they are released by the leave itself. */
    @Test
    void aLeavingWorkerThatIsWaitedForReleasesTheHoldAtOnce() {
        RoundRobinDispatcher d = dispatcher(context, AN_HOUR); // the timer cannot be what releases it
        d.workerJoined(w1);
        d.workerJoined(w2);
        List<TestConnection> cs = accept(d, 5); // c1 -> w1, c2 -> w2, c3..c5 wait
        d.connectionAcknowledged(w1, cs.get(0)); // w1 takes c3 (level with w2 before)
        d.connectionAcknowledged(w1, cs.get(2)); // w1 ahead of the busy w2: held, c4 and c5 wait
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c3->worker 1");
        assertThat(d.idleCount()).isEqualTo(1);
        assertThat(d.dealt(w1)).as("the idle w1, ahead of the busy w2: held").isGreaterThan(d.dealt(w2));
        assertThat(d.waitingCount()).isEqualTo(2);

        d.workerLeft(w2);
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c3->worker 1", "c4->worker 1");
        assertThat(d.waitingCount()).isEqualTo(1);
    }

    /**
     * close() while a hold is armed: the waiting connections are closed once, and the timer's run is
     * taken back (its registration removed), so that nothing runs for a closed dispatcher: no hand-off,
     * no second close.
     */
    @Test
    void closeWhileAHoldIsArmedClosesTheWaitingAndRemovesTheTimer() {
        RoundRobinDispatcher d = dispatcher(context, AN_HOUR);
        d.workerJoined(w1);
        d.workerJoined(w2);
        List<TestConnection> cs = accept(d, 5);
        d.connectionAcknowledged(w1, cs.get(0));
        d.connectionAcknowledged(w1, cs.get(2)); // held; c4, c5 wait
        assertThat(d.patienceArmed()).isTrue();
        assertThat(context.pendingTimers()).hasSize(1);
        int attempts = context.attempts.size();

        d.close();
        assertThat(cs.subList(3, 5)).allMatch(c -> c.closes.get() == 1);
        assertThat(cs.subList(0, 3)).noneMatch(TestConnection::isClosed);
        assertThat(context.pendingTimers()).as("the timer's registration, removed by close").isEmpty();
        assertThat(d.patienceArmed()).isFalse();
        assertThat(d.waitingCount()).isZero();

        assertThat(context.runDueTimers()).isZero();
        assertThat(context.attempts).hasSize(attempts);
        assertThat(cs.subList(3, 5)).allMatch(c -> c.closes.get() == 1);
    }

    /**
     * The same through the primary's timer thread: close takes back the armed run, which then never
     * comes. The patience is long (ten seconds) so that the run cannot come before close on a slow
     * machine; whether it is taken back is what is checked.
     */
    @Test
    void closeBeforeThePatienceTimerRunsLeavesNothingForIt() {
        AnsweringWorkers workers = new AnsweringWorkers(-1, -1); // the test answers
        SerialPrimary d = primary(workers, TimeUnit.SECONDS.toNanos(10));
        Worker a = workers.workers.get(0);
        Worker b = workers.workers.get(1);
        d.workerJoined(a);
        d.workerJoined(b);
        accept(d); // -> a
        TestConnection c2 = accept(d); // -> b
        List<TestConnection> waiting = List.of(accept(d), accept(d));
        d.connectionAcknowledged(b, c2); // b takes c3
        d.connectionAcknowledged(b, waiting.get(0)); // held for a: c4 waits
        assertThat(d.patienceArmed()).isTrue();
        assertThat(d.pendingTimers()).isEqualTo(1);
        d.close();
        assertThat(waiting.get(1).closes.get()).isEqualTo(1);
        assertThat(d.pendingTimers()).as("the armed run, taken back by close").isZero();
        assertThat(d.timersRun()).isZero();
        assertThat(workers.taken()).containsExactly(1, 2);
        assertThat(waiting.get(1).closes.get()).isEqualTo(1);
    }

    /*
     * The outcome of the lock-free dispatcher's interleaving tests, which played two threads' races step
     * by step: a connection is never left waiting beside an idle worker that R7 does not hold. The races
     * are gone (the dispatcher runs one call at a time); the same workers, in the same states, are kept
     * here one call at a time.
     */

    /**
     * Three workers, w3 busy with its last hand-off; w2 idle and two ahead of w3, so held for it (R7);
     * then w1, idle, level with w3, so not held. Ready queue: w2, then w1. On the way, w1 refuses four
     * connections, each of which goes to w2, and w3 joins level with w1.
     */
    private RoundRobinDispatcher workerTwoAheadThenWorkerOneLevelWithBusyWorkerThree() {
        RoundRobinDispatcher d = dispatcher(context, AN_HOUR);
        d.workerJoined(w1);
        d.workerJoined(w2);
        for (int i = 0; i < 4; i++) {
            accept(d);
            assertThat(context.last().worker()).isEqualTo(w1);
            d.connectionRefused(w1, inFlight(w1));
            assertThat(context.last().worker()).isEqualTo(w2);
            if (i < 3) {
                d.connectionAcknowledged(w2, inFlight(w2));
            }
        }
        accept(d); // to w1, its first since it refused
        d.workerJoined(w3); // level with w1, the least dealt
        accept(d); // to w3
        d.connectionAcknowledged(w2, inFlight(w2));
        d.connectionAcknowledged(w1, inFlight(w1)); // lifted level with w3 (it acknowledges after refusing), and idle
        assertThat(d.dealt(w1)).isEqualTo(2);
        assertThat(d.dealt(w2)).as("ahead of the busy w3: held").isEqualTo(4);
        assertThat(d.dealt(w3)).isEqualTo(2);
        assertThat(d.idleCount()).as("w2 and w1").isEqualTo(2);
        assertThat(d.waitingCount()).isZero();
        return d;
    }

    /** The held w2 at the head of the ready queue does not keep the next connection from w1, behind it. */
    @Test
    void aHeldWorkerAtTheHeadOfTheLineDoesNotKeepAConnectionFromTheIdleWorkerBehindIt() {
        RoundRobinDispatcher d = workerTwoAheadThenWorkerOneLevelWithBusyWorkerThree();
        TestConnection first = accept(d);
        assertThat(context.last()).hasToString(first + "->" + w1);
        assertThat(d.waitingCount()).isZero();

        d.connectionAcknowledged(w3, inFlight(w3)); // nothing waits: w3 is idle, behind w2
        TestConnection second = accept(d); // w2 (4), at the head, is held for the busy w1 (3); w3 (2) is not
        assertThat(context.last()).hasToString(second + "->" + w3);
        assertThat(d.waitingCount()).as("%s", d).isZero();
        assertThat(d.idleCount()).as("w2, held for w1 and w3").isEqualTo(1);
    }

    /**
     * Both idle workers held, so a connection waits; the awaited worker's answer ends both holds: it takes
     * that connection itself (it is behind), and the next goes to the idle worker that is no longer held,
     * past the one that still is.
     */
    @Test
    void whenTheAwaitedWorkerAnswersTheWorkersItHeldAreServedAgain() {
        RoundRobinDispatcher d = workerTwoAheadThenWorkerOneLevelWithBusyWorkerThree();
        accept(d); // w2 held, so to w1
        assertThat(context.last().worker()).isEqualTo(w1);
        d.connectionAcknowledged(w1, inFlight(w1));
        assertThat(d.dealt(w1)).as("ahead of the busy w3 (2): held too").isEqualTo(3);

        TestConnection first = accept(d);
        assertThat(d.waitingCount()).as("w1 and w2 both held for w3").isEqualTo(1);
        assertThat(d.idleCount()).isEqualTo(2);
        d.connectionAcknowledged(w3, inFlight(w3)); // w3 takes the waiting connection: level with w1, behind w2
        assertThat(context.last()).hasToString(first + "->" + w3);
        TestConnection second = accept(d); // w2 (4) still held for w3 (3); w1 (3) is not
        assertThat(context.last()).hasToString(second + "->" + w1);
        assertThat(d.waitingCount()).as("%s", d).isZero();
    }
}
