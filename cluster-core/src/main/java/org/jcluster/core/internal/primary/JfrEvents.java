package org.jcluster.core.internal.primary;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

import org.jcluster.api.ExitStatus;
import org.jcluster.api.ListenAddress;
import org.jcluster.core.internal.servers.Addresses;

/**
 * The primary's JDK Flight Recorder events (docs/observability.md). Not API: a recording names them by
 * their {@code @Name}, never by class.
 */
final class JfrEvents {
    private JfrEvents() {
    }

    @Name("jcluster.WorkerFork")
    @Label("Worker Fork")
    @Category({"jcluster", "Workers"})
    @Description("The primary started a worker JVM; the duration is the process start (fork and exec)")
    static final class WorkerFork extends Event {
        @Label("Worker Id")
        int workerId;
        @Label("Process Id")
        long pid;

        void record(int workerId, long pid) {
            end();
            if (shouldCommit()) {
                this.workerId = workerId;
                this.pid = pid;
                commit();
            }
        }
    }

    @Name("jcluster.WorkerOnline")
    @Label("Worker Online")
    @Category({"jcluster", "Workers"})
    @Description("A worker JVM connected to the primary and proved who it is")
    static final class WorkerOnline extends Event {
        @Label("Worker Id")
        int workerId;
        @Label("Process Id")
        long pid;
        @Label("Start-up")
        @Description("From the fork to online")
        @Timespan
        long startup;

        static void record(int workerId, long pid, long forkedAtNanos) {
            WorkerOnline e = new WorkerOnline();
            if (e.shouldCommit()) {
                e.workerId = workerId;
                e.pid = pid;
                e.startup = System.nanoTime() - forkedAtNanos;
                e.commit();
            }
        }
    }

    @Name("jcluster.WorkerExit")
    @Label("Worker Exit")
    @Category({"jcluster", "Workers"})
    @Description("A worker JVM ended")
    static final class WorkerExit extends Event {
        @Label("Worker Id")
        int workerId;
        @Label("Process Id")
        long pid;
        @Label("Exit Code")
        @Description("-1 when a signal ended it")
        int exitCode;
        @Label("Signal")
        @Description("The signal that ended it (SIGKILL, SIGTERM, ...); none when it exited with a code")
        String signal;
        @Label("Killed With")
        @Description("The signal this program's kill() sent it, if it sent one")
        String killedWith;
        @Label("Exited After Disconnect")
        @Description("It was disconnected on purpose (Node's exitedAfterDisconnect)")
        boolean exitedAfterDisconnect;
        @Label("Uptime")
        @Description("From the fork to the exit")
        @Timespan
        long uptime;

        static void record(PrimaryWorker worker, ExitStatus status, long forkedAtNanos) {
            WorkerExit e = new WorkerExit();
            if (e.shouldCommit()) {
                e.workerId = worker.id();
                e.pid = worker.pid();
                e.exitCode = status.exitCode().orElse(-1);
                e.signal = status.signal().orElse(null);
                e.killedWith = worker.killedWith().orElse(null);
                e.exitedAfterDisconnect = worker.exitedAfterDisconnect().orElse(false);
                e.uptime = System.nanoTime() - forkedAtNanos;
                e.commit();
            }
        }
    }

    /**
     * Under a policy whose primary accepts (rr): the time from the accept to the worker's acknowledgement,
     * refusals and hand-offs to other workers included. On the hot path, so only recorded above a threshold.
     */
    @Name("jcluster.HandOff")
    @Label("Connection Hand-off")
    @Category({"jcluster", "Servers"})
    @Description("A connection the primary accepted, from the accept until a worker acknowledged it; recorded"
            + " when it took longer than the threshold")
    @Threshold("20 ms")
    static final class HandOff extends Event {
        /** isEnabled() reads only the event class's state: asking this one costs no allocation per connection. */
        private static final HandOff PROBE = new HandOff();

        @Label("Worker Id")
        @Description("The worker that took the connection")
        int workerId;
        @Label("Connection Id")
        long connectionId;
        @Label("Server")
        @Description("The shared server's address")
        String server;

        /** Begun now (at the accept), or null when no recording wants the event: then the only cost is this check. */
        static HandOff beginIfEnabled() {
            if (!PROBE.isEnabled()) {
                return null;
            }
            HandOff e = new HandOff();
            e.begin();
            return e;
        }

        void acknowledged(int workerId, long connectionId, ListenAddress server) {
            end();
            if (shouldCommit()) {
                this.workerId = workerId;
                this.connectionId = connectionId;
                this.server = Addresses.describe(server);
                commit();
            }
        }
    }
}
