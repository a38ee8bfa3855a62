package org.jcluster.examples.sticky;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.jcluster.api.Worker;
import org.jcluster.testkit.RecordingContext;
import org.jcluster.testkit.TestConnection;
import org.jcluster.testkit.TestWorkers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sticky algorithm, one call at a time, through the SPI as the primary would drive it. */
class StickyDispatcherTest {
    private final Worker w1 = TestWorkers.worker(1);
    private final Worker w2 = TestWorkers.worker(2);
    private final Worker w3 = TestWorkers.worker(3);
    private RecordingContext context;
    private StickyDispatcher dispatcher;
    private long nextId;

    @BeforeEach
    void setUp() {
        context = new RecordingContext();
        dispatcher = (StickyDispatcher) new StickyPolicy().newDispatcher(context);
    }

    @AfterEach
    void nothingWasScheduled() {
        assertThat(context.timers).as("the sticky policy keeps no timer").isEmpty();
    }

    private TestConnection accept(String ip) {
        TestConnection c = TestConnection.from(++nextId, ip);
        dispatcher.connectionAccepted(c);
        return c;
    }

    /** Accepts a connection from {@code ip}, lets its worker take it, and says which worker that was. */
    private Worker serve(String ip) {
        TestConnection c = accept(ip);
        Worker w = context.workerOf(c);
        dispatcher.connectionAcknowledged(w, c);
        return w;
    }

