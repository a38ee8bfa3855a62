package org.jcluster.supervisor;

import org.jcluster.api.Worker;

/**
 * A replacement was forked.
 *
 * @param previous the worker that exited unasked
 * @param worker its replacement, just forked (not online yet)
 * @param attempt as in {@link RespawnScheduled#attempt()}
 */
public record Respawned(Worker previous, Worker worker, int attempt) {
}
