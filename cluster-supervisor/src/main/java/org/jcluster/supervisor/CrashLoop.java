package org.jcluster.supervisor;

import java.time.Duration;
import java.util.List;

/**
 * {@code limit} workers exited unexpectedly within {@code window}: the supervisor stopped respawning,
 * and (with {@link SupervisorSettings#crashLoopShutdown()}, the default) shuts the service down; the
 * primary then exits with status 1.
 *
 * @param exits the unexpected exits within the window, oldest first
 * @param limit {@link SupervisorSettings#crashLoopExits()}
 * @param window {@link SupervisorSettings#crashLoopWindow()}
 * @param message what happened, the exit statuses and the settings that change it, as logged
 */
public record CrashLoop(List<WorkerExit> exits, int limit, Duration window, String message) {
    public CrashLoop {
        exits = List.copyOf(exits);
    }
}
