package org.jcluster.api;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One worker's figures at one moment, as the primary sees them ({@link Worker#stats(Duration)}). Counts
 * run from the worker's fork; a replacement starts again from zero (a supervisor's restarts say how many
 * came before it).
 *
 * @param id the worker's id
 * @param pid its process id
 * @param state its state when the figures were taken
 * @param uptime since the primary forked it
 * @param messagesSent messages the primary sent it ({@link Worker#send})
 * @param messagesReceived messages it sent the primary
 * @param bytesSent bytes the primary wrote to its channel: messages, jcluster's own frames and framing
 * @param bytesReceived bytes the primary read from its channel
 * @param sendBacklogBytes bytes queued for it and not yet written (a slow reader's backlog)
 * @param connectionsDealt connections the primary handed it under round-robin ("rr"); 0 under "none",
 *     where the kernel deals them
 * @param connectionsRefused of those, the ones it handed back (its server had closed, or it was
 *     leaving), which the primary dealt to another worker
 * @param residentBytes its resident memory (VmRSS), as top and PM2 show it; empty once it has exited
 * @param cpuTime the CPU time its process has used; empty once it has exited
 * @param health what it said of itself when asked (connections its servers took, heap, GC time); empty
 *     when it did not answer within the timeout (a blocked event thread, a worker leaving)
 */
public record WorkerStats(int id, long pid, WorkerState state, Duration uptime,
        long messagesSent, long messagesReceived, long bytesSent, long bytesReceived, long sendBacklogBytes,
        long connectionsDealt, long connectionsRefused,
        OptionalLong residentBytes, Optional<Duration> cpuTime, Optional<WorkerHealth> health) {
}
