package org.jcluster.supervisor;

import java.time.Duration;
import java.util.List;

import org.jcluster.api.Worker;

/**
 * A graceful shutdown began: nothing is respawned from now on, and every worker listed was asked to
 * disconnect (it stops taking connections, finishes those it holds, and should then exit).
 *
 * @param reason what started it
 * @param deadline how long the workers have before the rest are SIGKILLed
 * @param workers the supervised workers still running, each asked to disconnect
 */
public record ShutdownStarted(ShutdownReason reason, Duration deadline, List<Worker> workers) {
    public ShutdownStarted {
        workers = List.copyOf(workers);
    }
}
