package org.jcluster.sched.rr;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.testkit.RecordingContext;
import org.jcluster.testkit.TestConnection;
import org.jcluster.testkit.TestWorkers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The round-robin algorithm, one call at a time (Node's round_robin_handle.js and rules 35-36). The
 * patience of fair dealing (R7) is an hour here, and {@link RecordingContext} runs no scheduled task
 * unless a test asks: every hold in these tests must end by an answer, a leave or a join. The patience
 * running out is tested in {@link RoundRobinFairDealingTest}.
 */
class RoundRobinDispatcherTest {
    private final Worker w1 = TestWorkers.worker(1);
    private final Worker w2 = TestWorkers.worker(2);
    private final Worker w3 = TestWorkers.worker(3);
    private RecordingContext context;
    private RoundRobinDispatcher dispatcher;
    private long nextId;

    @BeforeEach
    void setUp() {
        context = new RecordingContext();
        dispatcher = new RoundRobinDispatcher(context, TimeUnit.HOURS.toNanos(1));
    }

    @AfterEach
    void closeDispatcher() {
        dispatcher.close();
        assertThat(context.pendingTimers()).as("timers left scheduled after close").isEmpty();
    }

    private TestConnection accept() {
        TestConnection c = new TestConnection(++nextId);
        dispatcher.connectionAccepted(c);
        return c;
    }

    private List<TestConnection> accept(int n) {
        List<TestConnection> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(accept());
        }
        return all;
    }

    @Test
    void handsConnectionsOutInTurnOverThreeWorkers() {
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        dispatcher.workerJoined(w3);
        for (int i = 0; i < 9; i++) {
            TestConnection c = accept();
            dispatcher.connectionAcknowledged(context.last().worker(), c);
        }
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c3->worker 3",
                "c4->worker 1", "c5->worker 2", "c6->worker 3", "c7->worker 1", "c8->worker 2", "c9->worker 3");
        assertThat(dispatcher.idleCount()).isEqualTo(3);
        assertThat(dispatcher.waitingCount()).isZero();
    }

    @Test
    void theNextIdleWorkerIsTheOneThatAnsweredFirst() {
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        dispatcher.workerJoined(w3);
        List<TestConnection> first = accept(3);
        List<TestConnection> waiting = accept(3);
        assertThat(context.handed()).hasSize(3);
        assertThat(dispatcher.waitingCount()).isEqualTo(3);

        dispatcher.connectionAcknowledged(w3, first.get(2));
        dispatcher.connectionAcknowledged(w1, first.get(0));
        dispatcher.connectionAcknowledged(w2, first.get(1));
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c3->worker 3",
                "c4->worker 3", "c5->worker 1", "c6->worker 2");
        assertThat(waiting).noneMatch(TestConnection::isClosed);
    }

    @Test
    void noNextConnectionBeforeTheLastOneIsAnswered() {
        dispatcher.workerJoined(w1);
        List<TestConnection> cs = accept(3);
        assertThat(context.handed()).containsExactly("c1->worker 1");

        dispatcher.connectionAcknowledged(w1, cs.get(0));
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 1");

        // An answer about some other connection does not free the worker.
        dispatcher.connectionAcknowledged(w1, cs.get(0));
        dispatcher.connectionAcknowledged(w1, cs.get(2));
        assertThat(context.handed()).hasSize(2);

        dispatcher.connectionAcknowledged(w1, cs.get(1));
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 1", "c3->worker 1");
        assertThat(dispatcher.waitingCount()).isZero();
        assertThat(dispatcher.idleCount()).isZero();
    }

    /** Node's test-net-server-drop-connection: limits 0, 1 and 9 over 3 workers, 10 connections. */
    @Test
    void refusedConnectionsReachWorkersThatHaveRoom() {
        Map<Worker, Integer> limit = Map.of(w1, 0, w2, 1, w3, 9);
        Map<Worker, List<PendingConnection>> taken = Map.of(w1, new ArrayList<>(), w2, new ArrayList<>(),
                w3, new ArrayList<>());
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        dispatcher.workerJoined(w3);
        List<TestConnection> cs = accept(10);

        // The workers answer in the order they were handed connections, as replies would arrive.
        int refusals = 0;
        while (!context.unanswered.isEmpty()) {
            RecordingContext.HandOff h = context.unanswered.poll();
            List<PendingConnection> mine = taken.get(h.worker());
            if (mine.size() < limit.get(h.worker())) {
                mine.add(h.connection());
                dispatcher.connectionAcknowledged(h.worker(), h.connection());
            } else {
                refusals++;
                dispatcher.connectionRefused(h.worker(), h.connection());
            }
            assertThat(refusals).as("refusals").isLessThan(1000);
        }
        assertThat(taken.get(w1)).isEmpty();
        assertThat(taken.get(w2)).hasSize(1);
        assertThat(taken.get(w3)).hasSize(9);
        assertThat(taken.values().stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(cs);
        assertThat(cs).noneMatch(TestConnection::isClosed);
        // Every worker is idle again and nothing waits; a refused connection was never lost.
        assertThat(dispatcher.waitingCount()).isZero();
        assertThat(dispatcher.idleCount()).isEqualTo(3);
    }

    @Test
    void aRefusedConnectionGoesToAnotherIdleWorkerBeforeTheRefuser() {
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        dispatcher.workerJoined(w3);
        TestConnection c1 = accept();
        dispatcher.connectionRefused(w1, c1);
        assertThat(context.handed()).containsExactly("c1->worker 1", "c1->worker 2");
        // w1 is idle again, behind w3.
        accept();
        accept();
        assertThat(context.handed()).containsExactly("c1->worker 1", "c1->worker 2", "c2->worker 3", "c3->worker 1");
    }

    @Test
    void aRefusedConnectionGoesBackToTheHeadOfTheLine() {
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        List<TestConnection> cs = accept(4); // c1 -> w1, c2 -> w2, c3 and c4 wait
        dispatcher.connectionRefused(w1, cs.get(0));
        // No other worker is idle: c1 waits ahead of c3 and c4, and w1 (idle again) gets it.
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c1->worker 1");
        dispatcher.connectionAcknowledged(w2, cs.get(1));
        assertThat(context.last()).hasToString("c3->worker 2");
        assertThat(dispatcher.waitingCount()).isEqualTo(1);
    }

    @Test
    void aWorkerThatLeftIsNeverHandedAnythingAndItsTurnGoesToOthers() {
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        List<TestConnection> cs = accept(4); // c1 -> w1, c2 -> w2, c3 and c4 wait
        dispatcher.workerLeft(w1); // c1 is lost with it (the primary closes it), as the SPI says
        dispatcher.connectionAcknowledged(w1, cs.get(0)); // a late answer changes nothing
        dispatcher.connectionAcknowledged(w2, cs.get(1));
        dispatcher.connectionAcknowledged(w2, cs.get(2));
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c3->worker 2", "c4->worker 2");
        assertThat(context.attempts).filteredOn(h -> h.worker() == w1).hasSize(1);
        assertThat(cs).noneMatch(TestConnection::isClosed);
    }

    @Test
    void anIdleWorkerThatLeftIsSkipped() {
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        dispatcher.workerJoined(w3);
        dispatcher.workerLeft(w1); // idle when it left: it must not be handed anything
        dispatcher.workerLeft(w3);
        accept(3);
        assertThat(context.attempts).extracting(h -> h.worker()).containsOnly(w2);
        assertThat(context.handed()).containsExactly("c1->worker 2");
        assertThat(dispatcher.waitingCount()).isEqualTo(2);
        assertThat(dispatcher.idleCount()).isZero();
    }

    @Test
    void aWorkerThatJoinsAgainStartsAfreshAndLateAnswersFromItsLastLifeAreIgnored() {
        dispatcher.workerJoined(w1);
        List<TestConnection> cs = accept(2); // c1 -> w1, c2 waits
        dispatcher.workerLeft(w1);
        dispatcher.workerJoined(w1); // a server restart (rule 33): a new turn
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 1");

        dispatcher.connectionAcknowledged(w1, cs.get(0)); // late: about its last life
        accept(); // so w1 must still be busy with c2
        assertThat(context.handed()).hasSize(2);
        dispatcher.connectionAcknowledged(w1, cs.get(1));
        assertThat(context.handed()).hasSize(3);

        // A late refusal from the last life still gives the connection back: it is the dispatcher's.
        dispatcher.workerLeft(w1);
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        TestConnection late = new TestConnection(99);
        dispatcher.connectionRefused(w1, late);
        assertThat(context.last()).hasToString("c99->worker 1");
    }

    @Test
    void aJoinOfAListeningWorkerIsIgnored() {
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w1);
        accept(2);
        assertThat(context.handed()).containsExactly("c1->worker 1");
        assertThat(dispatcher.idleCount()).isZero();
    }

    @Test
    void aWorkerThatCannotTakeAConnectionIsSkippedAndNotTriedAgain() {
        context.cannotTake.add(w1);
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        dispatcher.workerJoined(w3);
        accept();
        assertThat(context.attempts).hasToString("[c1->worker 1 (not taken), c1->worker 2]");
        accept(2);
        assertThat(context.attempts).hasToString("[c1->worker 1 (not taken), c1->worker 2, c2->worker 3]");
        assertThat(dispatcher.waitingCount()).isEqualTo(1);

        // It can listen again later (workerLeft, then workerJoined), or even be joined again without
        // the leave, as a fresh life.
        context.cannotTake.remove(w1);
        dispatcher.workerJoined(w1);
        assertThat(context.last()).hasToString("c3->worker 1");
    }

    @Test
    void severalWorkersInARowThatCannotTakeAreAllSkipped() {
        context.cannotTake.add(w1);
        context.cannotTake.add(w2);
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        dispatcher.workerJoined(w3);
        accept();
        assertThat(context.attempts).hasToString("[c1->worker 1 (not taken), c1->worker 2 (not taken), c1->worker 3]");
        assertThat(dispatcher.waitingCount()).isZero();
    }

    @Test
    void aHandOffThatThrowsCountsAsNotTaken() {
        context.taker = (w, c) -> {
            if (w == w1) {
                throw new IllegalStateException("test: channel broken");
            }
            return true;
        };
        dispatcher.workerJoined(w1);
        dispatcher.workerJoined(w2);
        TestConnection c = accept();
        assertThat(context.last().worker()).isEqualTo(w2);
        assertThat(c.isClosed()).isFalse();
    }

    @Test
    void withNoWorkerListeningConnectionsWaitForOneToJoin() {
        List<TestConnection> cs = accept(3);
        assertThat(context.attempts).isEmpty();
        assertThat(dispatcher.waitingCount()).isEqualTo(3);

        dispatcher.workerJoined(w1);
        dispatcher.workerLeft(w1);
        assertThat(context.handed()).containsExactly("c1->worker 1");
        dispatcher.workerJoined(w2);
        dispatcher.connectionAcknowledged(w2, cs.get(1));
        dispatcher.connectionAcknowledged(w2, cs.get(2));
        assertThat(context.handed()).containsExactly("c1->worker 1", "c2->worker 2", "c3->worker 2");
        assertThat(cs).noneMatch(TestConnection::isClosed);
    }

    @Test
    void aConnectionRefusedByTheLastWorkerWaitsForTheNext() {
        dispatcher.workerJoined(w1);
        TestConnection c = accept();
        dispatcher.workerLeft(w1);
        dispatcher.connectionRefused(w1, c); // closing its server: refused after it left
        assertThat(dispatcher.waitingCount()).isEqualTo(1);
        assertThat(c.isClosed()).isFalse();
        dispatcher.workerJoined(w2);
        assertThat(context.last()).hasToString("c1->worker 2");
    }

    @Test
    void closeClosesEveryWaitingConnectionAndNothingElse() {
        dispatcher.workerJoined(w1);
        List<TestConnection> cs = accept(3);
        dispatcher.connectionRefused(w1, cs.get(0)); // c1 goes back to the head and to w1 again
        dispatcher.close();
        assertThat(cs.get(0).isClosed()).as("handed to w1").isFalse();
        assertThat(cs.subList(1, 3)).allMatch(c -> c.closes.get() == 1);
        assertThat(dispatcher.waitingCount()).isZero();

        // Answers still in flight: the acknowledged one is the worker's, a refused one is closed.
        dispatcher.connectionRefused(w1, cs.get(0));
        assertThat(cs.get(0).closes.get()).isEqualTo(1);
        int attempts = context.attempts.size();
        TestConnection straggler = accept();
        assertThat(straggler.isClosed()).isTrue();
        assertThat(context.attempts).hasSize(attempts);
    }

    @Test
    void theContextIsRequired() {
        org.assertj.core.api.Assertions.assertThatNullPointerException()
                .isThrownBy(() -> new RoundRobinPolicy().newDispatcher(null)).withMessageContaining("context");
        ConnectionDispatcher d = new RoundRobinPolicy().newDispatcher(context);
        org.assertj.core.api.Assertions.assertThatNullPointerException().isThrownBy(() -> d.connectionAccepted(null));
        assertThat(d.toString()).contains("127.0.0.1", "waiting 0");
    }
}
