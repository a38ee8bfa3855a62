package org.jcluster.supervisor;

import java.util.stream.Collectors;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * The supervisor's decisions as JDK Flight Recorder events (docs/observability.md): recorded from the
 * one place every {@link SupervisorEvent} passes, on the event thread. Not API: a recording names them
 * by their {@code @Name}.
 */
final class JfrEvents {
    private JfrEvents() {
    }

    /** Records {@code payload}, a supervisor event's, when a recording wants its kind; others have no JFR event. */
    static void record(Object payload) {
        if (payload instanceof RespawnScheduled p) {
            RespawnScheduledEvent e = new RespawnScheduledEvent();
            if (e.shouldCommit()) {
                e.workerId = p.worker().id();
                e.pid = p.worker().pid();
                e.exitCode = p.status().exitCode().orElse(-1);
                e.signal = p.status().signal().orElse(null);
                e.attempt = p.attempt();
                e.delay = p.delay().toNanos();
                e.commit();
            }
        } else if (payload instanceof CrashLoop p) {
            CrashLoopEvent e = new CrashLoopEvent();
            if (e.shouldCommit()) {
                e.exits = p.exits().size();
                e.limit = p.limit();
                e.window = p.window().toNanos();
                e.statuses = p.exits().stream().map(WorkerExit::toString).collect(Collectors.joining(", "));
                e.message = p.message();
                e.commit();
            }
        } else if (payload instanceof ShutdownStarted p) {
            ShutdownStartedEvent e = new ShutdownStartedEvent();
            if (e.shouldCommit()) {
                e.reason = p.reason().name();
                e.deadline = p.deadline().toNanos();
                e.workers = p.workers().size();
                e.commit();
            }
        } else if (payload instanceof ShutdownReport p) {
            ShutdownDoneEvent e = new ShutdownDoneEvent();
            if (e.shouldCommit()) {
                e.reason = p.reason().name();
                e.took = p.took().toNanos();
                e.leftInTime = p.leftInTime().size();
                e.killed = p.killed().size();
                e.exitStatus = p.exitStatus();
                e.message = p.message();
                e.commit();
            }
        } else if (payload instanceof ReloadStarted p) {
            ReloadStartedEvent e = new ReloadStartedEvent();
            if (e.shouldCommit()) {
                e.reload = p.number();
                e.workers = p.workers().size();
                e.commit();
            }
        } else if (payload instanceof ReloadStep p) {
            ReloadStepEvent e = new ReloadStepEvent();
            if (e.shouldCommit()) {
                e.reload = p.reload();
                e.replacedId = p.replaced().id();
                e.replacedPid = p.replaced().pid();
                e.replacementId = p.replacement().id();
                e.replacementPid = p.replacement().pid();
                e.readyAfter = p.readyAfter().toNanos();
                e.took = p.took().toNanos();
                e.commit();
            }
        } else if (payload instanceof ReloadReport p && p.done()) {
            ReloadDoneEvent e = new ReloadDoneEvent();
            if (e.shouldCommit()) {
                e.reload = p.number();
                e.steps = p.steps().size();
                e.took = p.took().toNanos();
                e.commit();
            }
        } else if (payload instanceof ReloadReport p) {
            ReloadRolledBackEvent e = new ReloadRolledBackEvent();
            if (e.shouldCommit()) {
                e.reload = p.number();
                e.outcome = p.outcome().name();
                e.steps = p.steps().size();
                e.took = p.took().toNanos();
                e.message = p.message();
                e.commit();
            }
        } else if (payload instanceof Unresponsive p) {
            UnresponsiveEvent e = new UnresponsiveEvent();
            if (e.shouldCommit()) {
                e.workerId = p.worker().id();
                e.pid = p.worker().pid();
                e.timeout = p.timeout().toNanos();
                e.replacing = p.replacing();
                e.commit();
            }
        } else if (payload instanceof Recycled p) {
            RecycledEvent e = new RecycledEvent();
            if (e.shouldCommit()) {
                e.replacedId = p.replaced().id();
                e.replacedPid = p.replaced().pid();
                e.replacementId = p.replacement().id();
                e.replacementPid = p.replacement().pid();
                e.reason = p.reason().name();
                e.value = p.value();
                e.limit = p.limit();
                e.commit();
            }
        }
    }

    @Name("jcluster.RespawnScheduled")
    @Label("Respawn Scheduled")
    @Category({"jcluster", "Supervisor"})
    @Description("A supervised worker exited without being asked to; its replacement is forked after the delay")
    static final class RespawnScheduledEvent extends Event {
        @Label("Worker Id")
        int workerId;
        @Label("Process Id")
        long pid;
        @Label("Exit Code")
        @Description("-1 when a signal ended it")
        int exitCode;
        @Label("Signal")
        @Description("The signal that ended it; none when it exited with a code")
        String signal;
        @Label("Attempt")
        @Description("Consecutive unexpected exits of its slot, this one included")
        int attempt;
        @Label("Delay")
        @Timespan
        long delay;
    }