    private static List<String> clients(int n) {
        List<String> ips = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ips.add("10.1." + (i / 250) + "." + (i % 250 + 1));
        }
        return ips;
    }

    /** Worker ids in the order {@code ip} prefers them, among {@code ids}. */
    private static List<Integer> ranking(String ip, Integer... ids) {
        try {
            return StickyDispatcher.ranking(InetAddress.getByName(ip), List.of(ids));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A client whose ranking over workers 1-3 starts with {@code first}, then {@code second}. */
    private static String clientRanking(int first, int second) {
        for (String ip : clients(1000)) {
            List<Integer> r = ranking(ip, 1, 2, 3);
            if (r.get(0) == first && r.get(1) == second) {
                return ip;
            }
        }
        throw new AssertionError("no client ranks " + first + ", " + second);
    }

    private void joinAll() {
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        dispatcher.workerJoined(w3);
    }

    @Test
    void aClientAlwaysGoesToItsFirstChoiceAndClientsSpreadOverTheWorkers() {
        joinAll();
        Map<String, Set<Integer>> served = new LinkedHashMap<>();
        for (int round = 0; round < 5; round++) {
            for (String ip : clients(60)) {
                served.computeIfAbsent(ip, k -> new HashSet<>()).add(serve(ip).id());
            }
        }
        served.forEach((ip, workers) -> assertThat(workers).as(ip).containsExactly(ranking(ip, 1, 2, 3).get(0)));
        Map<Integer, Long> perWorker = served.values().stream()
                .collect(Collectors.groupingBy(s -> s.iterator().next(), Collectors.counting()));
        assertThat(perWorker).as("clients per worker").containsOnlyKeys(1, 2, 3);
        assertThat(perWorker.values()).allSatisfy(n -> assertThat(n).isBetween(10L, 35L));
        assertThat(context.attempts).allMatch(RecordingContext.HandOff::taken);
        assertThat(dispatcher.unansweredCount()).isZero();
    }

    @Test
    void theRankingIsRendezvousHashingOverWorkerIds() {
        for (String ip : clients(100)) {
            List<Integer> all = ranking(ip, 1, 2, 3, 4);
            // Removing any worker leaves the others in the same order: only its own clients move.
            for (int gone = 1; gone <= 4; gone++) {
                List<Integer> expected = new ArrayList<>(all);
                expected.remove(Integer.valueOf(gone));
                List<Integer> rest = new ArrayList<>(List.of(1, 2, 3, 4));
                rest.remove(Integer.valueOf(gone));
                assertThat(StickyDispatcher.ranking(address(ip), rest)).isEqualTo(expected);
            }
        }
    }

    @Test
    void anIpv4AddressSeenThroughADualStackSocketHashesAsItself() throws Exception {
        InetAddress v4 = InetAddress.getByName("127.0.0.7");
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(v4.getAddress(), 0, mapped, 12, 4);
        // Inet6Address.getByAddress keeps the 16 bytes (InetAddress.getByAddress would convert them).
        InetAddress v6 = java.net.Inet6Address.getByAddress(null, mapped, -1);
        assertThat(v6.getAddress()).hasSize(16);
        assertThat(StickyDispatcher.addressKey(v6)).isEqualTo(StickyDispatcher.addressKey(v4));
        assertThat(StickyDispatcher.addressKey(InetAddress.getByName("::1")))
                .isNotEqualTo(StickyDispatcher.addressKey(InetAddress.getByName("127.0.0.1")));
    }

    @Test
    void aWorkerIsHandedItsNextConnectionOnlyOnceItAnsweredTheLast() {
        joinAll();
        String ip = clientRanking(2, 3);
        TestConnection a = accept(ip);
        TestConnection b = accept(ip);
        TestConnection c = accept(ip);
        assertThat(context.handed()).containsExactly(a + "->worker 2");
        assertThat(dispatcher.queuedFor(w2)).containsExactly(b, c);
        assertThat(dispatcher.unansweredBy(w2)).contains(a);

        dispatcher.connectionAcknowledged(w2, a);
        assertThat(context.handed()).containsExactly(a + "->worker 2", b + "->worker 2");
        dispatcher.connectionAcknowledged(w2, b);
        dispatcher.connectionAcknowledged(w2, c);
        assertThat(context.handed()).containsExactly(a + "->worker 2", b + "->worker 2", c + "->worker 2");
        assertThat(dispatcher.queuedFor(w2)).isEmpty();
        assertThat(dispatcher.unansweredBy(w2)).isEmpty();
    }

    @Test
    void aWorkerLeavingMovesOnlyItsOwnClientsEachToItsSecondChoice() {
        joinAll();
        List<String> ips = clients(90);
        Map<String, Integer> before = new HashMap<>();
        for (String ip : ips) {
            before.put(ip, serve(ip).id());
        }
        dispatcher.workerLeft(w2);
        for (String ip : ips) {
            int now = serve(ip).id();
            if (before.get(ip) == 2) {
                assertThat(now).as(ip).isEqualTo(ranking(ip, 1, 2, 3).get(1));
            } else {
                assertThat(now).as(ip).isEqualTo(before.get(ip));
            }
        }
        assertThat(before).containsValue(2);
    }

    @Test
    void aWorkerJoiningTakesOnlyTheClientsThatRankItFirst() {
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        List<String> ips = clients(90);
        Map<String, Integer> before = new HashMap<>();
        for (String ip : ips) {
            before.put(ip, serve(ip).id());
        }
        dispatcher.workerJoined(w3);
        int moved = 0;
        for (String ip : ips) {
            int now = serve(ip).id();
            if (ranking(ip, 1, 2, 3).get(0) == 3) {
                assertThat(now).as(ip).isEqualTo(3);
                moved++;
            } else {
                assertThat(now).as(ip).isEqualTo(before.get(ip));
            }
        }
        assertThat(moved).isBetween(15, 45);
    }

    @Test
    void connectionsArrivingBeforeAnyWorkerJoinedAreHeldUntilOneDoes() {
        TestConnection a = accept("10.0.0.1");
        TestConnection b = accept("10.0.0.2");
        assertThat(context.attempts).isEmpty();
        assertThat(dispatcher.waitingCount()).isEqualTo(2);

        dispatcher.workerJoined(w3);
        assertThat(dispatcher.waitingCount()).isZero();
        assertThat(context.handed()).containsExactly(a + "->worker 3");
        dispatcher.connectionAcknowledged(w3, a);
        assertThat(context.handed()).containsExactly(a + "->worker 3", b + "->worker 3");
        assertThat(a.isClosed() || b.isClosed()).isFalse();
    }

    @Test
    void aWorkerThatLeavesHandsItsQueueToTheOthersAndItsUnansweredConnectionIsLostWithIt() {
        joinAll();
        String ip = clientRanking(1, 3);
        TestConnection a = accept(ip);
        TestConnection b = accept(ip);
        TestConnection c = accept(ip);
        assertThat(context.handed()).containsExactly(a + "->worker 1");

        dispatcher.workerLeft(w1);
        assertThat(context.handed()).containsExactly(a + "->worker 1", b + "->worker 3");
        assertThat(dispatcher.queuedFor(w3)).containsExactly(c);
        assertThat(dispatcher.unansweredCount()).isEqualTo(1); // b; a was written off
        assertThat(a.isClosed()).as("the primary closes a lost connection, not the dispatcher").isFalse();

        dispatcher.connectionAcknowledged(w1, a); // a late answer changes nothing
        dispatcher.connectionAcknowledged(w3, b);
        assertThat(context.handed()).containsExactly(a + "->worker 1", b + "->worker 3", c + "->worker 3");
    }

    @Test
    void aWorkerWhoseHandOffFailsIsDroppedAndTheConnectionGoesToTheNextChoice() {
        joinAll();
        String ip = clientRanking(1, 2);
        context.cannotTake.add(w1);
        TestConnection a = accept(ip);
        assertThat(context.attempts).extracting(Object::toString).containsExactly(a + "->worker 1 (not taken)", a + "->worker 2");

        // Worker 1 is out of this dispatcher until it joins again, whatever its clients.
        context.cannotTake.clear();
        dispatcher.connectionAcknowledged(w2, a);
        assertThat(serve(ip)).isEqualTo(w2);
        dispatcher.workerLeft(w1); // the primary's workerLeft follows: nothing left to do
        assertThat(serve(ip)).isEqualTo(w2);
        dispatcher.workerJoined(w1);
        assertThat(serve(ip)).isEqualTo(w1);
        assertThat(a.isClosed()).isFalse();
    }

    @Test
    void aHandOffThatThrowsCountsAsOneThatFailed() {
        joinAll();
        String ip = clientRanking(3, 1);
        context.taker = (w, c) -> {
            if (w == w3) {
                throw new IllegalStateException("boom");
            }
            return true;
        };
        TestConnection a = accept(ip);
        assertThat(context.workerOf(a)).isEqualTo(w1);
        assertThat(a.isClosed()).isFalse();
    }

    @Test
    void whenEveryWorkerFailsTheHandOffConnectionsAreHeldForTheNextOneToJoin() {
        joinAll();
        context.cannotTake.addAll(List.of(w1, w2, w3));
        TestConnection a = accept("10.0.0.1");
        assertThat(context.attempts).hasSize(3).noneMatch(RecordingContext.HandOff::taken);
        assertThat(dispatcher.waitingCount()).isEqualTo(1);
        assertThat(a.isClosed()).isFalse();

        context.cannotTake.clear();
        dispatcher.workerJoined(w2);
        assertThat(context.workerOf(a)).isEqualTo(w2);
    }

    @Test
    void aRefusedConnectionGoesToTheNextWorkerByRankAndIsClosedOnceEveryWorkerRefusedIt() {
        joinAll();
        String ip = clientRanking(2, 1); // ranking 2, 1, 3
        TestConnection a = accept(ip);
        assertThat(context.workerOf(a)).isEqualTo(w2);

        dispatcher.connectionRefused(w2, a);
        assertThat(context.workerOf(a)).isEqualTo(w1);
        assertThat(dispatcher.refusalRecords()).isEqualTo(1);
        dispatcher.connectionRefused(w1, a);
        assertThat(context.workerOf(a)).isEqualTo(w3);
        assertThat(a.isClosed()).isFalse();
        dispatcher.connectionRefused(w3, a);
        assertThat(a.closes).hasValue(1);
        assertThat(context.handed()).containsExactly(a + "->worker 2", a + "->worker 1", a + "->worker 3");
        assertThat(dispatcher.refusalRecords()).isZero();
        assertThat(dispatcher.unansweredCount()).isZero();
    }

    @Test
    void theRefusingWorkerIsReadyForItsNextConnection() {
        joinAll();
        String ip = clientRanking(2, 1);
        TestConnection a = accept(ip);
        TestConnection b = accept(ip);
        assertThat(context.handed()).containsExactly(a + "->worker 2");

        dispatcher.connectionRefused(w2, a);
        assertThat(context.handed()).containsExactly(a + "->worker 2", a + "->worker 1", b + "->worker 2");
        dispatcher.connectionAcknowledged(w1, a);
        dispatcher.connectionAcknowledged(w2, b);
        assertThat(dispatcher.refusalRecords()).isZero();
        assertThat(dispatcher.unansweredCount()).isZero();
        assertThat(serve(ip)).as("refusals are per connection, not per client").isEqualTo(w2);
    }

    @Test
    void aConnectionRefusedByTheOnlyWorkerIsClosed() {
        dispatcher.workerJoined(w1);
        TestConnection a = accept("10.0.0.1");
        dispatcher.connectionRefused(w1, a);
        assertThat(a.closes).hasValue(1);
        assertThat(serve("10.0.0.1")).isEqualTo(w1);
    }

    @Test
    void aRefusalFromAWorkerThatClosedItsServerStillReturnsTheConnection() {
        joinAll();
        String ip = clientRanking(3, 2);
        TestConnection a = accept(ip);
        dispatcher.workerLeft(w3); // closed its server; its unanswered connection comes back refused
        dispatcher.connectionRefused(w3, a);
        assertThat(context.workerOf(a)).isEqualTo(w2);
        assertThat(a.isClosed()).isFalse();
    }

    @Test
    void clientsWithNoIpAddressGoRoundRobin() {
        joinAll();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            TestConnection c = new TestConnection(++nextId, UnixDomainSocketAddress.of(""));
            dispatcher.connectionAccepted(c);
            Worker w = context.workerOf(c);
            order.add(w.id());
            dispatcher.connectionAcknowledged(w, c);
        }
        assertThat(order).containsExactly(1, 2, 3, 1, 2, 3, 1);

        // A refused one goes to the next in turn, and is closed once all refused it.
        TestConnection c = new TestConnection(++nextId, UnixDomainSocketAddress.of("/tmp/client.sock"));
        dispatcher.connectionAccepted(c);
        for (int i = 0; i < 3; i++) {
            dispatcher.connectionRefused(context.workerOf(c), c);
        }
        assertThat(c.closes).hasValue(1);
        assertThat(context.handed().subList(7, 10)).containsExactly(c + "->worker 2", c + "->worker 3", c + "->worker 1");
    }

    @Test
    void closeClosesEverythingHeldAndEverythingThatComesBackAfterwards() {
        TestConnection early = accept("10.0.0.1");
        dispatcher.workerJoined(w1);
        TestConnection queued = accept("10.0.0.1");
        assertThat(context.workerOf(early)).isEqualTo(w1);
        dispatcher.workerLeft(w1);
        TestConnection waiting = accept("10.0.0.1");
        dispatcher.workerJoined(w2);
        TestConnection queued2 = accept("10.0.0.1");
        // w2 has one unanswered (queued, held from when w1 left until w2 joined) and two queued.
        assertThat(dispatcher.queuedFor(w2)).containsExactly(waiting, queued2);

        dispatcher.close();
        assertThat(waiting.closes).hasValue(1);
        assertThat(queued2.closes).hasValue(1);
        assertThat(queued.isClosed()).as("handed off: the worker's").isFalse();
        assertThat(early.isClosed()).isFalse();

        dispatcher.connectionRefused(w2, queued);
        assertThat(queued.closes).hasValue(1);
        TestConnection late = accept("10.0.0.1");
        assertThat(late.closes).hasValue(1);
        int attempts = context.attempts.size();
        dispatcher.workerJoined(w3);
        dispatcher.connectionAcknowledged(w2, queued2);
        assertThat(context.attempts).hasSize(attempts);
        dispatcher.close(); // idempotent
        assertThat(waiting.closes).hasValue(1);
    }

    @Test
    void callsForUnknownWorkersAndConnectionsAreHarmless() {
        dispatcher.workerLeft(w1);
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w1);
        TestConnection stranger = TestConnection.from(999, "10.0.0.9");
        dispatcher.connectionAcknowledged(w2, stranger);
        assertThat(context.attempts).isEmpty();
        assertThat(serve("10.0.0.1")).isEqualTo(w1);
        assertThat(dispatcher.toString()).contains("worker 1");
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
