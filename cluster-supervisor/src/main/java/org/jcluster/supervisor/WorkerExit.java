package org.jcluster.supervisor;

import java.time.Instant;
import java.util.Objects;

import org.jcluster.api.ExitStatus;
import org.jcluster.api.Worker;

/**
 * How and when one worker ended.
 *
 * @param worker the worker (dead)
 * @param status its exit code or signal
 * @param at when the supervisor learnt of the exit
 */
public record WorkerExit(Worker worker, ExitStatus status, Instant at) {
    public WorkerExit {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(at, "at");
    }

    /** {@code worker 3 (pid 4242): code 7}. */
    @Override
    public String toString() {
        return "worker " + worker.id() + " (pid " + worker.pid() + "): " + status;
    }
}