    @Name("jcluster.CrashLoop")
    @Label("Crash Loop")
    @Category({"jcluster", "Supervisor"})
    @Description("Too many unexpected exits within the window: respawning stopped")
    static final class CrashLoopEvent extends Event {
        @Label("Exits")
        int exits;
        @Label("Limit")
        int limit;
        @Label("Window")
        @Timespan
        long window;
        @Label("Exit Statuses")
        @Description("Each exit in the window, oldest first: worker, pid, code or signal")
        String statuses;
        @Label("Message")
        String message;
    }

    @Name("jcluster.ShutdownStarted")
    @Label("Shutdown Started")
    @Category({"jcluster", "Supervisor"})
    @Description("A graceful shutdown began: every supervised worker was asked to disconnect")
    static final class ShutdownStartedEvent extends Event {
        @Label("Reason")
        @Description("CALL, SIGTERM, SIGINT, SIGHUP, CRASH_LOOP or FORK_FAILED")
        String reason;
        @Label("Deadline")
        @Timespan
        long deadline;
        @Label("Workers")
        @Description("Workers asked to disconnect")
        int workers;
    }

    @Name("jcluster.ShutdownDone")
    @Label("Shutdown Done")
    @Category({"jcluster", "Supervisor"})
    @Description("Every worker left, or was killed at the deadline")
    static final class ShutdownDoneEvent extends Event {
        @Label("Reason")
        String reason;
        @Label("Took")
        @Timespan
        long took;
        @Label("Left In Time")
        int leftInTime;
        @Label("Killed")
        @Description("Workers still running at the deadline, sent SIGKILL")
        int killed;
        @Label("Exit Status")
        @Description("The primary's exit status: 0 when clean")
        int exitStatus;
        @Label("Message")
        String message;
    }

    @Name("jcluster.ReloadStarted")
    @Label("Reload Started")
    @Category({"jcluster", "Supervisor"})
    @Description("A rolling reload began")
    static final class ReloadStartedEvent extends Event {
        @Label("Reload")
        @Description("This supervisor's reloads count from 1")
        int reload;
        @Label("Workers")
        @Description("Workers it is to replace")
        int workers;
    }

    @Name("jcluster.ReloadStep")
    @Label("Reload Step")
    @Category({"jcluster", "Supervisor"})
    @Description("One worker of a reload replaced: its replacement was ready, then it left")
    static final class ReloadStepEvent extends Event {
        @Label("Reload")
        int reload;
        @Label("Replaced Worker Id")
        int replacedId;
        @Label("Replaced Process Id")
        long replacedPid;
        @Label("Replacement Worker Id")
        int replacementId;
        @Label("Replacement Process Id")
        long replacementPid;
        @Label("Ready After")
        @Description("From the replacement's fork until it was ready")
        @Timespan
        long readyAfter;
        @Label("Took")
        @Description("The whole step, until the replaced worker was gone")
        @Timespan
        long took;
    }

    @Name("jcluster.ReloadDone")
    @Label("Reload Done")
    @Category({"jcluster", "Supervisor"})
    @Description("A reload replaced every worker it was to")
    static final class ReloadDoneEvent extends Event {
        @Label("Reload")
        int reload;
        @Label("Steps")
        int steps;
        @Label("Took")
        @Timespan
        long took;
    }

    @Name("jcluster.ReloadRolledBack")
    @Label("Reload Rolled Back")
    @Category({"jcluster", "Supervisor"})
    @Description("A reload stopped: a replacement exited or missed readiness (ROLLED_BACK), or a shutdown cut"
            + " it short (STOPPED)")
    static final class ReloadRolledBackEvent extends Event {
        @Label("Reload")
        int reload;
        @Label("Outcome")
        String outcome;
        @Label("Steps")
        @Description("Workers replaced before it stopped")
        int steps;
        @Label("Took")
        @Timespan
        long took;
        @Label("Message")
        String message;
    }

    @Name("jcluster.Unresponsive")
    @Label("Worker Unresponsive")
    @Category({"jcluster", "Supervisor"})
    @Description("A worker did not answer a ping in time: its event thread is blocked or too busy")
    static final class UnresponsiveEvent extends Event {
        @Label("Worker Id")
        int workerId;
        @Label("Process Id")
        long pid;
        @Label("Timeout")
        @Timespan
        long timeout;
        @Label("Replacing")
        @Description("The supervisor replaces it (then SIGQUIT for its thread dump, then SIGKILL)")
        boolean replacing;
    }

    @Name("jcluster.Recycled")
    @Label("Worker Recycled")
    @Category({"jcluster", "Supervisor"})
    @Description("A worker past a recycling limit was replaced")
    static final class RecycledEvent extends Event {
        @Label("Replaced Worker Id")
        int replacedId;
        @Label("Replaced Process Id")
        long replacedPid;
        @Label("Replacement Worker Id")
        int replacementId;
        @Label("Replacement Process Id")
        long replacementPid;
        @Label("Reason")
        @Description("CONNECTIONS, RESIDENT_MEMORY or HEAP")
        String reason;
        @Label("Value")
        @Description("What the worker reached: connections, or bytes")
        long value;
        @Label("Limit")
        @Description("The limit it passed: connections (with its jitter), or bytes")
        long limit;
    }
}
