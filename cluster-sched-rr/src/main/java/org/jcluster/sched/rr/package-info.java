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
 * One addition to Node (R7): waiting connections are dealt in turn among the workers that answer
 * promptly, not to whichever answers first. A client opening a burst of keep-alive connections
 * otherwise gives most of them to the worker whose answers happen to be processed first (10/22 and
 * 5/27 splits were measured over two workers), and those connections stay there.
 *
 * <h2>Concurrency rules (written down once; {@link org.jcluster.sched.rr.RoundRobinDispatcher}
 * follows them everywhere)</h2>
 * Callers: the accept thread ({@code connectionAccepted}), each worker's reader thread
 * ({@code connectionAcknowledged}, {@code connectionRefused}), the event thread
 * ({@code workerJoined}, {@code workerLeft}, {@code close}); any of them at the same time; and the
 * module's patience timer thread (R7), which only calls {@code pair()}. No lock is taken and no thread
 * waits for another (R6).
 *
 * <p>State:
 * <ul>
 *   <li>{@code ready}: an unbounded MPMC queue (the JDK's lock-free {@code ConcurrentLinkedQueue}) of
 *       {@code WorkerSlot}s.</li>
 *   <li>{@code retry} and {@code pending}: unbounded MPMC queues of connections. {@code retry} holds
 *       refused connections and those a hand-off failed for; it is always polled before
 *       {@code pending}, which is how a connection goes "back to the head of the line" on queues
 *       that have no push-front. "P" below means the two together.</li>
 *   <li>Each listening worker has one {@code WorkerSlot} (in a {@code ConcurrentHashMap}, and in an
 *       array copied on join and leave, for R7's allocation-free pass) with a state: READY (idle; it
 *       is in {@code ready}), BUSY (claimed by a dispatching thread, or holding an unacknowledged
 *       connection), GONE (left, or its hand-off failed; final); and R7's {@code dealt} count, time
 *       of the last hand-off, and "refusing" mark.</li>
 * </ul>
 *
 * <p>Rules:
 * <ol>
 *   <li><b>R1, one copy.</b> A slot is offered to {@code ready} only by the thread that moved it into
 *       READY by a CAS (join, acknowledgement, refusal, or putting back an unused claim), so it is
 *       in {@code ready} at most once. It leaves READY only through the CAS READY-&gt;BUSY of the
 *       thread that polled it, so two threads never claim the same slot.</li>
 *   <li><b>R2, stale entries are skipped.</b> The queues' remove(Object) is a linear scan racing
 *       every other call, so it is not used: a worker that leaves
 *       is marked GONE and removed from the map, and its entry, if it is in {@code ready}, stays
 *       there until polled; the CAS READY-&gt;BUSY fails on it and it is dropped. A worker that
 *       joins again gets a fresh slot, so a stale entry can never come back to life.</li>
 *   <li><b>R3, check the other queue after every offer.</b> Whoever offers to one side then runs
 *       {@code pair()}, which loops: (a) return if P is empty; (b) claim a READY slot, return if
 *       there is none; (d) if R7 holds the slot, put it back (BUSY-&gt;READY, offer) and go to (a),
 *       or return once it has held as many slots in a row as may be idle (R7 (ii): counted afresh
 *       after each hand-off and each offer of its own but a held slot's); (c) poll P; if it is empty,
 *       put the slot back and go to (a); else hand the connection off and go to (a). A connection
 *       whose hand-off failed goes to {@code retry} and the loop goes on, so that offer is checked
 *       too. Two shortcuts offer nothing, so they owe no check: an accept that finds P empty and
 *       claims an idle worker hands the connection straight to it (unless R7 holds that worker: the
 *       connection is then offered to P, and the loop entered at (d) holding the slot); an
 *       acknowledgement that finds P non-empty keeps its slot BUSY and enters the loop at (d) holding
 *       it (the worker's next connection, as Node's {@code handoff(worker)}); if (c) then finds P
 *       empty, that is a put-back like any other.</li>
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
 *   <li><b>R6, what "never block" costs.</b> The queues are Michael and Scott's lock-free queue
 *       ({@code ConcurrentLinkedQueue}): {@code poll()} returns null only when the queue is empty (it
 *       never fails spuriously), and no call waits for another thread's unfinished one: an element is
 *       written before the CAS that links it, and a failed CAS only means that another thread made
 *       progress. The price is one node allocated per offer (24 bytes). (JCTools' unbounded MPMC
 *       queue, used before, pools its chunks but needs {@code sun.misc.Unsafe}, which Java 24 and
 *       later warn about in every JVM; its bounded VarHandle queues would drop what does not fit.)</li>
 *   <li><b>R7, fair dealing.</b> Each slot counts {@code dealt}: connections handed to its worker,
 *       counted at the hand-off, less those its worker refused (a refused connection is not served
 *       there); and it records the time of its last hand-off. A slot that joins starts level with the
 *       least-dealt live slot (0 if none): a newcomer is neither flooded nor starved. A waiting
 *       connection is not handed to a claimed slot {@code s} while another live slot {@code v} is
 *       BUSY with a hand-off younger than {@code PATIENCE}, has {@code v.dealt < s.dealt}, and did
 *       not refuse its last connection: {@code s} is put back (step (d) of R3) and the connection
 *       keeps waiting for {@code v}'s answer. When {@code v} answers it takes the connection (it is
 *       behind), and the loop then serves {@code s} as usual. The check is made wherever a slot meets
 *       a waiting connection: step (d), which the held slot of an acknowledgement and of the accept
 *       shortcut pass too. Result: strict turns within a burst among the workers that answer
 *       promptly, whoever answers first. A worker that does not answer within {@code PATIENCE} stops
 *       counting until it answers: a stalled worker costs one wait, then is skipped. A worker whose
 *       last answer was a refusal stops counting until it acknowledges one: it is at its connection
 *       limit or closing, so it stays behind, and waiting for it would hand it connections it refuses;
 *       with two of them a connection would bounce between them, each fresh hand-off restarting the
 *       patience, while a worker with room stayed held. A worker that counts again (it answers after
 *       its patience ran out, or acknowledges after refusing) is first lifted level with the
 *       least-dealt other live slot, if below it: what it missed while not counted is not made up
 *       with a run of connections while the others sit held. Fairness is kept within bursts, not
 *       over a worker's life. With one live slot nothing is checked; with
 *       N, one pass over the slot array, without allocating.
 *       <p>Ending holds. (i) Whoever ends the reason for a hold then polls {@code ready}: an answer
 *       from {@code v} (an acknowledgement goes on into {@code pair()} with its slot; a refusal marks
 *       the slot refusing, then offers and pairs), a hand-off to {@code v} (the dispatching thread
 *       goes on pairing; the accept shortcut runs {@code pair()} if connections wait and several
 *       workers listen), {@code v} leaving ({@code workerLeft} runs {@code pair()}), {@code v} put
 *       back (by a loop that goes on, or that returns after a hold of its own, which is then also
 *       {@code s}'s: the slot {@code v} waits for is behind {@code s} too). The holding thread
 *       re-checks the hold after offering {@code s}, and counts it only if it still stands; if it does
 *       not, that offer was of an idle slot that nothing holds, which the loop owes a check like any
 *       other offer (R3): it goes on, its count of holds started afresh. The
 *       change (a volatile write), the poll, the offer and the re-check are all sequentially
 *       consistent, so the re-check sees the change or the poll sees {@code s}. (ii) {@code v}'s
 *       hand-off growing old is no one's action: a counted hold arms the patience timer, a run of
 *       {@code pair()} on the module's one daemon thread ({@code jcluster-rr-patience}) when the
 *       awaited hand-off is {@code PATIENCE} old (the youngest awaited one, if several), plus a
 *       margin of 0.5 ms. One run is armed per dispatcher at a time; a hold that finds one armed
 *       relies on it, which is sound because a run clears the flag before it pairs: a hold that saw
 *       the flag set had offered its slot before that run began. That run may come earlier than this
 *       hold needs (it then holds again and arms for the right time) or later, but at most
 *       {@code PATIENCE} plus the margin after it was armed, which was before this hold. Hence a held
 *       slot is paired again no later than {@code PATIENCE} plus the margin after it was held, unless
 *       by then an awaited worker was handed a fresh connection (progress, and a new hold with its
 *       own bound); counted from the awaited hand-off, a wait lasts at most about 2 {@code PATIENCE}.
 *       A {@code pair()} returns after as many holds in a row as there may be idle live slots (one
 *       fewer than the live slots, the awaited one being busy), counted since the loop's last offer
 *       of its own (a slot put back in (c), a slot whose hold ended before its re-check, a connection
 *       whose hand-off failed) and its last hand-off: the ready queue is FIFO, so those holds have
 *       gone round it past every idle slot that was in it at that offer, and going on would only
 *       claim and hold them again. Counted over the whole call instead, the holds made before such
 *       an offer use up the count: slots that other threads have claimed are missing from the queue
 *       while a loop passes, so a loop may hold the same slot twice and return without looking at
 *       one that it has itself just put back behind it (two such interleavings, played step by step:
 *       {@code RoundRobinInterleavingTest}). A hand-off restarts the count as well, since it may end
 *       holds on its worker (i). A run of the timer after
 *       {@code close} (which cancels the armed run, unless it started) finds {@code closed} set and
 *       only drains P (R5).</li>
 * </ol>
 *
 * <h2>Why no connection is stranded while a worker is idle (the lost wake-up)</h2>
 * Claim: once every call has returned, it is never the case that P holds a connection {@code c}
 * while {@code ready} holds a READY slot {@code w}, except while R7 holds {@code w} back with a run
 * of the patience timer armed; and such a hold ends within the bound of R7 (ii).
 *
 * <p>Without R7 (no step (d); or when no hold happens) the argument is this.
 *
 * <p>Suppose it were. Let {@code tc} be the last time {@code c} was offered to P and {@code tw} the
 * last time {@code w} was offered to {@code ready} (the queues are linearizable: an offer takes
 * effect at the CAS that links its node after the last one; an emptiness check that answers true
 * and a poll that answers null, at the volatile read that finds the last node's link still null
 * with no live element before it; so all of these are totally ordered). {@code c} stays in P over [tc, end] and {@code w} in
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
 * <p>With R7, {@code pair()} may also return after holds (d). Call a <em>run</em> the part of a loop
 * that follows an offer or a hand-off: the {@code pair()} a caller enters after its offer, and
 * within a loop the turns after each offer of its own (not a held slot's put-back) or hand-off. R7
 * (ii) counts holds per run. Go back to the two offers above: the run that follows the later one
 * began after both; it could not end at (a) ({@code c} is in P) nor at (b) ({@code w} is in
 * {@code ready}), so it ended after holds, having armed a timer run or found one armed that had
 * not yet begun pairing. That timer run begins after both offers too, so by the same reasoning it
 * pairs {@code c} or {@code w}, or ends after holds that arm the next run. A run holds
 * only for a live slot whose hand-off is younger than {@code PATIENCE}, and runs come at most
 * {@code PATIENCE} plus the margin apart while no hand-off happens (R7 (ii)); so once no connection
 * has been handed off for that long, the next run cannot hold and pairs them. A hand-off meanwhile is
 * progress: it takes the head of P. The timer is thus what bounds a hold; the re-checks of R7 (i)
 * only make holds end as soon as their reason does.
 *
 * <p>With the timer taken away (a patience of an hour, as the stress test sets), the re-checks and
 * the count per run keep the claim exact: at rest, every idle worker beside a waiting connection is
 * held for a busy worker that is behind it and has a live hand-off. Suppose instead that at rest
 * {@code c} waits and {@code w} is idle and held by nothing, and take the run R that began last.
 * Whatever could pair them or end a hold is followed by a run that begins after it: an offer (but
 * a held slot's put-back), a hand-off, an answer, a join, a leave (the accept shortcut's hand-off
 * only when it then finds P non-empty; when it finds P empty, {@code c} was offered later, and its
 * run began later still). So from R's start on, the threads only held slots: claimed one, put it
 * back, and found the hold standing. None held {@code w}: that would have left it held, and
 * nothing but holds came after (putting back the slot {@code w} waits for, after a hold of its own,
 * leaves {@code w} held by the slot that one waits for, which is further behind). So {@code c} was
 * in P and {@code w} in {@code ready} all through R, which therefore handed nothing off, ended at
 * neither (a) nor (b), and returned after N-1 holds in a row, N the live slots (the same all through
 * R: joins and leaves are followed by runs). Polling the FIFO queue from its head, R held N-1
 * distinct slots that were ahead of {@code w} when it began (a slot put back goes behind
 * {@code w}, and nobody polls past {@code w}), each idle until R claimed it and again once R put it
 * back. The slot the last hold waited for was busy: it is none of them, nor {@code w}, which makes
 * N+1 live slots, a contradiction. (A count over the whole call breaks this: holds made before a
 * loop's own put-back count towards the run that the put-back begins, which may then return
 * before it reaches the slot it put back; R7 (ii).)
 *
 * <h2>What is not promised</h2>
 * A worker that leaves at the same moment as a hand-off to it may still be handed that connection:
 * the dispatcher re-reads the slot right before {@link
 * org.jcluster.api.spi.DispatchContext#handOff} but cannot make the two atomic without a lock. The
 * SPI covers it: {@code handOff} answers false for a worker that has left, and a connection handed
 * to a worker that then leaves is lost with it (the primary closes its copy). After
 * {@code workerLeft} has returned, no dispatching that starts later hands anything to that worker.
 *
 * <p>R7 trades a little latency for evenness: a connection may wait up to about {@code PATIENCE}
 * for a worker that is behind while one that is ahead sits idle (in practice the answer comes in
 * microseconds to a few milliseconds). Evenness is kept within bursts of prompt answers, not over a
 * worker's whole life: a worker that stopped counting (it stalled, or was at its connection limit)
 * is lifted level with the others when it counts again, and does not get back what it missed.
 */
package org.jcluster.sched.rr;
