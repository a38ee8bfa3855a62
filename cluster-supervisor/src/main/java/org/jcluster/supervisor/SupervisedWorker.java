package org.jcluster.supervisor;

import java.util.Optional;

import org.jcluster.api.Worker;

/**
 * One position of the supervisor's desired count, as {@link Supervisor#workers()} saw it.
 *
 * @param slot the position, from 0
 * @param worker its worker now; empty between a crash and the respawn, or after a shutdown
 * @param state {@code starting}, {@code online}, {@code backoff} (waiting to respawn), {@code retired}
 *     or {@code stopped}
 * @param restarts workers that took this position after its first: respawned, reloaded or recycled
 */
public record SupervisedWorker(int slot, Optional<Worker> worker, String state, int restarts) {
}
