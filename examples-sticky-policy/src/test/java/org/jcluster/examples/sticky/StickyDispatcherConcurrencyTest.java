package org.jcluster.examples.sticky;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.testkit.TestWorkers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher driven from many threads, as the primary drives it: accept threads, one thread
 * answering per worker, and an event thread making a worker join and leave, every call taking its turn
 * (the SPI's one-call-at-a-time contract; the primary serializes them with a lock-free queue, this
 * simulation with a lock). The primary is simulated with the SPI's rules (a connection handed to a
 * worker that leaves unanswered is lost and the primary closes it; answers for it are then dropped).
 */
class StickyDispatcherConcurrencyTest {
    private static final long DEADLINE_SECONDS = 30;
    private static final int CLIENTS = 16;

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /** Every connection accepted, by id. */
    private final Map<Long, Tracked> connections = new ConcurrentHashMap<>();

    /** Stops the test's threads and waits for them: every dispatcher call has returned by then. */
    @AfterEach
    void stopThreads() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.interrupt();
            t.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
            assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
        }
    }

    private void start(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** A connection with one outcome counter: acknowledged, closed by the dispatcher, or lost with a worker. */
    static final class Tracked implements PendingConnection {
        final long id;
        final String ip;
        final java.net.InetSocketAddress remote;
        final AtomicInteger outcomes = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        volatile Worker firstWorker;
        private final CountDownLatch done;

        Tracked(long id, String ip, CountDownLatch done) {
            this.id = id;
            this.ip = ip;
            this.remote = new java.net.InetSocketAddress(ip, 50000);
            this.done = done;
        }

        void outcome() {
            outcomes.incrementAndGet();
            done.countDown();
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public java.net.SocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public void close() {
            if (closes.getAndIncrement() == 0) {
                outcome();
            }
        }
    }

    /** The primary's side of the SPI, with its rules for leaving workers, as in jcluster's core; one call at a time. */
    final class SimulatedPrimary implements DispatchContext {
        final Set<Worker> joined = ConcurrentHashMap.newKeySet();
        final Map<Long, Worker> inFlight = new ConcurrentHashMap<>();
        final Map<Worker, LinkedBlockingQueue<Tracked>> inboxes = new ConcurrentHashMap<>();
        final AtomicLong handOffs = new AtomicLong();
        StickyDispatcher dispatcher;

        @Override
        public ListenAddress address() {
            return new ListenAddress("127.0.0.1", 8000, AddressType.TCP4);
        }

        @Override
        public Registration schedule(Duration delay, Runnable task) {
            throw new UnsupportedOperationException("the sticky policy schedules nothing");
        }

        @Override
        public boolean handOff(Worker worker, PendingConnection connection) {
            Tracked c = (Tracked) connection;
            if (!joined.contains(worker)) {
                return false;
            }
            if (c.firstWorker == null) {
                c.firstWorker = worker;
            }
            inFlight.put(c.id, worker);
            handOffs.incrementAndGet();
            inboxes.get(worker).add(c);
            return true;
        }

        synchronized void join(Worker worker) {
            inboxes.computeIfAbsent(worker, w -> new LinkedBlockingQueue<>());
            if (joined.add(worker)) {
                dispatcher.workerJoined(worker);
            }
        }

        /** The worker's channel closed: what it has not answered is lost (closed by the primary). */
        synchronized void leave(Worker worker) {
            if (!joined.remove(worker)) {
                return;
            }
            List<Long> lostHere = new ArrayList<>();
            for (Map.Entry<Long, Worker> e : inFlight.entrySet()) {
                if (e.getValue() == worker && inFlight.remove(e.getKey(), worker)) {
                    lostHere.add(e.getKey());
                }
            }
            dispatcher.workerLeft(worker);
            lost.addAndGet(lostHere.size());
            lostHere.forEach(id -> connections.get(id).outcome());
        }

        /** A worker's answer, dropped when the worker left meanwhile (its connection was written off). */
        synchronized void answer(Worker worker, Tracked c, boolean accept) {
            if (!inFlight.remove(c.id, worker)) {
                return;
            }
            if (accept) {
                dispatcher.connectionAcknowledged(worker, c);
                c.outcome();
            } else {
                dispatcher.connectionRefused(worker, c);
            }
        }

        synchronized void accept(Tracked c) {
            dispatcher.connectionAccepted(c);
        }

        /** One thread per worker answers its connections in order; refuses a share of them. */
        void serve(Worker worker, int refusePercent) {
            LinkedBlockingQueue<Tracked> inbox = inboxes.computeIfAbsent(worker, w -> new LinkedBlockingQueue<>());
            start("worker-" + worker.id(), () -> {
                while (!stop.get()) {
                    Tracked c;
                    try {
                        c = inbox.poll(50, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (c != null) {
                        answer(worker, c, ThreadLocalRandom.current().nextInt(100) >= refusePercent);
                    }
                }
            });
        }
    }

    final AtomicInteger lost = new AtomicInteger();

    private List<Tracked> acceptFrom(int threadsCount, int perThread, SimulatedPrimary primary, CountDownLatch done) {
        List<Tracked> all = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong ids = new AtomicLong();
        for (int t = 0; t < threadsCount; t++) {
            start("accept-" + t, () -> {
                for (int i = 0; i < perThread && !stop.get(); i++) {
                    long id = ids.incrementAndGet();
                    Tracked c = new Tracked(id, "10.2.0." + (1 + id % CLIENTS), done);
                    all.add(c);
                    connections.put(id, c);
                    primary.accept(c);
                }
            });
        }
        return all;
    }

    private void await(CountDownLatch done) throws InterruptedException {
        boolean finished = done.await(DEADLINE_SECONDS, TimeUnit.SECONDS);
        if (failure.get() != null) {
            throw new AssertionError("a test thread failed", failure.get());
        }
        assertThat(finished).as("every connection settled within " + DEADLINE_SECONDS + " s; " + done.getCount()
                + " left").isTrue();
    }

    @Test
    void underConcurrentCallsEachConnectionIsFirstHandedToItsClientsFirstChoiceAndSettledOnce() throws Exception {
        SimulatedPrimary primary = new SimulatedPrimary();
        primary.dispatcher = new StickyDispatcher(primary);
        List<Worker> workers = List.of(TestWorkers.worker(1), TestWorkers.worker(2), TestWorkers.worker(3));
        for (Worker w : workers) {
            primary.join(w);
            primary.serve(w, 10);
        }
        int n = 3 * 3000;
        CountDownLatch done = new CountDownLatch(n);
        List<Tracked> all = acceptFrom(3, 3000, primary, done);
        await(done);
        stopThreads();

        for (Tracked c : all) {
            assertThat(c.outcomes).as("outcomes of c" + c.id).hasValue(1);
            int expected = StickyDispatcher.ranking(InetAddress.getByName(c.ip), List.of(1, 2, 3)).get(0);
            assertThat(c.firstWorker.id()).as("first worker of c" + c.id + " from " + c.ip).isEqualTo(expected);
        }
        assertThat(all.stream().map(c -> c.firstWorker.id()).distinct().count()).isGreaterThan(1);
        assertThat(lost).hasValue(0);
        assertThat(primary.dispatcher.unansweredCount()).isZero();
        assertThat(primary.dispatcher.refusalRecords()).isZero();
    }

    @Test
    void aWorkerJoiningAndLeavingMeanwhileNeverStrandsLeaksOrDoublesAConnection() throws Exception {
        SimulatedPrimary primary = new SimulatedPrimary();
        primary.dispatcher = new StickyDispatcher(primary);
        for (Worker w : List.of(TestWorkers.worker(1), TestWorkers.worker(2), TestWorkers.worker(3))) {
            primary.join(w);
            primary.serve(w, 5);
        }
        Worker flaky = TestWorkers.worker(4);
        primary.serve(flaky, 5);
        int n = 2 * 4000;
        CountDownLatch done = new CountDownLatch(n);
        // The event thread: worker 4 listens, is handed a few connections, and leaves; again and again.
        AtomicInteger cycles = new AtomicInteger();
        start("event", () -> {
            while (!stop.get() && done.getCount() > 0) {
                primary.join(flaky);
                long until = primary.handOffs.get() + 10;
                while (primary.handOffs.get() < until && done.getCount() > 0 && !stop.get()) {
                    Thread.onSpinWait();
                }
                primary.leave(flaky);
                cycles.incrementAndGet();
            }
        });
        List<Tracked> all = acceptFrom(2, 4000, primary, done);
        await(done);
        stopThreads();

        assertThat(all).hasSize(n);
        for (Tracked c : all) {
            assertThat(c.outcomes).as("outcomes of c" + c.id).hasValue(1);
            assertThat(c.closes.get()).as("closes of c" + c.id).isLessThanOrEqualTo(1);
        }
        System.out.println("worker 4 joined and left " + cycles.get() + " times; " + lost.get() + " connections lost with it");
        assertThat(cycles.get()).as("worker 4 came and went").isGreaterThanOrEqualTo(2);
        assertThat(primary.dispatcher.unansweredCount()).isZero();
        assertThat(primary.dispatcher.refusalRecords()).isZero();
        assertThat(primary.dispatcher.waitingCount()).isZero();
    }
}
