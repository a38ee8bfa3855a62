package org.jcluster.supervisor;

import java.time.Duration;

import org.jcluster.api.Worker;

/**
 * A worker did not answer a ping within {@link SupervisorSettings#pingTimeout()}: its event thread is
 * blocked or too busy to run its listeners.
 *
 * @param worker the worker
 * @param timeout how long it was given
 * @param replacing true when the supervisor is replacing it (a replacement first, then SIGQUIT so that
 *     the worker's JVM prints every thread's stack on its output, then SIGKILL); false when it only reports
 *     ({@link SupervisorSettings#replaceUnresponsive()} is false, or the breaker is open)
 */
public record Unresponsive(Worker worker, Duration timeout, boolean replacing) {
}
