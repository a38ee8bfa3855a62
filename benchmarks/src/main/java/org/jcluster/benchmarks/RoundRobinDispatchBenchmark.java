package org.jcluster.benchmarks;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.api.spi.ServiceLookup;
import org.jcluster.core.internal.events.CombiningExecutor;
import org.jctools.queues.MpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * The "rr" dispatch path, accepted -> handed off -> acknowledged, for 1 to 8 workers: jcluster.sched.rr
 * ({@code impl=rr}) called as the primary calls it, each call a turn of the core's {@link
 * CombiningExecutor} (a JCTools MPSC queue and a CAS), against {@link LockedRoundRobinDispatcher}
 * ({@code impl=locked}, the same algorithm without fair dealing, its calls serialized by one monitor).
 *
 * <ul>
 *   <li>{@code cycle}: one thread does it all: accept, hand-off (recorded by the context), acknowledge.
 *       The cost of the algorithm with no contention.</li>
 *   <li>{@code pipeline}: as in the primary, an accept thread ({@code accept}) and a worker-reader thread
 *       ({@code ack}) call the dispatcher at the same time. Hand-offs reach the reader through an MPSC
 *       queue (standing in for the IPC channel); the accept thread keeps at most 2 connections per worker
 *       unanswered, so some wait in the pending queue and are handed off by the reader's
 *       acknowledgement. The score is connections through the pipeline per microsecond (the two
 *       sub-scores are equal by construction; JMH shows their sum).</li>
 * </ul>
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar RoundRobinDispatchBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s</pre>
 * Add {@code -prof gc} for the allocation per operation (the harness itself allocates nothing).
 *
 * <p>The {@code pipeline} rows need two cores to themselves: with other processes running, they
 * measure how often the two threads are scheduled together, and swing several-fold between runs for
 * both implementations alike. Compare them within one run, on a quiet machine.
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoundRobinDispatchBenchmark {

    /** A ring of reusable connections: a dispatcher never sees one twice at once. */
    static final class Connection implements PendingConnection {
        private static final SocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
        private final long id;

        Connection(long id) {
            this.id = id;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public SocketAddress remoteAddress() {
            return CLIENT;
        }

        @Override
        public void close() {
        }
    }

    static final ListenAddress ADDRESS = new ListenAddress("127.0.0.1", 8000, AddressType.TCP4);
    static final int RING = 1024; // > 2 x 8 workers in flight

    static ConnectionDispatcher dispatcher(String impl, DispatchContext context) {
        return switch (impl) {
            case "rr" -> new InTurns(ServiceLookup.schedulingPolicy("rr").create().newDispatcher(context));
            case "locked" -> new LockedRoundRobinDispatcher(context);
            default -> throw new IllegalArgumentException(impl);
        };
    }

    /** What the primary's round-robin handle does: every call to the dispatcher is a task of one turn queue. */
    static final class InTurns implements ConnectionDispatcher {
        final ConnectionDispatcher dispatcher;
        final CombiningExecutor turns = new CombiningExecutor("the benchmark's dispatcher", CombiningExecutor.RunnerHooks.NONE);

        InTurns(ConnectionDispatcher dispatcher) {
            this.dispatcher = dispatcher;
        }

        @Override
        public void workerJoined(Worker worker) {
            turns.execute(() -> dispatcher.workerJoined(worker));
        }

        @Override
        public void workerLeft(Worker worker) {
            turns.execute(() -> dispatcher.workerLeft(worker));
        }

        @Override
        public void connectionAccepted(PendingConnection connection) {
            turns.execute(() -> dispatcher.connectionAccepted(connection));
        }

        @Override
        public void connectionAcknowledged(Worker worker, PendingConnection connection) {
            turns.execute(() -> dispatcher.connectionAcknowledged(worker, connection));
        }

        @Override
        public void connectionRefused(Worker worker, PendingConnection connection) {
            turns.execute(() -> dispatcher.connectionRefused(worker, connection));
        }

        @Override
        public void close() {
            turns.execute(dispatcher::close);
        }
    }

    /** Fair dealing's timer (it holds a worker for at most 100 ms): due tasks take a turn like any call. */
    static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "benchmark-dispatch-timer");
        thread.setDaemon(true);
        return thread;
    });

    static Registration schedule(ConnectionDispatcher dispatcher, Duration delay, Runnable task) {
        if (!(dispatcher instanceof InTurns inTurns)) {
            throw new IllegalStateException("only the rr dispatcher schedules");
        }
        AtomicBoolean pending = new AtomicBoolean(true); // a removed task never runs, as the SPI says
        ScheduledFuture<?> due = TIMER.schedule(() -> inTurns.turns.execute(() -> {
            if (pending.compareAndSet(true, false)) {
                task.run();
            }
        }), delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> {
            if (pending.compareAndSet(true, false)) {
                due.cancel(false);
            }
        };
    }

    static Connection[] ring() {
        Connection[] ring = new Connection[RING];
        for (int i = 0; i < RING; i++) {
            ring[i] = new Connection(i);
        }
        return ring;
    }

    /** One thread: the context records the hand-off for the same thread to acknowledge. */
    @State(Scope.Thread)
    public static class Cycle implements DispatchContext {
        @Param({"1", "2", "4", "8"})
        public int workers;

        @Param({"rr", "locked"})
        public String impl;

        ConnectionDispatcher dispatcher;
        Connection[] ring;
        int next;
        Worker handedTo;

        @Setup(Level.Trial)
        public void setUp() {
            ring = ring();
            dispatcher = dispatcher(impl, this);
            for (int i = 1; i <= workers; i++) {
                dispatcher.workerJoined(new DispatchBenchWorker(i));
            }
        }

        @Override
        public ListenAddress address() {
            return ADDRESS;
        }

        @Override
        public boolean handOff(Worker worker, PendingConnection connection) {
            handedTo = worker;
            return true;
        }

        @Override
        public Registration schedule(Duration delay, Runnable task) {
            return RoundRobinDispatchBenchmark.schedule(dispatcher, delay, task);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Worker cycle(Cycle s) {
        Connection c = s.ring[s.next++ & (RING - 1)];
        s.dispatcher.connectionAccepted(c);
        Worker w = s.handedTo;
        s.dispatcher.connectionAcknowledged(w, c);
        return w;
    }

    /** Two threads: the accept thread and one reader thread answering for every worker. */
    @State(Scope.Group)
    public static class Pipeline implements DispatchContext {
        @Param({"1", "2", "4", "8"})
        public int workers;

        @Param({"rr", "locked"})
        public String impl;

        ConnectionDispatcher dispatcher;
        Connection[] ring;
        int next; // accept thread only
        int window;
        /** Accepted and not yet acknowledged. */
        final AtomicInteger unanswered = new AtomicInteger();
        /** The "IPC channel": workers with a connection handed, for the reader thread. */
        MpscArrayQueue<DispatchBenchWorker> handed;

        @Setup(Level.Iteration)
        public void setUp() {
            ring = ring();
            window = 2 * workers;
            handed = new MpscArrayQueue<>(64);
            unanswered.set(0);
            dispatcher = dispatcher(impl, this);
            for (int i = 1; i <= workers; i++) {
                dispatcher.workerJoined(new DispatchBenchWorker(i));
            }
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            dispatcher.close();
        }

        @Override
        public ListenAddress address() {
            return ADDRESS;
        }

        @Override
        public boolean handOff(Worker worker, PendingConnection connection) {
            DispatchBenchWorker w = (DispatchBenchWorker) worker;
            w.handed = connection;
            handed.offer(w); // never full: one entry per worker at most
            return true;
        }

        @Override
        public Registration schedule(Duration delay, Runnable task) {
            return RoundRobinDispatchBenchmark.schedule(dispatcher, delay, task);
        }
    }

    /**
     * Spins briefly, then yields: on a machine with fewer free cores than spinning threads, a pure spin
     * would burn the time slice the other side needs, and measure the scheduler.
     */
    static void backOff(int spins) {
        if (spins < 64) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    @Benchmark
    @Group("pipeline")
    @GroupThreads(1)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void accept(Pipeline p, Control control) {
        for (int spins = 0; p.unanswered.get() >= p.window; spins++) {
            if (control.stopMeasurement) {
                return;
            }
            backOff(spins);
        }
        p.unanswered.incrementAndGet();
        p.dispatcher.connectionAccepted(p.ring[p.next++ & (RING - 1)]);
    }

    @Benchmark
    @Group("pipeline")
    @GroupThreads(1)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void ack(Pipeline p, Control control) {
        DispatchBenchWorker w;
        for (int spins = 0; (w = p.handed.poll()) == null; spins++) {
            if (control.stopMeasurement) {
                return;
            }
            backOff(spins);
        }
        PendingConnection c = w.handed;
        p.unanswered.decrementAndGet();
        p.dispatcher.connectionAcknowledged(w, c);
    }
}
