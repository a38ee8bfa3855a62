/**
 * Scheduling policy "rr": the primary accepts every connection of a shared server and hands it to
 * one worker at a time, as Node's {@code RoundRobinHandle} does.
 *
 * <h2>What round-robin means here (Node's rules)</h2>
 * <ul>
 *   <li>A worker is handed its next connection only after it acknowledged (or refused) the last one:
 *       idle workers wait in a READY queue, connections with no idle worker wait in a PENDING
 *       queue, both first in, first out. Rotation is by readiness, not blind.</li>
 *   <li>A connection a worker refuses (it is at its connection limit, or closing its server) goes
 *       back to the head of the line and is offered to the next idle worker before the refusing
 *       worker is idle again.</li>
 *   <li>With no worker listening, connections wait until one joins. Nothing is dropped for lack of
 *       room: both queues are unbounded.</li>
 * </ul>
 *
 * <h2>Concurrency rules (written down once; {@link org.jcluster.sched.rr.RoundRobinDispatcher}
 * follows them everywhere)</h2>
 * Callers: the accept thread ({@code connectionAccepted}), each worker's reader thread
 * ({@code connectionAcknowledged}, {@code connectionRefused}), the event thread
 * ({@code workerJoined}, {@code workerLeft}, {@code close}); any of them at the same time. No lock is
 * taken and no thread waits for another; see R6 for the one bounded spin inside JCTools.
 *
 * <p>State:
 * <ul>
 *   <li>{@code ready}: an unbounded MPMC queue (JCTools {@code MpmcUnboundedXaddArrayQueue}) of
 *       {@code WorkerSlot}s.</li>
 *   <li>{@code retry} and {@code pending}: unbounded MPMC queues of connections. {@code retry} holds
 *       refused connections and those a hand-off failed for; it is always polled before
 *       {@code pending}, which is how a connection goes "back to the head of the line" on queues
 *       that have no push-front. "P" below means the two together.</li>
 *   <li>Each listening worker has one {@code WorkerSlot} (in a {@code ConcurrentHashMap}) with a
 *       state: READY (idle; it is in {@code ready}), BUSY (claimed by a dispatching thread, or
 *       holding an unacknowledged connection), GONE (left, or its hand-off failed; final).</li>
 * </ul>
 *
 * <p>Rules:
 * <ol>
 *   <li><b>R1, one copy.</b> A slot is offered to {@code ready} only by the thread that moved it into
 *       READY by a CAS (join, acknowledgement, refusal, or putting back an unused claim), so it is
 *       in {@code ready} at most once. It leaves READY only through the CAS READY-&gt;BUSY of the
 *       thread that polled it, so two threads never claim the same slot.</li>
 *   <li><b>R2, stale entries are skipped.</b> JCTools queues have no remove(): a worker that leaves
 *       is marked GONE and removed from the map, and its entry, if it is in {@code ready}, stays
 *       there until polled; the CAS READY-&gt;BUSY fails on it and it is dropped. A worker that
 *       joins again gets a fresh slot, so a stale entry can never come back to life.</li>
 *   <li><b>R3, check the other queue after every offer.</b> Whoever offers to one side then runs
 *       {@code pair()}, which loops: (a) return if P is empty; (b) claim a READY slot, return if
 *       there is none; (c) poll P; if it is empty, put the slot back (BUSY-&gt;READY, offer) and go
 *       to (a); else hand the connection off and go to (a). A connection whose hand-off failed goes
 *       to {@code retry} and the loop goes on, so that offer is checked too. Two shortcuts offer
 *       nothing, so they owe no check: an accept that finds P empty and claims an idle worker hands
 *       the connection straight to it; an acknowledgement that finds P non-empty keeps its slot BUSY
 *       and enters the loop at (c) holding it (the worker's next connection, as Node's
 *       {@code handoff(worker)}); if (c) then finds P empty, that is a put-back like any other.</li>
 *   <li><b>R4, acknowledgements match.</b> Before a hand-off the slot records the connection
 *       (release store); an acknowledgement or refusal readies the slot only when it names that
 *       connection (acquire load). A late reply to a worker's previous life (left, then joined
 *       again) therefore never readies its new slot. A refused connection is always taken back,
 *       whatever the slot says: it is the dispatcher's (SPI ownership rule).</li>
 *   <li><b>R5, close.</b> {@code close()} writes {@code closed} (volatile) and then drains P,
 *       closing each connection; {@code pair()} reads {@code closed} at the top of every turn,
 *       after its caller's offer. By the same argument as R3, a connection offered concurrently
 *       with close is either drained by close or seen by its offerer's {@code pair()}, which then
 *       drains it. A connection already handed off when close runs is the worker's; if it is
 *       refused afterwards it is closed on its way back.</li>
 *   <li><b>R6, what "never block" costs.</b> JCTools MPMC {@code poll()} returns null only when the
 *       queue is empty (it re-reads the producer index; it never fails spuriously), and may spin
 *       briefly on an element whose producer has claimed its index but not yet written it. That
 *       window is a few instructions long; no thread ever waits on another dispatcher call.</li>
 * </ol>
 *
 * <h2>Why no connection is stranded while a worker is idle (the lost wake-up)</h2>
 * Claim: once every call has returned, it is never the case that P holds a connection {@code c}
 * while {@code ready} holds a READY slot {@code w}.
 *
 * <p>Suppose it were. Let {@code tc} be the last time {@code c} was offered to P and {@code tw} the
 * last time {@code w} was offered to {@code ready} (offers are linearised by the queue's atomic
 * producer-index increment; emptiness checks and null polls by a volatile read of that index, so
 * all of these are totally ordered). {@code c} stays in P over [tc, end] and {@code w} in
 * {@code ready} over [tw, end]: removing either would need a later offer to put it back. Hence
 * after {@code tc} no check of P sees it empty, and after {@code tw} no poll of {@code ready}
 * returns null (stale entries are skipped by polling on, R2, and {@code w} is behind them).
 *
 * <p>By R3 the thread that offered {@code c} at {@code tc} then ran {@code pair()}, which ends
 * only at (a) or (b). (a) is impossible after {@code tc}, so it ended at (b): a null poll of
 * {@code ready} at some {@code rb} with {@code tc < rb < tw}. Likewise the thread that offered
 * {@code w} at {@code tw} ran {@code pair()}, which could not end at (b) after {@code tw}, so it
 * ended at (a): P seen empty at some {@code pa} with {@code tw < pa < tc}. Then
 * {@code tc < tw < tc}: a contradiction. The argument needs nothing else from the loop: a thread
 * that, in between, polls another worker or connection, hands it off, or puts it back just makes
 * more offers, each followed by its own check, and a slot or connection a thread holds without
 * having offered it is, for the others, simply busy. (The put-back of a claimed slot in (c) is the case
 * that matters: the claimed slot is in neither queue for a moment, and an accept racing with it
 * may find {@code ready} empty; the put-back's own re-check of P then finds that connection.)
 *
 * <h2>What is not promised</h2>
 * A worker that leaves at the same moment as a hand-off to it may still be handed that connection:
 * the dispatcher re-reads the slot right before {@link
 * org.jcluster.api.spi.DispatchContext#handOff} but cannot make the two atomic without a lock. The
 * SPI covers it: {@code handOff} answers false for a worker that has left, and a connection handed
 * to a worker that then leaves is lost with it (the primary closes its copy). After
 * {@code workerLeft} has returned, no dispatching that starts later hands anything to that worker.
 */
package org.jcluster.sched.rr;
