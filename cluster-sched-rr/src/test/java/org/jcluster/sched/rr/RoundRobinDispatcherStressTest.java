package org.jcluster.sched.rr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.testkit.TestConnection;
import org.jcluster.testkit.TestWorkers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Calls from several threads, as the primary gets them: an accept thread, one reader thread per worker
 * answering its hand-offs, an event thread joining and leaving workers; and, with fair dealing (R7), the
 * patience timer's thread. As in the primary, they take turns ({@link SerialPrimary}): the dispatcher
 * runs one call at a time, and what is checked is that whatever order the threads' calls come in, every
 * connection is taken exactly once (or closed once, at close), none is handed to a worker before its
 * last was answered, and none waits beside an idle worker that R7 does not hold. No sleeps: every wait
 * is a spin (with yield) bounded by a deadline, and a miss fails with the dispatcher's state.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RoundRobinDispatcherStressTest {
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);
    /** Connections accepted and not yet settled, at most, in the paced tests. */
    private static final int WINDOW = 6;

    /** A worker as the primary sees it: listening or not, and the hand-offs it has not answered yet. */
    static final class SimWorker {
        final Worker worker;
        final ConcurrentLinkedQueue<TestConnection> inbox = new ConcurrentLinkedQueue<>();
        final AtomicInteger unanswered = new AtomicInteger();
        volatile boolean listening;
        // What R7 knows of it in its current listening life, kept in turn with the dispatcher's calls (as
        // the primary keeps its own books), for the check of holds at rest:
        /** The connection last handed to it in this life, until it answers that one. */
        PendingConnection awaited;
        /** Its last answer in this life was a refusal. */
        boolean refusing;

        SimWorker(int id) {
            worker = TestWorkers.worker(id);
        }

        /** In turn: a join or leave starts its books afresh (answers from a former life count for nothing). */
        void newLife() {
            awaited = null;
            refusing = false;
        }

        /** In turn, with the answer's call: R4, only the answer to the connection last handed counts. */
        void answered(PendingConnection c, boolean acknowledged) {
            if (c == awaited) {
                awaited = null;
                refusing = !acknowledged;
            }
        }
    }

    /** The primary's side of a hand-off (called in turn): false once the worker stopped listening. */
    static final class SimContext implements SerialPrimary.Workers {
        final List<SimWorker> workers = new ArrayList<>();
        final AtomicIntegerArray handed;
        final AtomicInteger notTaken = new AtomicInteger();
        /** Hand-offs to a worker that still had one unanswered: Node's one-at-a-time broken. */
        final AtomicInteger overlaps = new AtomicInteger();

        SimContext(int workers, int connections) {
            for (int i = 1; i <= workers; i++) {
                this.workers.add(new SimWorker(i));
            }
            handed = new AtomicIntegerArray(connections + 1);
        }

        @Override
        public boolean handOff(Worker worker, PendingConnection connection) {
            SimWorker w = workers.get(worker.id() - 1);
            if (!w.listening) {
                notTaken.incrementAndGet();
                return false;
            }
            if (w.unanswered.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            handed.incrementAndGet((int) connection.id());
            w.awaited = connection;
            w.inbox.add((TestConnection) connection);
            return true;
        }
    }

    /**
     * R7's patience. PRODUCTION: holds end by answers, the timer rarely runs. SHORT: workers stop being
     * waited for all the time (a descheduled reader thread is enough), the timer runs every millisecond
     * or so, and one answer in a hundred is late on purpose, past the patience.
     */
    enum Patience {
        PRODUCTION(RoundRobinDispatcher.PATIENCE_NANOS, 0), SHORT(TimeUnit.MILLISECONDS.toNanos(1), 3);

        final long nanos;
        /** Per cent of answers that come after 3 patiences. */
        final int latePercent;

        Patience(long nanos, int latePercent) {
            this.nanos = nanos;
            this.latePercent = latePercent;
        }
    }

    private final List<Thread> threads = new ArrayList<>();
    private final List<SerialPrimary> primaries = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;

    @AfterEach
    void stopThreads() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        for (SerialPrimary p : primaries) {
            p.close(); // takes back an armed timer run
            assertThat(p.timerFailure()).as("a timer task threw").isNull();
        }
    }

    private SerialPrimary primary(SimContext context, long patienceNanos) {
        SerialPrimary p = new SerialPrimary(context, patienceNanos);
        primaries.add(p);
        return p;
    }

    private void start(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
                stop = true;
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void awaitOrFail(BooleanSupplier condition, Object state) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.getAsBoolean()) {
            if (failure.get() != null) {
                throw new AssertionError("a test thread failed", failure.get());
            }
            if (System.nanoTime() - deadline > 0) {
                fail("not reached within %ds: %s", TimeUnit.NANOSECONDS.toSeconds(DEADLINE_NANOS), state);
            }
            Thread.yield();
        }
    }

    /**
     * The primary's answer for {@code w}: its books and the dispatcher's call in one turn, as the primary
     * keeps them. {@code acked} counts what the worker took, whatever the dispatcher makes of the answer.
     */
    private static void answer(SerialPrimary p, SimWorker w, TestConnection c, boolean acknowledge,
            AtomicIntegerArray acked) {
        w.unanswered.decrementAndGet(); // before the answer, which may bring the next hand-off
        if (acknowledge) {
            acked.incrementAndGet((int) c.id());
        }
        p.inTurn(d -> {
            w.answered(c, acknowledge);
            if (acknowledge) {
                d.connectionAcknowledged(w.worker, c);
            } else {
                d.connectionRefused(w.worker, c);
            }
        });
    }

    /** The worker listens (again): a new life for R7, unless the dispatcher has it already. */
    private static void join(SerialPrimary p, SimWorker w) {
        w.listening = true;
        p.inTurn(d -> {
            if (d.dealt(w.worker) < 0) {
                w.newLife();
            }
            d.workerJoined(w.worker);
        });
    }

    /**
     * The worker stops listening. The primary stops handing it connections first ({@code listening}, read
     * by {@link SimContext#handOff}), then tells the dispatcher, in a turn of its own: hand-offs in between
     * fail, as they may in the primary.
     */
    private static void leaveSoon(SimWorker w) {
        w.listening = false;
    }

    private static void left(SerialPrimary p, SimWorker w) {
        p.inTurn(d -> {
            w.newLife();
            d.workerLeft(w.worker);
        });
    }

    /**
     * A worker's reader thread: answers each hand-off, acknowledging with probability {@code ackPercent}
     * and refusing otherwise, until told to stop; {@code patience.latePercent} of the answers come late.
     */
    private void startAnswering(SerialPrimary p, SimWorker w, int ackPercent, AtomicIntegerArray acked,
            AtomicInteger ackedTotal, Patience patience) {
        start("answers-" + w.worker.id(), () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stop) {
                TestConnection c = w.inbox.poll();
                if (c == null) {
                    Thread.yield();
                    continue;
                }
                if (random.nextInt(100) < patience.latePercent) {
                    // A stalled worker, as far as R7 can tell: only the timer ends the holds waiting for it.
                    LockSupport.parkNanos(3 * patience.nanos);
                }
                boolean acknowledge = random.nextInt(100) < ackPercent;
                if (acknowledge) {
                    ackedTotal.incrementAndGet();
                }
                answer(p, w, c, acknowledge, acked);
            }
        });
    }

    /**
     * The lost wake-up hunt: many short rounds of accepts racing the acknowledgements of the previous
     * ones, each round ending only when every connection has been taken. A connection left waiting
     * while a worker sits idle would have nothing left to move it, and the round would miss its
     * deadline.
     */
    @ParameterizedTest
    @EnumSource
    void noConnectionIsLeftWaitingWhileAWorkerIsIdle(Patience patience) {
        int rounds = 20_000;
        int max = rounds * 3;
        SimContext context = new SimContext(2, max);
        SerialPrimary d = primary(context, patience.nanos);
        AtomicIntegerArray acked = new AtomicIntegerArray(max + 1);
        AtomicInteger ackedTotal = new AtomicInteger();
        for (SimWorker w : context.workers) {
            join(d, w);
            startAnswering(d, w, 100, acked, ackedTotal, patience);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int accepted = 0;
        for (int round = 0; round < rounds; round++) {
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) {
                d.connectionAccepted(new TestConnection(++accepted));
            }
            int target = accepted;
            awaitOrFail(() -> ackedTotal.get() == target, d);
        }
        for (int id = 1; id <= accepted; id++) {
            assertThat(acked.get(id)).as("acknowledgements of c%d", id).isEqualTo(1);
            assertThat(context.handed.get(id)).as("hand-offs of c%d", id).isEqualTo(1);
        }
        assertThat(context.overlaps.get()).as("hand-offs before the last was answered").isZero();
        assertThat(context.notTaken.get()).isZero();
    }

    /**
     * The sharpest check of the pairing: steps in which up to five threads call (two accepts, two workers'
     * answers, a join or leave), each step ending when every call has returned; the calls of a step take
     * their turns in whatever order the threads reach the primary. Between steps nothing moves, so this
     * must hold exactly: no connection waits while a listening worker is idle, unless R7 holds that
     * worker back for one that is behind. The test judges holds by R7's rule itself, from its own books
     * ({@link #idleNotHeld}), not by asking the dispatcher. The patience is an hour, so that no timer run
     * moves anything between steps: every hold must end by the awaited worker's answer or leave.
     */
    @Test
    void afterEveryStepNoConnectionWaitsWhileAWorkerIsIdleAndNotHeld() throws Exception {
        int steps = 30_000;
        int maxConnections = steps * 2;
        SimContext context = new SimContext(3, maxConnections);
        SerialPrimary d = primary(context, TimeUnit.HOURS.toNanos(1));
        AtomicIntegerArray acked = new AtomicIntegerArray(maxConnections + 1);
        for (SimWorker w : context.workers) {
            join(d, w);
        }
        int parties = 5;
        CyclicBarrier go = new CyclicBarrier(parties + 1);
        CyclicBarrier done = new CyclicBarrier(parties + 1);
        Runnable[] ops = new Runnable[parties];
        Runnable nothing = () -> { };
        for (int i = 0; i < parties; i++) {
            int me = i;
            start("step-" + i, () -> {
                try {
                    while (!stop) {
                        go.await(20, TimeUnit.SECONDS);
                        Runnable op = ops[me];
                        if (op == null) {
                            return;
                        }
                        op.run();
                        done.await(20, TimeUnit.SECONDS);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long[] nextId = {0};
        int leaves = 0;
        int violations = 0;
        int heldSteps = 0;
        String firstViolation = null;
        for (int step = 0; step < steps; step++) {
            // Threads 0 and 1 accept (two accept threads: servers on several addresses, or a test of
            // more concurrency than the primary has); threads 2 and 3 answer the oldest hand-off of two
            // different workers that have one; thread 4 is the event thread.
            ops[0] = random.nextInt(10) < 6 ? acceptOp(d, ++nextId[0]) : nothing;
            ops[1] = random.nextInt(10) < 3 ? acceptOp(d, ++nextId[0]) : nothing;
            List<SimWorker> answering = new ArrayList<>();
            for (SimWorker w : context.workers) {
                if (!w.inbox.isEmpty()) {
                    answering.add(w);
                }
            }
            Collections.shuffle(answering, random);
            ops[2] = answering.size() > 0 ? answerOp(d, answering.get(0), 90, acked) : nothing;
            ops[3] = answering.size() > 1 ? answerOp(d, answering.get(1), 90, acked) : nothing;
            ops[4] = nothing;
            if (random.nextInt(20) == 0) {
                SimWorker w = context.workers.get(random.nextInt(context.workers.size()));
                if (w.listening) {
                    leaves++;
                    ops[4] = () -> {
                        leaveSoon(w);
                        left(d, w);
                    };
                } else {
                    ops[4] = () -> join(d, w);
                }
            }
            go.await(20, TimeUnit.SECONDS);
            done.await(20, TimeUnit.SECONDS);
            // At rest: the dispatcher's counts, and R7 applied to the test's books, read in one turn.
            int[] counts = d.read(r -> new int[] {r.waitingCount(), r.idleCount(), idleNotHeld(r, context)});
            int waiting = counts[0];
            int idle = counts[1];
            int idleNotHeld = counts[2];
            if (waiting > 0 && idleNotHeld > 0) {
                violations++;
                if (firstViolation == null) {
                    firstViolation = "step " + step + ": " + d;
                }
            } else if (waiting > 0 && idle > 0) {
                heldSteps++;
            }
        }
        Arrays.fill(ops, null);
        go.await(20, TimeUnit.SECONDS);
        assertThat(violations).as("steps that ended with a connection waiting and a worker idle, not held by R7; "
                + "first: %s", firstViolation).isZero();
        assertThat(heldSteps).as("steps that ended with an idle worker held by R7").isPositive();

        // Drain: everyone listens and answers until every connection is taken.
        long accepted = nextId[0];
        for (SimWorker w : context.workers) {
            if (!w.listening) {
                join(d, w);
            }
        }
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (sum(acked) < accepted) {
            for (SimWorker w : context.workers) {
                if (!w.inbox.isEmpty()) {
                    answerOp(d, w, 90, acked).run();
                }
            }
            assertThat(System.nanoTime() - deadline).as("drained in time: %s", d).isNegative();
        }
        for (int id = 1; id <= accepted; id++) {
            assertThat(acked.get(id)).as("acknowledgements of c%d", id).isEqualTo(1);
        }
        System.out.printf("%d steps: %d connections, %d leaves, %d hand-offs not taken, %d steps ended held%n",
                steps, accepted, leaves, context.notTaken.get(), heldSteps);
    }

    /**
     * R7's rule, applied by the test to its own books (in turn, at rest): the idle listening workers that
     * no busy worker is behind, where busy means awaiting the answer to its last hand-off and not refusing
     * (younger than the patience goes without saying: the patience is an hour). Also checks that its
     * books agree with the dispatcher on how many workers are idle.
     */
    private static int idleNotHeld(RoundRobinDispatcher d, SimContext context) {
        long leastAwaited = Long.MAX_VALUE;
        for (SimWorker w : context.workers) {
            if (d.dealt(w.worker) >= 0 && w.awaited != null && !w.refusing) {
                leastAwaited = Math.min(leastAwaited, d.dealt(w.worker));
            }
        }
        int idle = 0;
        int notHeld = 0;
        for (SimWorker w : context.workers) {
            if (d.dealt(w.worker) >= 0 && w.awaited == null) {
                idle++;
                if (d.dealt(w.worker) <= leastAwaited) {
                    notHeld++;
                }
            }
        }
        if (idle != d.idleCount()) {
            throw new AssertionError("the test's books count " + idle + " idle workers, the dispatcher " + d);
        }
        return notHeld;
    }

    private static Runnable acceptOp(SerialPrimary d, long id) {
        return () -> d.connectionAccepted(new TestConnection(id));
    }

    private static Runnable answerOp(SerialPrimary d, SimWorker w, int ackPercent, AtomicIntegerArray acked) {
        return () -> answer(d, w, w.inbox.poll(), ThreadLocalRandom.current().nextInt(100) < ackPercent, acked);
    }

    /**
     * Accepts, acknowledgements, refusals (15%), and workers leaving and joining again, all at once;
     * then every worker listens and the rest drains. Every connection ends acknowledged exactly once:
     * none lost (also not those refused after their worker left), none given twice, none closed.
     */
    @ParameterizedTest
    @EnumSource
    void underChurnEveryConnectionIsTakenExactlyOnce(Patience patience) {
        int connections = 30_000;
        SimContext context = new SimContext(3, connections);
        SerialPrimary d = primary(context, patience.nanos);
        AtomicIntegerArray acked = new AtomicIntegerArray(connections + 1);
        AtomicInteger ackedTotal = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        AtomicInteger acceptedTotal = new AtomicInteger();
        AtomicInteger leaves = new AtomicInteger();
        for (SimWorker w : context.workers) {
            join(d, w);
            startAnswering(d, w, 85, acked, ackedTotal, patience);
        }
        // Paced: a few connections in flight at a time keeps both queues near empty.
        start("accept", () -> {
            for (int id = 1; id <= connections && !stop; id++) {
                while (acceptedTotal.get() - ackedTotal.get() >= WINDOW && !stop) {
                    Thread.yield();
                }
                d.connectionAccepted(new TestConnection(id, closed));
                acceptedTotal.incrementAndGet();
            }
        });
        // The event thread: joins and leaves (workerLeft after the primary stops handing to it).
        AtomicInteger eventsDone = new AtomicInteger();
        start("events", () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (ackedTotal.get() < connections * 9 / 10 && !stop) {
                SimWorker w = context.workers.get(random.nextInt(context.workers.size()));
                if (w.listening) {
                    leaveSoon(w); // the primary stops handing to it first ...
                    if (random.nextBoolean()) {
                        Thread.yield(); // ... and tells the dispatcher a little later: hand-offs fail meanwhile
                    }
                    left(d, w);
                    leaves.incrementAndGet();
                } else {
                    join(d, w);
                }
                Thread.yield();
            }
            for (SimWorker w : context.workers) {
                if (!w.listening) {
                    join(d, w);
                }
            }
            eventsDone.set(1);
        });
        awaitOrFail(() -> eventsDone.get() == 1 && ackedTotal.get() == connections,
                new Object() {
                    @Override
                    public String toString() {
                        return "acknowledged " + ackedTotal.get() + " of " + connections + ", " + d;
                    }
                });
        for (int id = 1; id <= connections; id++) {
            assertThat(acked.get(id)).as("acknowledgements of c%d", id).isEqualTo(1);
        }
        assertThat(closed.get()).isZero();
        assertThat(d.waitingCount()).isZero();
        assertThat(leaves.get()).as("workers left during the run").isPositive();
        System.out.printf(patience + " churn: %d leaves, %d hand-offs not taken, %d hand-offs for %d connections%n",
                leaves.get(), context.notTaken.get(), sum(context.handed), connections);
    }

    /**
     * close() while connections are accepted, handed, acknowledged and refused: each connection ends
     * either acknowledged once or closed once, never both, never neither.
     */
    @ParameterizedTest
    @EnumSource
    void closeRacingEverythingElseClosesEachRemainingConnectionOnce(Patience patience) {
        int connections = 20_000;
        SimContext context = new SimContext(2, connections);
        SerialPrimary d = primary(context, patience.nanos);
        AtomicIntegerArray acked = new AtomicIntegerArray(connections + 1);
        AtomicInteger ackedTotal = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        AtomicInteger acceptedTotal = new AtomicInteger();
        List<TestConnection> all = new ArrayList<>();
        for (int id = 1; id <= connections; id++) {
            all.add(new TestConnection(id, closed));
        }
        for (SimWorker w : context.workers) {
            join(d, w);
            startAnswering(d, w, 80, acked, ackedTotal, patience);
        }
        // Beyond the SPI (no call follows close), accepts go on after it, and answers still come.
        start("accept", () -> {
            for (TestConnection c : all) {
                while (acceptedTotal.get() - ackedTotal.get() - closed.get() >= WINDOW && !stop) {
                    Thread.yield();
                }
                if (stop) {
                    return;
                }
                d.connectionAccepted(c);
                acceptedTotal.incrementAndGet();
            }
        });
        awaitOrFail(() -> acceptedTotal.get() >= connections / 2, d);
        d.close();
        assertThat(d.pendingTimers()).as("timers left scheduled after close").isZero();
        awaitOrFail(() -> ackedTotal.get() + closed.get() == connections,
                new Object() {
                    @Override
                    public String toString() {
                        return "acknowledged " + ackedTotal.get() + ", closed " + closed.get() + " of " + connections;
                    }
                });
        for (TestConnection c : all) {
            int a = acked.get((int) c.id());
            assertThat(a).as("acknowledgements of %s", c).isLessThanOrEqualTo(1);
            assertThat(c.closes.get()).as("closes of %s", c).isEqualTo(1 - a);
        }
        assertThat(closed.get()).as("closed").isPositive();
        assertThat(d.waitingCount()).isZero();
        System.out.printf(patience + " close race: %d acknowledged, %d closed%n", ackedTotal.get(), closed.get());
    }

    private static long sum(AtomicIntegerArray a) {
        long s = 0;
        for (int i = 0; i < a.length(); i++) {
            s += a.get(i);
        }
        return s;
    }
}
