package org.jcluster.supervisor;

import org.jcluster.api.ExitStatus;
import org.jcluster.api.Worker;

/**
 * A supervised worker exited and is not replaced: the supervisor keeps one worker fewer.
 *
 * @param worker the worker
 * @param status how it exited
 * @param reason why it is not replaced
 */
public record Retired(Worker worker, ExitStatus status, Reason reason) {

    /** Why a worker is not replaced. */
    public enum Reason {
        /**
         * It was disconnected, from the primary ({@code worker.disconnect()}, {@code cluster.disconnect()}) or
         * from inside the worker: {@link Worker#exitedAfterDisconnect()} is true, Node's sign of a worker
         * that left on purpose.
         */
        DISCONNECTED,
        /**
         * It ended on SIGTERM, SIGINT, SIGHUP or SIGPIPE: someone asked it to stop ({@code worker.kill()}
         * sends SIGTERM; so does an operator's {@code kill}). systemd's {@code Restart=on-failure} counts
         * the same four signals as a clean stop. SIGKILL, crashes and exits of any code are respawned.
         */
        STOP_SIGNAL,
        /**
         * This program killed it ({@code worker.kill("SIGKILL")}, say: {@link Worker#killedWith()}), with a
         * signal that is not one of the four above. A SIGKILL from elsewhere (the OOM killer) is a crash.
         */
        KILLED,
        /** It exited unexpectedly after the crash-loop breaker opened, which stopped all respawning. */
        CRASH_LOOP
    }
}
