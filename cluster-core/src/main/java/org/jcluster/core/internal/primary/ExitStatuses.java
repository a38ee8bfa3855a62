package org.jcluster.core.internal.primary;

import org.jcluster.api.ExitStatus;
import org.jcluster.core.internal.transport.Posix;

/**
 * Turns a worker JVM's exit value into an exit code or a signal (Node rule 23).
 *
 * <p>A JVM ended by signal N reports 128+N, whether the kernel killed it (SIGKILL) or the JVM ran its
 * shutdown hooks first (SIGTERM, SIGINT, SIGHUP). In the second case the worker's hook told the primary
 * which signal it was, or that there was none: that settles exit(143) against SIGTERM. Without that
 * word (SIGKILL, or a channel already closed) 128+N is read as signal N.
 */
final class ExitStatuses {
    private ExitStatuses() {
    }

    /**
     * @param exitValue the Process exit value
     * @param toldSignal what the worker said while exiting: null when it said nothing, "" for a plain
     *     exit, else the signal name
     */
    static ExitStatus of(int exitValue, String toldSignal) {
        if (toldSignal != null) {
            return toldSignal.isEmpty() ? ExitStatus.ofCode(exitValue) : ExitStatus.ofSignal(toldSignal);
        }
        if (exitValue > 128) {
            return Posix.signalName(exitValue - 128).map(ExitStatus::ofSignal).orElse(ExitStatus.ofCode(exitValue));
        }
        return ExitStatus.ofCode(exitValue);
    }
}
