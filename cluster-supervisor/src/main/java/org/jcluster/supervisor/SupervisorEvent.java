package org.jcluster.supervisor;

import java.util.List;
import java.util.function.Consumer;

/**
 * The decisions a {@link Supervisor} makes, each typed by the listener it takes, as
 * {@link org.jcluster.api.ClusterEvent}s are: {@code supervisor.on(SupervisorEvent.CRASH_LOOP, loop -> ...)}.
 * Every event is delivered on the cluster's event thread, after the decision is taken, and is also
 * logged through {@link System.Logger} ({@code org.jcluster.supervisor}) at the level given here.
 *
 * @param <L> the listener type
 */
public final class SupervisorEvent<L> {
    /** A supervised worker exited without being asked to; its replacement is forked after the delay. WARNING. */
    public static final SupervisorEvent<Consumer<RespawnScheduled>> RESPAWN_SCHEDULED = new SupervisorEvent<>("respawn-scheduled");
    /** A replacement was forked for a worker that exited unasked. INFO. */
    public static final SupervisorEvent<Consumer<Respawned>> RESPAWNED = new SupervisorEvent<>("respawned");
    /** A worker stayed online for {@link SupervisorSettings#stableAfter()}: its slot's crashes are forgotten. INFO. */
    public static final SupervisorEvent<Consumer<BackoffReset>> BACKOFF_RESET = new SupervisorEvent<>("backoff-reset");
    /** A supervised worker exited and will not be replaced: it was asked to leave, or the breaker is open. INFO. */
    public static final SupervisorEvent<Consumer<Retired>> RETIRED = new SupervisorEvent<>("retired");
    /** Too many unexpected exits in the window: respawning has stopped. ERROR. */
    public static final SupervisorEvent<Consumer<CrashLoop>> CRASH_LOOP = new SupervisorEvent<>("crash-loop");
    /** A graceful shutdown began: every worker was asked to disconnect. INFO. */
    public static final SupervisorEvent<Consumer<ShutdownStarted>> SHUTDOWN_STARTED = new SupervisorEvent<>("shutdown-started");
    /** The shutdown is over: every worker has left or was killed at the deadline. INFO, or ERROR when not clean. */
    public static final SupervisorEvent<Consumer<ShutdownReport>> SHUTDOWN_DONE = new SupervisorEvent<>("shutdown-done");

    /** A rolling reload began ({@link Supervisor#reload()}, or SIGHUP). INFO. */
    public static final SupervisorEvent<Consumer<ReloadStarted>> RELOAD_STARTED = new SupervisorEvent<>("reload-started");
    /** One worker of a reload was replaced. INFO. */
    public static final SupervisorEvent<Consumer<ReloadStep>> RELOAD_STEP = new SupervisorEvent<>("reload-step");
    /** A reload replaced every worker it was to. INFO. */
    public static final SupervisorEvent<Consumer<ReloadReport>> RELOAD_DONE = new SupervisorEvent<>("reload-done");
    /**
     * A reload stopped: a replacement exited or missed readiness, and was killed; the workers not yet
     * replaced keep serving. The report names the step. ERROR. (Also when a shutdown cut the reload short:
     * outcome {@link ReloadReport.Outcome#STOPPED}, INFO.)
     */
    public static final SupervisorEvent<Consumer<ReloadReport>> RELOAD_ROLLED_BACK = new SupervisorEvent<>("reload-rolled-back");
    /** A worker missed a ping's deadline. WARNING. */
    public static final SupervisorEvent<Consumer<Unresponsive>> UNRESPONSIVE = new SupervisorEvent<>("unresponsive");
    /** A worker that passed a recycling limit was replaced. INFO. */
    public static final SupervisorEvent<Consumer<Recycled>> RECYCLED = new SupervisorEvent<>("recycled");
    /** A replaced worker (reload, recycle) is about to be disconnected; what listeners send it gets there first. DEBUG. */
    public static final SupervisorEvent<Consumer<Leaving>> LEAVING = new SupervisorEvent<>("leaving");

    static final List<SupervisorEvent<?>> ALL = List.of(RESPAWN_SCHEDULED, RESPAWNED, BACKOFF_RESET, RETIRED, CRASH_LOOP,
            SHUTDOWN_STARTED, SHUTDOWN_DONE, RELOAD_STARTED, RELOAD_STEP, RELOAD_DONE, RELOAD_ROLLED_BACK, UNRESPONSIVE,
            RECYCLED, LEAVING);

    private final String name;

    private SupervisorEvent(String name) {
        this.name = name;
    }

    /** The event's name, as logged. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "SupervisorEvent." + name;
    }
}
