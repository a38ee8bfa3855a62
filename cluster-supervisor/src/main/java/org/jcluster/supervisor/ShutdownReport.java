package org.jcluster.supervisor;

import java.time.Duration;
import java.util.List;

import org.jcluster.api.Worker;

/**
 * How a graceful shutdown ended.
 *
 * @param reason what started it
 * @param deadline the drain deadline it had
 * @param took from its start until the last worker was gone (or given up on)
 * @param leftInTime the workers that exited before the deadline, with their statuses
 * @param killed the workers still running at the deadline, which were sent SIGKILL (their exit follows
 *     as the cluster's {@code EXIT} event)
 * @param exitStatus the primary's exit status: 0 when every worker left in time after a
 *     {@link ShutdownReason#CALL call} or a signal; 1 when a worker had to be killed, or when a crash loop or
 *     a failed fork caused the shutdown
 * @param message what happened, naming every worker that did not leave in time and the setting to
 *     change; the primary prints it as its last line when it exits
 */
public record ShutdownReport(ShutdownReason reason, Duration deadline, Duration took, List<WorkerExit> leftInTime,
        List<Worker> killed, int exitStatus, String message) {
    public ShutdownReport {
        leftInTime = List.copyOf(leftInTime);
        killed = List.copyOf(killed);
    }

    /** True when every worker left in time. */
    public boolean clean() {
        return killed.isEmpty();
    }
}
