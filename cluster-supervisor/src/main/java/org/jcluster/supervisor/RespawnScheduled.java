package org.jcluster.supervisor;

import java.time.Duration;

import org.jcluster.api.ExitStatus;
import org.jcluster.api.Worker;

/**
 * A worker exited without being asked to, and a replacement will be forked after {@code delay}.
 *
 * @param worker the worker that exited
 * @param status how it exited
 * @param attempt consecutive unexpected exits of this worker's slot, this one included (1, 2, ...): the
 *     delay grows with it, and goes back to the first once a worker of the slot stays up
 *     {@link SupervisorSettings#stableAfter()}
 * @param delay how long the replacement waits: {@link SupervisorSettings#restartDelayAfter(int)}
 */
public record RespawnScheduled(Worker worker, ExitStatus status, int attempt, Duration delay) {
}
