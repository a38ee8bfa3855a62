package org.jcluster.supervisor;

import java.time.Duration;

import org.jcluster.api.Worker;

/**
 * A worker whose slot had crashed stayed online for {@link SupervisorSettings#stableAfter()}: the slot's
 * next respawn, if any, waits {@link SupervisorSettings#restartDelay()} again.
 *
 * @param worker the worker that stayed up
 * @param uptime how long it has been online
 * @param forgottenCrashes the slot's consecutive crashes that are now forgotten
 */
public record BackoffReset(Worker worker, Duration uptime, int forgottenCrashes) {
}
