/**
 * Scheduling policy "rr": the primary accepts every connection of a shared server and hands it to
 * one worker at a time, as Node's {@code RoundRobinHandle} does.
 *
 * <h2>What round-robin means here (Node's rules)</h2>
 * <ul>
 *   <li>A worker is handed its next connection only after it acknowledged (or refused) the last one:
 *       idle workers wait in a READY queue, connections with no idle worker wait in a PENDING
 *       queue, both first in, first out. Rotation is by readiness, not blind. A worker that
 *       acknowledges while connections wait takes the next one (Node's {@code handoff(worker)}).</li>
 *   <li>A connection a worker refuses (it is at its connection limit, or closing its server) goes
 *       back to the head of the line and is offered to the next idle worker before the refusing
 *       worker is idle again.</li>
 *   <li>With no worker listening, connections wait until one joins. Nothing is dropped for lack of
 *       room: both queues are unbounded.</li>
 *   <li>An answer counts only for the connection last handed to that worker (R4): a late answer from a
 *       worker's previous life (it left, then joined again) readies nothing. A refused connection is
 *       taken back whatever it says: it is the dispatcher's (the SPI's ownership rule).</li>
 * </ul>
 *
 * <h2>One addition to Node: fair dealing (R7)</h2>
 * Waiting connections are dealt in turn among the workers that answer promptly, not to whichever
 * answers first. A client opening a burst of keep-alive connections otherwise gives most of them to the
 * worker whose answers happen to be processed first (10/22 and 5/27 splits were measured over two
 * workers), and those connections stay there.
 * <ul>
 *   <li>Each worker counts {@code dealt}: connections handed to it, less those it refused. A worker that
 *       joins starts level with the least-dealt listening worker (0 if none): a newcomer is neither
 *       flooded nor starved.</li>
 *   <li>An idle worker is <em>held</em> while some busy worker is behind it: dealt fewer, awaiting the
 *       answer to a hand-off younger than {@code PATIENCE} (100 ms), and not refusing. The next waiting
 *       connection goes to the first idle worker in the READY queue that is not held; if all are, it waits
 *       for the answer, and a timer (through {@link org.jcluster.api.spi.DispatchContext#schedule}) runs
 *       the pairing again when the first awaited hand-off grows older than {@code PATIENCE}: a stalled
 *       worker costs one wait of at most that, and is then skipped until it answers.</li>
 *   <li>A worker whose last answer was a refusal is not waited for until it acknowledges one: it is at
 *       its connection limit or closing, and waiting for it would hand it connections it refuses.</li>
 *   <li>A worker that counts again (it answers after its patience ran out, or acknowledges after refusing)
 *       is first lifted level with the least-dealt other worker: what it missed is not made up with a
 *       run of connections while the others sit held. Fairness is kept within bursts, not over a
 *       worker's life.</li>
 * </ul>
 * With one worker nothing is checked; with N, one pass over them per hand-off, without allocating.
 *
 * <h2>Threads</h2>
 * None of its own, and no lock: the primary calls a dispatcher one call at a time (the SPI's contract),
 * so every rule above is plain sequential code. The primary's accept thread, the workers' channel
 * readers and its timer take turns running it, through a lock-free JCTools queue in jcluster's core.
 */
package org.jcluster.sched.rr;
