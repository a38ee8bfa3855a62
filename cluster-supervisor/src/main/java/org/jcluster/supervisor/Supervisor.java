package org.jcluster.supervisor;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.ExitStatus;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerHealth;
import org.jcluster.api.WorkerState;
import sun.misc.Signal;

/**
 * Keeps a jcluster service up, as PM2 keeps a Node cluster up: it forks
 * {@link SupervisorSettings#workers()} workers and replaces each that exits without being asked to,
 * after an exponential backoff; it stops respawning when workers crash in a loop; it replaces every
 * worker, readiness-gated and one batch at a time, on {@link #reload()} or SIGHUP, rolling back when a
 * replacement cannot start; it replaces workers whose event thread hangs (after a thread dump) and
 * recycles those past a connection or memory limit; and it shuts the service down gracefully on
 * {@link #shutdown(Duration)} or on SIGTERM / SIGINT to the primary, ending the primary JVM with 0
 * only when every worker left in time.
 *
 * <pre>{@code
 * Cluster cluster = Cluster.get();
 * if (cluster.isPrimary()) {
 *     Supervisor.start(cluster);        // settings from -Djcluster.supervisor.* / JCLUSTER_SUPERVISOR_*
 * } else {
 *     cluster.listen(ServerOptions.tcp(8080), connection -> serve(connection));
 * }
 * }</pre>
 *
 * <h2>What is respawned</h2>
 * A supervised worker that exits is replaced unless it was asked to leave:
 * <ul>
 * <li>it was disconnected ({@code worker.disconnect()}, {@code cluster.disconnect()}, or the worker's own
 *     {@code disconnect()}): {@link Worker#exitedAfterDisconnect()} is true;</li>
 * <li>it ended on SIGTERM, SIGINT, SIGHUP or SIGPIPE: {@code worker.kill()} (SIGTERM), an operator's
 *     {@code kill}, systemd stopping the whole control group;</li>
 * <li>this program killed it with another signal ({@code worker.kill("SIGKILL")}):
 *     {@link Worker#killedWith()} names it.</li>
 * </ul>
 * A crash, an {@code OutOfMemoryError} exit, {@code System.exit} with any code, and a SIGKILL from
 * elsewhere (the kernel's OOM killer, {@code kill -9}) are respawned. A worker that is not replaced
 * leaves the supervisor one worker short ({@link SupervisorEvent#RETIRED}).
 *
 * <p>The delay before a respawn is {@link SupervisorSettings#restartDelayAfter(int)} of the slot's
 * consecutive crashes: each worker position (slot) has its own count, forgotten once a worker of the slot
 * stays online {@link SupervisorSettings#stableAfter()}. Across all slots, {@link
 * SupervisorSettings#crashLoopExits()} unexpected exits within {@link SupervisorSettings#crashLoopWindow()}
 * open the crash-loop breaker: no more respawns, {@link SupervisorEvent#CRASH_LOOP}, and by default a
 * graceful shutdown after which the primary exits with status 1 and a message naming the exit statuses
 * and the settings to change.
 *
 * <h2>Graceful shutdown</h2>
 * From then on nothing is respawned; every worker is disconnected (it stops taking connections and
 * finishes those it holds, then its channel closes; it should then end, as a Node worker does when
 * nothing else holds it); at the deadline the workers still running get SIGKILL. The primary then
 * exits with {@link ShutdownReport#exitStatus()}: 0 when every worker left in time, 1 otherwise, and
 * prints {@link ShutdownReport#message()} as its last line. With {@link SupervisorSettings#handleSignals()}
 * a JVM shutdown hook turns SIGTERM and SIGINT (and SIGHUP, unless it reloads) into such a shutdown and
 * ends the JVM with its status: the hook waits, then halts. A {@code System.exit} or the end of the
 * program is left alone: the program chose its status, and the workers follow their primary.
 *
 * <h2>Reload, hangs, recycling</h2>
 * All three replace a running worker the same way: a replacement is forked and must be ready (listening
 * wherever the old one listened, or {@code cluster.signalReady()} with {@link
 * SupervisorSettings#readySignal()}) within {@link SupervisorSettings#readyTimeout()}; then the old one
 * drains (disconnect, then SIGTERM and SIGKILL after {@link SupervisorSettings#drainTimeout()}), or, if
 * it hung, gets SIGQUIT for its thread dump and SIGKILL. Reloads and recycles run one at a time; a hung
 * worker is replaced at once. docs/supervisor.md has the whole story.
 *
 * <h2>Threads</h2>
 * All of the supervisor's state lives on the cluster's event thread (its decisions are taken in cluster
 * event listeners, its timers are {@link Cluster#schedule} tasks), so it takes no lock and starts no
 * thread of its own, except the one that calls {@code System.exit} once a shutdown is done (exiting from
 * the event thread would keep other shutdown hooks from the events they may wait for). Its events are
 * delivered on the event thread. Every public method may be called from any thread.
 *
 * <p>The supervisor manages the workers it forks itself; workers the program forks with
 * {@link Cluster#fork()} are left alone (but for their output, forwarded with every other worker's under
 * {@link SupervisorSettings#prefixOutput()}). It uses the cluster's settings as they are when it forks:
 * call {@link Cluster#setupPrimary} before {@link #start()}. With {@code prefixOutput} it sets
 * {@code silent(true)} itself; output forwarding then has two threads per worker ({@link WorkerOutput}).
 */
public final class Supervisor {
    private static final System.Logger LOG = System.getLogger("org.jcluster.supervisor");
    /** After the SIGKILLs at the deadline: how long to wait for those workers' exits before reporting anyway. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    /** Signals that ask a process to stop: systemd's Restart=on-failure counts these four as a clean exit. */
    private static final Set<String> STOP_SIGNALS = Set.of("SIGTERM", "SIGINT", "SIGHUP", "SIGPIPE");
    /** After SIGQUIT: how long an unresponsive worker's JVM gets to print its thread dump before SIGKILL. */
    private static final Duration THREAD_DUMP_WAIT = Duration.ofSeconds(2);
    /** The JDK runs the shutdown hooks of a signal from a thread named after it: "SIGTERM handler". */
    private static final Pattern SIGNAL_THREAD = Pattern.compile("^(SIG[A-Z0-9]+) handler$");

    private final Cluster cluster;
    private final SupervisorSettings settings;
    private final Map<SupervisorEvent<?>, CopyOnWriteArrayList<Entry>> listeners = new HashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CompletableFuture<ShutdownReport> done = new CompletableFuture<>();
    /** Set by the shutdown hook when a signal ends the JVM: the hook, not {@link #afterShutdown}, ends it then. */
    private volatile boolean signalEndsJvm;
    private volatile Thread hook;

    // ---- event thread only ----
    private Phase phase = Phase.NEW;
    private final List<Slot> slots = new ArrayList<>();
    private final Map<Integer, Slot> slotOfWorker = new HashMap<>();
    /** Unexpected exits within the breaker's window, oldest first. */
    private final ArrayDeque<Crash> recentCrashes = new ArrayDeque<>();
    private final List<Registration> clusterListeners = new ArrayList<>();
    /**
     * With {@link SupervisorSettings#prefixOutput()}, each worker's forwarded output, until it ended: the
     * primary's last line waits (a little) for them. Written on the event thread, read by the exit threads.
     */
    private final Map<Integer, CompletableFuture<Void>> forwardedOutput = new ConcurrentHashMap<>();
    /** How long the primary's last line waits for the workers' forwarded output to end. */
    private static final Duration OUTPUT_DRAIN_WAIT = Duration.ofSeconds(2);
    private CrashLoop crashLoop;
    private RuntimeException forkFailure;
    private Stopping stopping;
    /** Where each live worker listens (ClusterEvent.LISTENING): what its replacement must listen on. */
    private final Map<Integer, Set<ListenAddress>> listening = new HashMap<>();
    /** Workers that called signalReady(). */
    private final Set<Integer> signalledReady = new HashSet<>();
    /** Replaced workers on their way out (draining, or dumping their threads), by id. */
    private final Map<Integer, Replacement> leaving = new HashMap<>();
    /** Reloads and recycles wait here and run one at a time, in order. */
    private final ArrayDeque<Job> jobs = new ArrayDeque<>();
    private Job currentJob;
    private int reloads;
    private Registration pingTimer;
    private final Set<Integer> pinging = new HashSet<>();

    /** The supervisor's life: NEW -> RUNNING (-> BREAKER_OPEN) -> STOPPING -> DONE. */
    private enum Phase { NEW, RUNNING, BREAKER_OPEN, STOPPING, DONE }

    /** Where one slot's worker is; a slot being replaced has a {@link Replacement} beside its state. */
    private enum SlotState { EMPTY, STARTING, ONLINE, BACKOFF, RETIRED, STOPPED }

    /**
     * One position of the desired count, and its state machine: EMPTY -fork-> STARTING -online-> ONLINE;
     * an unasked exit -> BACKOFF -timer-> STARTING; an asked one -> RETIRED; a shutdown -> STOPPED.
     */
    private static final class Slot {
        final int index;
        SlotState state = SlotState.EMPTY;
        Worker worker;
        /** Consecutive unexpected exits since a worker of this slot was stable. */
        int crashes;
        /** BACKOFF: the respawn; ONLINE: the stability check. */
        Registration timer;
        long onlineAtNanos;
        /** The replacement of this slot's worker under way, if any. */
        Replacement replacement;
        /** The slot's worker is being killed after a failed replacement: respawn it when it exits. */
        boolean respawnOnExit;
        /** A recycle of this slot's worker is queued or running. */
        boolean recycleQueued;
        /** A worker whose recycle failed: not tried again (its replacement could not start). */
        Worker recycleRefused;
        /** The connection limit of {@link #worker}, jitter included; 0: none. */
        long connectionLimit;
        /** The worker last reported unresponsive, until it answers a ping again. */
        Worker unresponsive;
        /** Workers that took this slot after its first: respawned, reloaded or recycled (PM2's restarts). */
        int restarts;
        boolean everStarted;

        Slot(int index) {
            this.index = index;
        }

        void cancelTimer() {
            if (timer != null) {
                timer.remove();
                timer = null;
            }
        }
    }

    private record Crash(WorkerExit exit, long atNanos) {
    }

    /** Why a running worker is being replaced. */
    private enum Cause { RELOAD, RECYCLE, UNRESPONSIVE }

    /**
     * One running worker replaced through the reload path. With surge: fork the replacement, wait until
     * it is ready, then let the old worker leave (disconnect, drain, SIGTERM, SIGKILL; an unresponsive one
     * gets SIGQUIT, then SIGKILL). Without: let the old worker leave first, then fork and wait. Ends
     * exactly once: the replacement ready and the old worker gone, or a failure (see {@link #fail}).
     */
    private static final class Replacement {
        final Slot slot;
        final Worker old;
        Cause cause;
        final boolean surge;
        /** Where the old worker listened when this began: the replacement is ready once it listens on all. */
        final Set<ListenAddress> mustListen;
        final Consumer<Replacement> whenEnded;
        final long startNanos = System.nanoTime();
        Worker candidate;
        long forkNanos;
        /** Set once the candidate is ready. */
        Duration readyAfter;
        Duration took;
        boolean oldGone;
        boolean ended;
        /** Failed while its old worker was still leaving: that worker's exit respawns the slot. */
        boolean respawnWhenOldLeaves;
        /** Why it failed, naming both workers; null while it has not. */
        String failure;
        Registration readyTimer;
        Registration killTimer;

        Replacement(Slot slot, Cause cause, boolean surge, Set<ListenAddress> mustListen,
                Consumer<Replacement> whenEnded) {
            this.slot = slot;
            this.old = slot.worker;
            this.cause = cause;
            this.surge = surge;
            this.mustListen = mustListen;
            this.whenEnded = whenEnded;
        }
    }

    /** A reload or a recycle: what waits its turn in {@link #jobs}. */
    private interface Job {
    }

    private static final class ReloadJob implements Job {
        final List<CompletableFuture<ReloadReport>> waiters = new ArrayList<>();
        final ArrayDeque<Slot> todo = new ArrayDeque<>();
        final List<ReloadStep> steps = new ArrayList<>();
        final List<Replacement> inFlight = new ArrayList<>();
        int number;
        int total;
        long startNanos;
        /** True while a batch is being started: a replacement that fails at once must not start the next. */
        boolean batching;
        boolean finished;
        String failure;
    }

    private record RecycleJob(Slot slot, Worker worker, Recycled.Reason reason, long value, long limit) implements Job {
    }

    /** A graceful shutdown in progress. */
    private static final class Stopping {
        final ShutdownReason reason;
        final Duration deadline;
        final long startNanos = System.nanoTime();
        final Set<Worker> remaining;
        final List<WorkerExit> left = new ArrayList<>();
        final List<Worker> killed = new ArrayList<>();
        Registration timer;

        Stopping(ShutdownReason reason, Duration deadline, List<Worker> running) {
            this.reason = reason;
            this.deadline = deadline;
            this.remaining = new LinkedHashSet<>(running);
        }
    }

    /** A listener; identity matters (the same lambda may be registered twice). */
    private static final class Entry {
        final Object listener;
        final boolean once;

        Entry(Object listener, boolean once) {
            this.listener = listener;
            this.once = once;
        }
    }

    private Supervisor(Cluster cluster, SupervisorSettings settings) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.settings = Objects.requireNonNull(settings, "settings");
        for (SupervisorEvent<?> event : SupervisorEvent.ALL) {
            listeners.put(event, new CopyOnWriteArrayList<>());
        }
    }

    /** A supervisor of {@code cluster} with {@link SupervisorSettings#fromEnvironment()}; {@link #start()} starts it. */
    public static Supervisor create(Cluster cluster) {
        return create(cluster, SupervisorSettings.fromEnvironment());
    }

    /** A supervisor of {@code cluster} with {@code settings}; add listeners, then {@link #start()} it. */
    public static Supervisor create(Cluster cluster, SupervisorSettings settings) {
        return new Supervisor(cluster, settings);
    }

    /** {@code create(cluster).start()}: settings from the system properties and the environment. */
    public static Supervisor start(Cluster cluster) {
        return create(cluster).start();
    }

    /** {@code create(cluster, settings).start()}. */
    public static Supervisor start(Cluster cluster, SupervisorSettings settings) {
        return create(cluster, settings).start();
    }

    /**
     * Forks the workers (asynchronously, on the event thread) and supervises them; with
     * {@link SupervisorSettings#handleSignals()}, installs the shutdown hook. Returns this supervisor.
     *
     * @throws IllegalStateException in a worker JVM, or when already started
     */
    public Supervisor start() {
        if (!cluster.isPrimary()) {
            throw new IllegalStateException("A supervisor runs in the primary, and this JVM is a worker: start it"
                    + " inside if (cluster.isPrimary()) { ... }");
        }
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("This supervisor was already started");
        }
        if (settings.prefixOutput()) {
            // The listener first, and for the cluster's life (not removed at shutdown): once output is piped,
            // a fork nobody forwards (the program's own, or one after the shutdown) would block on a full pipe.
            cluster.on(ClusterEvent.FORK, this::forwardOutput);
            cluster.setupPrimary(ClusterSettings.builder().silent(true).build());
        }
        if (settings.handleSignals()) {
            Thread t = new Thread(this::onJvmShutdown, "jcluster-supervisor-shutdown");
            try {
                Runtime.getRuntime().addShutdownHook(t);
                hook = t;
            } catch (IllegalStateException jvmAlreadyEnding) {
                // Nothing to supervise for long: start() still forks, and the workers follow the primary.
            }
        }
        if (settings.handleSignals() && settings.reloadOnSignal()) {
            reloadOnSighup();
        }
        cluster.schedule(Duration.ZERO, this::begin);
        return this;
    }

    /**
     * SIGHUP starts a reload. The JVM would otherwise take SIGHUP for a shutdown; a handler of our own
     * needs {@code sun.misc.Signal}, the JDK's supported way to handle a signal (module jdk.unsupported,
     * in every JDK image).
     */
    private void reloadOnSighup() {
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                LOG.log(Level.INFO, "jcluster supervisor: SIGHUP: reloading");
                reload();
            });
        } catch (IllegalArgumentException ignoredOrReserved) {
            // nohup (SIGHUP ignored) or -Xrs: the JVM leaves SIGHUP alone, and so do we.
            LOG.log(Level.WARNING, "jcluster supervisor: SIGHUP cannot be handled here (" + ignoredOrReserved.getMessage()
                    + "), so it will not reload; call reload() instead");
        }
    }

    /** Starts a graceful shutdown with {@link SupervisorSettings#shutdownTimeout()} as its deadline. */
    public CompletableFuture<ShutdownReport> shutdown() {
        return shutdown(settings.shutdownTimeout());
    }

    /**
     * Starts a graceful shutdown: no more respawns, every worker disconnected, SIGKILL for those still
     * running after {@code deadline}. Then, with {@link SupervisorSettings#exitAfterShutdown()}, the
     * primary JVM exits with the report's status. Only the first shutdown counts: a later call (or
     * signal) returns the same report, deadline included.
     *
     * @return completes on the event thread with the report, once every worker is gone or was killed
     */
    public CompletableFuture<ShutdownReport> shutdown(Duration deadline) {
        if (Objects.requireNonNull(deadline, "deadline").isNegative()) {
            throw new IllegalArgumentException("a shutdown deadline cannot be negative: " + deadline);
        }
        return requestShutdown(ShutdownReason.CALL, deadline);
    }

    /**
     * Replaces every running worker, a batch at a time ({@link SupervisorSettings#reloadBatch()}): a
     * replacement is forked (with the cluster's settings as they are now, so new code on disk is picked up)
     * and, once it is ready (it listens wherever the worker it replaces listened, or, with
     * {@link SupervisorSettings#readySignal()}, it called {@code cluster.signalReady()}), the old worker
     * is disconnected: it stops taking connections, finishes those it holds, and gets SIGTERM, then
     * SIGKILL, if it is still there after {@link SupervisorSettings#drainTimeout()}. If a replacement
     * exits or is not ready within {@link SupervisorSettings#readyTimeout()}, it is killed and the reload
     * stops there: the workers not yet replaced keep serving. A reload asked while another runs waits
     * for it (requests made meanwhile share the one queued reload). Also on SIGHUP, with
     * {@link SupervisorSettings#reloadOnSignal()}.
     *
     * @return completes on the event thread with the report, whatever the outcome (never exceptionally)
     */
    public CompletableFuture<ReloadReport> reload() {
        CompletableFuture<ReloadReport> report = new CompletableFuture<>();
        cluster.schedule(Duration.ZERO, () -> requestReload(report));
        return report;
    }

    /**
     * A snapshot of every supervised position, in order, taken on the event thread: what
     * {@code bin/jcluster status} shows.
     */
    public CompletableFuture<List<SupervisedWorker>> workers() {
        CompletableFuture<List<SupervisedWorker>> snapshot = new CompletableFuture<>();
        cluster.schedule(Duration.ZERO, () -> snapshot.complete(slots.stream()
                .map(s -> new SupervisedWorker(s.index, Optional.ofNullable(s.worker), s.state.name().toLowerCase(Locale.ROOT),
                        s.restarts))
                .toList()));
        return snapshot;
    }

    /** Completes with the report of the shutdown, whatever started it. */
    public CompletableFuture<ShutdownReport> whenDone() {
        return done.copy();
    }

    /** The settings this supervisor runs with. */
    public SupervisorSettings settings() {
        return settings;
    }

    /** The cluster it supervises. */
    public Cluster cluster() {
        return cluster;
    }

    /** Adds a listener for {@code event}; the returned registration removes it. Safe from any thread. */
    public <L> Registration on(SupervisorEvent<L> event, L listener) {
        return add(event, listener, false);
    }

    /** Adds a listener that is removed after its first call. */
    public <L> Registration once(SupervisorEvent<L> event, L listener) {
        return add(event, listener, true);
    }

    private <L> Registration add(SupervisorEvent<L> event, L listener, boolean once) {
        Objects.requireNonNull(listener, "listener");
        CopyOnWriteArrayList<Entry> list = listeners.get(Objects.requireNonNull(event, "event"));
        Entry entry = new Entry(listener, once);
        list.add(entry);
        return () -> list.remove(entry);
    }

    // ---- event thread ----

    private void begin() {
        if (phase != Phase.NEW) {
            return; // shut down before it began
        }
        phase = Phase.RUNNING;
        clusterListeners.add(cluster.on(ClusterEvent.ONLINE, this::onOnline));
        clusterListeners.add(cluster.on(ClusterEvent.LISTENING, this::onListening));
        clusterListeners.add(cluster.on(ClusterEvent.READY, this::onReady));
        clusterListeners.add(cluster.on(ClusterEvent.EXIT, this::onExit));
        armPings();
        LOG.log(Level.INFO, () -> "jcluster supervisor: keeping " + settings.workers()
                + (settings.workers() == 1 ? " worker" : " workers") + "; respawn after "
                + SupervisorSettings.format(settings.restartDelay()) + " x" + settings.restartDelayFactor() + " up to "
                + SupervisorSettings.format(settings.restartDelayMax()) + ", forgotten after "
                + SupervisorSettings.format(settings.stableAfter()) + " up; "
                + (settings.crashLoopExits() == 0 ? "no crash-loop breaker" : "crash loop at " + settings.crashLoopExits()
                        + " unexpected exits within " + SupervisorSettings.format(settings.crashLoopWindow()))
                + "; shutdown deadline " + SupervisorSettings.format(settings.shutdownTimeout())
                + (settings.pingInterval().isZero() ? "; no pings" : "; pinged every "
                        + SupervisorSettings.format(settings.pingInterval()) + ", unresponsive after "
                        + SupervisorSettings.format(settings.pingTimeout()))
                + (hook == null ? "" : settings.reloadOnSignal() ? "; SIGTERM and SIGINT shut down gracefully, SIGHUP"
                        + " reloads" : "; SIGTERM, SIGINT and SIGHUP shut down gracefully"));
        for (int i = 0; i < settings.workers() && phase == Phase.RUNNING; i++) {
            Slot slot = new Slot(i);
            slots.add(slot);
            spawn(slot);
        }
    }

    private static void countStart(Slot slot) {
        if (slot.everStarted) {
            slot.restarts++;
        }
        slot.everStarted = true;
    }

    /** Forks the slot's worker; null when the fork failed (which stops the respawning). */
    private Worker spawn(Slot slot) {
        Worker worker;
        try {
            worker = cluster.fork();
        } catch (RuntimeException e) {
            slot.state = SlotState.STOPPED;
            forkFailed(e);
            return null;
        }
        slot.worker = worker;
        slot.state = SlotState.STARTING;
        countStart(slot);
        slot.respawnOnExit = false;
        slot.connectionLimit = connectionLimit();
        slotOfWorker.put(worker.id(), slot);
        armPings();
        return worker;
    }

    private void forkFailed(RuntimeException e) {
        forkFailure = e;
        boolean shutdown = settings.crashLoopShutdown();
        LOG.log(Level.ERROR, "jcluster supervisor: could not fork a worker (" + e.getMessage() + "): respawning stopped"
                + (shutdown ? "; shutting down" : ""), e);
        if (shutdown) {
            beginShutdown(ShutdownReason.FORK_FAILED, settings.shutdownTimeout());
        } else {
            openBreaker();
        }
    }

    private void onOnline(Worker worker) {
        Slot slot = slotOfWorker.get(worker.id());
        if (slot != null && slot.replacement != null && slot.replacement.candidate == worker) {
            checkReady(slot.replacement);
            return;
        }
        if (slot == null || slot.worker != worker || slot.state != SlotState.STARTING) {
            return;
        }
        slot.state = SlotState.ONLINE;
        slot.onlineAtNanos = System.nanoTime();
        if (slot.crashes > 0 && phase == Phase.RUNNING) {
            slot.timer = cluster.schedule(settings.stableAfter(), () -> stable(slot, worker));
        }
    }

    private void stable(Slot slot, Worker worker) {
        if (slot.worker != worker || slot.state != SlotState.ONLINE) {
            return;
        }
        slot.timer = null;
        int forgotten = slot.crashes;
        slot.crashes = 0;
        Duration uptime = Duration.ofMillis((System.nanoTime() - slot.onlineAtNanos) / 1_000_000);
        LOG.log(Level.INFO, () -> "jcluster supervisor: worker " + worker.id() + " has been up "
                + SupervisorSettings.format(uptime) + ": its slot's " + forgotten + " crash(es) are forgotten, a next"
                + " respawn waits " + SupervisorSettings.format(settings.restartDelay()));
        emit(SupervisorEvent.BACKOFF_RESET, new BackoffReset(worker, uptime, forgotten));
    }

    private void onExit(Worker worker, ExitStatus status) {
        listening.remove(worker.id());
        signalledReady.remove(worker.id());
        pinging.remove(worker.id());
        Replacement replaced = leaving.remove(worker.id());
        Slot slot = slotOfWorker.remove(worker.id());
        WorkerExit exit = new WorkerExit(worker, status, Instant.now());
        if (phase == Phase.STOPPING) {
            if (slot != null && slot.worker == worker) {
                slot.worker = null;
                slot.state = SlotState.STOPPED;
            }
            workerLeft(exit);
            return;
        }
        if (replaced != null) {
            oldWorkerLeft(replaced, exit);
            return;
        }
        if (slot == null) {
            return; // not one of ours, or a replacement given up on
        }
        // A worker of a slot is, in turn: a candidate (forked, not yet ready), the slot's serving worker,
        // or leaving (handled above). A promoted candidate is the serving worker.
        Replacement r = slot.replacement;
        if (r != null && r.candidate == worker && r.readyAfter == null) {
            fail(r, "exited (" + status + ") before it was ready", exit);
            return;
        }
        if (slot.worker != worker) {
            return;
        }
        slot.cancelTimer();
        slot.worker = null;
        if (phase != Phase.RUNNING && phase != Phase.BREAKER_OPEN) {
            return;
        }
        if (r != null && r.old == worker) {
            // Its replacement, already under way, takes the slot once ready.
            r.oldGone = true;
            LOG.log(Level.WARNING, () -> "jcluster supervisor: " + exit + " exited while being replaced by worker "
                    + (r.candidate == null ? "(not forked yet)" : r.candidate.id()));
            return;
        }
        if (slot.respawnOnExit) {
            slot.respawnOnExit = false;
            if (phase == Phase.RUNNING) {
                crashed(slot, exit);
            } else {
                retire(slot, exit, Retired.Reason.CRASH_LOOP);
            }
            return;
        }
        if (worker.exitedAfterDisconnect().orElse(false)) {
            retire(slot, exit, Retired.Reason.DISCONNECTED);
        } else if (status.signal().filter(STOP_SIGNALS::contains).isPresent()) {
            retire(slot, exit, Retired.Reason.STOP_SIGNAL);
        } else if (worker.killedWith().isPresent()) {
            retire(slot, exit, Retired.Reason.KILLED);
        } else if (phase == Phase.BREAKER_OPEN) {
            retire(slot, exit, Retired.Reason.CRASH_LOOP);
        } else {
            crashed(slot, exit);
        }
    }

    private void retire(Slot slot, WorkerExit exit, Retired.Reason reason) {
        slot.state = SlotState.RETIRED;
        long left = slots.stream().filter(s -> s.state != SlotState.RETIRED && s.state != SlotState.STOPPED).count();
        String why = switch (reason) {
            case DISCONNECTED -> "it was disconnected";
            case STOP_SIGNAL -> "it was asked to stop by " + exit.status().signal().orElse("a signal");
            case KILLED -> "this program killed it with " + exit.worker().killedWith().orElse("a signal");
            case CRASH_LOOP -> "the crash-loop breaker is open";
        };
        LOG.log(Level.INFO, () -> "jcluster supervisor: " + exit + "; not respawned: " + why + " (" + left + " of "
                + settings.workers() + " workers kept)");
        emit(SupervisorEvent.RETIRED, new Retired(exit.worker(), exit.status(), reason));
    }

    private void crashed(Slot slot, WorkerExit exit) {
        slot.crashes++;
        if (tripsBreaker(exit)) {
            slot.state = SlotState.STOPPED;
            crashLoop();
            return;
        }
        int attempt = slot.crashes;
        Duration delay = settings.restartDelayAfter(attempt);
        Worker previous = exit.worker();
        slot.state = SlotState.BACKOFF;
        slot.timer = cluster.schedule(delay, () -> respawn(slot, previous, attempt));
        LOG.log(Level.WARNING, () -> "jcluster supervisor: worker " + previous.id() + " (pid " + previous.pid()
                + ") exited unexpectedly (" + exit.status() + "); respawning in "
                + SupervisorSettings.format(delay) + (attempt > 1 ? " (crash " + attempt + " in a row)" : ""));
        emit(SupervisorEvent.RESPAWN_SCHEDULED, new RespawnScheduled(previous, exit.status(), attempt, delay));
    }

    private void respawn(Slot slot, Worker previous, int attempt) {
        slot.timer = null;
        if (phase != Phase.RUNNING || slot.state != SlotState.BACKOFF) {
            return;
        }
        Worker worker = spawn(slot);
        if (worker == null) {
            return;
        }
        LOG.log(Level.INFO, () -> "jcluster supervisor: worker " + worker.id() + " forked in place of worker "
                + previous.id());
        emit(SupervisorEvent.RESPAWNED, new Respawned(previous, worker, attempt));
    }

    private boolean tripsBreaker(WorkerExit exit) {
        int limit = settings.crashLoopExits();
        if (limit == 0) {
            return false;
        }
        long now = System.nanoTime();
        long window = settings.crashLoopWindow().toNanos();
        recentCrashes.addLast(new Crash(exit, now));
        while (now - recentCrashes.peekFirst().atNanos() > window || recentCrashes.size() > limit) {
            recentCrashes.removeFirst();
        }
        return recentCrashes.size() >= limit;
    }

    private void crashLoop() {
        List<WorkerExit> exits = recentCrashes.stream().map(Crash::exit).collect(Collectors.toList());
        boolean shutdown = settings.crashLoopShutdown();
        String message = exits.size() + " workers exited unexpectedly within "
                + SupervisorSettings.format(settings.crashLoopWindow()) + " (" + exits.stream().map(WorkerExit::toString)
                        .collect(Collectors.joining(", ")) + "): respawning stopped"
                + (shutdown ? " and the service shut down" : "") + ". Their standard error usually says why. If such"
                + " exits are expected, raise " + settings.howToSet(SupervisorSettings.CRASH_LOOP_EXITS) + " or shorten "
                + settings.howToSet(SupervisorSettings.CRASH_LOOP_WINDOW) + "; 0 exits turns the breaker off.";
        crashLoop = new CrashLoop(exits, settings.crashLoopExits(), settings.crashLoopWindow(), message);
        LOG.log(Level.ERROR, "jcluster supervisor: crash loop: " + message);
        openBreaker();
        emit(SupervisorEvent.CRASH_LOOP, crashLoop);
        if (shutdown) {
            beginShutdown(ShutdownReason.CRASH_LOOP, settings.shutdownTimeout());
        }
    }

    private void openBreaker() {
        if (phase == Phase.RUNNING) {
            phase = Phase.BREAKER_OPEN;
        }
        for (Slot slot : slots) {
            if (slot.state == SlotState.BACKOFF) {
                slot.cancelTimer();
                slot.state = SlotState.STOPPED;
            }
            if (slot.replacement != null) {
                fail(slot.replacement, "was stopped: the crash-loop breaker opened", null);
            }
        }
        stopJobs("the crash-loop breaker opened");
    }

    // ---- readiness tracking ----

    private void onListening(Worker worker, ListenAddress address) {
        listening.computeIfAbsent(worker.id(), id -> new HashSet<>()).add(address);
        candidateEvent(worker);
    }

    private void onReady(Worker worker) {
        signalledReady.add(worker.id());
        candidateEvent(worker);
    }

    private void candidateEvent(Worker worker) {
        Slot slot = slotOfWorker.get(worker.id());
        if (slot != null && slot.replacement != null && slot.replacement.candidate == worker) {
            checkReady(slot.replacement);
        }
    }

    private Set<ListenAddress> listeningOf(Worker worker) {
        return listening.getOrDefault(worker.id(), Set.of());
    }

    // ---- replacing a running worker: the reload path ----

    /** Starts replacing the slot's worker; {@code whenEnded} runs once, when it is done or failed. */
    private Replacement replace(Slot slot, Cause cause, boolean surge, Consumer<Replacement> whenEnded) {
        Replacement r = new Replacement(slot, cause, surge, Set.copyOf(listeningOf(slot.worker)), whenEnded);
        slot.replacement = r;
        slot.cancelTimer(); // a stability check belongs to a worker that stays
        if (surge) {
            forkCandidate(r);
        } else {
            letOldWorkerLeave(r);
        }
        return r;
    }

    private void forkCandidate(Replacement r) {
        Worker candidate;
        try {
            candidate = cluster.fork();
        } catch (RuntimeException e) {
            fail(r, "could not be forked: " + e.getMessage(), null);
            forkFailed(e); // as for any fork: the breaker opens, or the service shuts down
            return;
        }
        r.candidate = candidate;
        r.forkNanos = System.nanoTime();
        slotOfWorker.put(candidate.id(), r.slot);
        r.readyTimer = cluster.schedule(settings.readyTimeout(), () -> readyTimedOut(r));
        armPings();
    }

    private void checkReady(Replacement r) {
        Worker c = r.candidate;
        if (r.ended || r.readyAfter != null || c == null || (phase != Phase.RUNNING && phase != Phase.BREAKER_OPEN)) {
            return;
        }
        boolean ready = settings.readySignal() ? signalledReady.contains(c.id())
                : c.state() != WorkerState.NONE && listeningOf(c).containsAll(r.mustListen);
        if (ready) {
            promote(r);
        }
    }

    /** The candidate is ready: it becomes the slot's worker, and the old one leaves (if it has not). */
    private void promote(Replacement r) {
        r.readyTimer.remove();
        r.readyAfter = Duration.ofNanos(System.nanoTime() - r.forkNanos);
        Slot slot = r.slot;
        slot.worker = r.candidate;
        slot.state = SlotState.ONLINE;
        countStart(slot);
        slot.onlineAtNanos = System.nanoTime();
        slot.crashes = 0; // a new generation
        slot.recycleRefused = null;
        slot.respawnOnExit = false;
        slot.unresponsive = null;
        slot.connectionLimit = connectionLimit();
        if (r.oldGone) {
            succeed(r);
        } else {
            letOldWorkerLeave(r);
        }
    }

    /**
     * Disconnects the old worker (its servers stop taking connections, it finishes those it holds) with
     * SIGTERM, then SIGKILL, after the drain deadline; an unresponsive one cannot drain, so it gets SIGQUIT
     * (its JVM prints every thread's stack) and SIGKILL a moment later.
     */
    private void letOldWorkerLeave(Replacement r) {
        Worker old = r.old;
        if (r.slot.worker == old) {
            r.slot.worker = null;
        }
        slotOfWorker.remove(old.id());
        leaving.put(old.id(), r);
        if (r.cause == Cause.UNRESPONSIVE) {
            r.killTimer = dumpThreadsAndKill(old);
            return;
        }
        LOG.log(Level.DEBUG, () -> "jcluster supervisor: worker " + old.id() + " (pid " + old.pid() + ") leaves slot "
                + r.slot.index + ", replaced");
        emit(SupervisorEvent.LEAVING, new Leaving(old, r.slot.index, r.cause == Cause.RECYCLE));
        old.disconnect();
        r.killTimer = cluster.schedule(settings.drainTimeout(), () -> {
            LOG.log(Level.WARNING, () -> "jcluster supervisor: worker " + old.id() + " (pid " + old.pid() + ") is still"
                    + " draining after " + SupervisorSettings.format(settings.drainTimeout()) + ": SIGTERM, and SIGKILL in "
                    + SupervisorSettings.format(KILL_WAIT) + " (raise " + settings.howToSet(SupervisorSettings.DRAIN_TIMEOUT)
                    + " if its connections need longer)");
            signal(old, "SIGTERM");
            r.killTimer = cluster.schedule(KILL_WAIT, () -> signal(old, "SIGKILL"));
        });
    }

    /** @return the SIGKILL's timer */
    private Registration dumpThreadsAndKill(Worker worker) {
        LOG.log(Level.WARNING, () -> "jcluster supervisor: worker " + worker.id() + " (pid " + worker.pid() + "): SIGQUIT"
                + " (its thread dump follows on its standard output), then SIGKILL");
        signal(worker, "SIGQUIT");
        return cluster.schedule(THREAD_DUMP_WAIT, () -> signal(worker, "SIGKILL"));
    }

    private static void signal(Worker worker, String signal) {
        try {
            worker.kill(signal);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "jcluster supervisor: could not send " + signal + " to worker " + worker.id(), e);
        }
    }

    private void oldWorkerLeft(Replacement r, WorkerExit exit) {
        r.oldGone = true;
        if (r.killTimer != null) {
            r.killTimer.remove();
        }
        if (r.ended) {
            if (r.respawnWhenOldLeaves) {
                respawnEmptySlot(r.slot, exit);
            }
            return;
        }
        if (r.readyAfter != null) {
            succeed(r);
        } else if (r.candidate == null) {
            if (phase == Phase.RUNNING) {
                forkCandidate(r); // no surge: the replacement starts once the old worker is gone
            } else {
                fail(r, "was not forked: the crash-loop breaker opened", null);
            }
        }
    }

    private void readyTimedOut(Replacement r) {
        if (r.ended || r.readyAfter != null) {
            return;
        }
        String missing = settings.readySignal() ? "it did not call cluster.signalReady()"
                : r.candidate.state() == WorkerState.NONE ? "it never came online"
                : "it listens on " + describe(listeningOf(r.candidate)) + " of " + describe(r.mustListen);
        fail(r, "was not ready within " + SupervisorSettings.format(settings.readyTimeout()) + " (" + missing + "; "
                + settings.howToSet(SupervisorSettings.READY_TIMEOUT) + ")", null);
    }

    private static String describe(Set<ListenAddress> addresses) {
        return addresses.isEmpty() ? "none" : addresses.stream().map(a -> a.address() + ":" + a.port())
                .sorted().collect(Collectors.joining(", ", "[", "]"));
    }

    private void succeed(Replacement r) {
        r.ended = true;
        r.took = Duration.ofNanos(System.nanoTime() - r.startNanos);
        r.slot.replacement = null;
        r.whenEnded.accept(r);
    }

    /**
     * The replacement failed: it is killed, and the old worker keeps serving. When the old worker is no
     * longer serving (no surge, or it exited meanwhile), the slot is respawned as after a crash: now, once
     * the killed candidate is gone, or once the old worker has left.
     *
     * @param candidateExit the candidate's exit, when that is the failure
     */
    private void fail(Replacement r, String why, WorkerExit candidateExit) {
        if (r.ended) {
            return;
        }
        r.ended = true;
        Worker c = r.candidate;
        r.failure = (c == null ? "the replacement" : "worker " + c.id() + " (pid " + c.pid() + ")") + ", replacing worker "
                + r.old.id() + ", " + why;
        if (r.readyTimer != null) {
            r.readyTimer.remove();
        }
        Slot slot = r.slot;
        slot.replacement = null;
        if (c != null) {
            slotOfWorker.remove(c.id());
        }
        boolean oldServing = slot.worker == r.old;
        boolean candidateAlive = c != null && candidateExit == null && !c.isDead();
        if (candidateAlive) {
            signal(c, "SIGKILL");
        }
        if (oldServing) {
            if (r.cause == Cause.UNRESPONSIVE) {
                slot.respawnOnExit = true; // it is hung: replaced or not, it goes, and the slot is respawned
                slot.timer = dumpThreadsAndKill(r.old);
            }
        } else if (phase == Phase.RUNNING) {
            if (leaving.containsKey(r.old.id())) {
                r.respawnWhenOldLeaves = true;
            } else if (candidateAlive) {
                // The killed candidate's exit respawns the slot, with backoff.
                slot.worker = c;
                slot.state = SlotState.STARTING;
                slot.respawnOnExit = true;
                slotOfWorker.put(c.id(), slot);
            } else if (candidateExit != null) {
                respawnEmptySlot(slot, candidateExit);
            } // else the fork failed: forkFailed decides (the breaker, or a shutdown)
        }
        r.whenEnded.accept(r);
    }

    /** A slot left with no worker by a failed replacement: respawned with backoff, as after a crash. */
    private void respawnEmptySlot(Slot slot, WorkerExit exit) {
        if (phase == Phase.RUNNING && slot.worker == null && slot.replacement == null) {
            crashed(slot, exit);
        }
    }

    // ---- reloads and recycles, one at a time ----

    private void requestReload(CompletableFuture<ReloadReport> report) {
        if (phase != Phase.RUNNING) {
            String why = phase == Phase.NEW ? "the supervisor has not started" : phase == Phase.BREAKER_OPEN
                    ? "the crash-loop breaker is open" : "the supervisor is shutting down";
            report.complete(new ReloadReport(0, ReloadReport.Outcome.STOPPED, List.of(), Duration.ZERO,
                    "Not reloaded: " + why + "."));
            return;
        }
        for (Job queued : jobs) {
            if (queued instanceof ReloadJob waiting) {
                waiting.waiters.add(report); // one queued reload serves every request made while another runs
                return;
            }
        }
        ReloadJob job = new ReloadJob();
        job.waiters.add(report);
        if (currentJob != null) {
            LOG.log(Level.INFO, "jcluster supervisor: a reload was asked while another "
                    + (currentJob instanceof ReloadJob ? "reload" : "recycle") + " runs: it starts after it");
        }
        jobs.add(job);
        runNextJob();
    }

    private void runNextJob() {
        while (currentJob == null && phase == Phase.RUNNING && !jobs.isEmpty()) {
            Job job = jobs.poll();
            currentJob = job;
            if (job instanceof ReloadJob reload) {
                startReload(reload);
            } else {
                startRecycle((RecycleJob) job);
            }
        }
    }

    private void jobEnded(Job job) {
        if (currentJob == job) {
            currentJob = null;
            runNextJob();
        }
    }

    private void startReload(ReloadJob job) {
        job.number = ++reloads;
        job.startNanos = System.nanoTime();
        List<Worker> workers = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.worker != null && slot.replacement == null) {
                job.todo.add(slot);
                workers.add(slot.worker);
            }
        }
        job.total = workers.size();
        LOG.log(Level.INFO, () -> "jcluster supervisor: reload " + job.number + ": replacing "
                + (workers.isEmpty() ? "no worker" : ids(workers)) + ", " + settings.reloadBatch() + " at a time");
        emit(SupervisorEvent.RELOAD_STARTED, new ReloadStarted(job.number, workers));
        nextBatch(job);
    }

    private void nextBatch(ReloadJob job) {
        job.batching = true;
        int started = 0;
        while (started < settings.reloadBatch() && !job.todo.isEmpty() && job.failure == null && phase == Phase.RUNNING) {
            Slot slot = job.todo.poll();
            if (slot.worker == null || slot.replacement != null) {
                continue; // it exited, or is being replaced already (it hung): its new worker runs the new code
            }
            boolean surge = started < settings.reloadSurge();
            started++;
            Replacement r = replace(slot, Cause.RELOAD, surge, ended -> reloadStepEnded(job, ended));
            if (!r.ended) { // one that failed at once (its fork) was already counted
                job.inFlight.add(r);
            }
        }
        job.batching = false;
        if (job.inFlight.isEmpty()) {
            finishReload(job, null);
        }
    }

    private void reloadStepEnded(ReloadJob job, Replacement r) {
        job.inFlight.remove(r);
        if (r.failure == null) {
            ReloadStep step = new ReloadStep(job.number, r.old, r.candidate, r.readyAfter, r.took);
            job.steps.add(step);
            LOG.log(Level.INFO, () -> "jcluster supervisor: reload " + job.number + ": worker " + r.candidate.id()
                    + " replaced worker " + r.old.id() + " (ready after " + SupervisorSettings.format(millis(r.readyAfter))
                    + ", step " + SupervisorSettings.format(millis(r.took)) + ")");
            emit(SupervisorEvent.RELOAD_STEP, step);
        } else if (job.failure == null) {
            job.failure = r.failure;
            for (Replacement other : List.copyOf(job.inFlight)) {
                if (other.readyAfter == null) {
                    fail(other, "was stopped: another replacement of its batch failed", null);
                }
            }
        }
        if (job.inFlight.isEmpty() && !job.batching && !job.finished) {
            if (job.failure == null && !job.todo.isEmpty() && phase == Phase.RUNNING) {
                nextBatch(job);
            } else {
                finishReload(job, null);
            }
        }
    }

    /** @param stoppedBy what cut the reload short (a shutdown, the breaker); null when it ran its course */
    private void finishReload(ReloadJob job, String stoppedBy) {
        if (job.finished) {
            return;
        }
        job.finished = true;
        Duration took = Duration.ofNanos(System.nanoTime() - job.startNanos);
        ReloadReport report;
        if (job.failure != null) {
            report = new ReloadReport(job.number, ReloadReport.Outcome.ROLLED_BACK, job.steps, took, "Reload "
                    + job.number + " rolled back after " + job.steps.size() + " of " + job.total
                    + " replacements: " + job.failure + ". It was killed; the workers not yet replaced keep serving."
                    + " Its standard error usually says why.");
            LOG.log(Level.ERROR, "jcluster supervisor: " + report.message());
        } else if (stoppedBy != null || phase != Phase.RUNNING) {
            report = new ReloadReport(job.number, ReloadReport.Outcome.STOPPED, job.steps, took, "Reload " + job.number
                    + " stopped after " + job.steps.size() + " of " + job.total + " replacements: "
                    + (stoppedBy != null ? stoppedBy : "the supervisor stopped") + ".");
            LOG.log(Level.INFO, "jcluster supervisor: " + report.message());
        } else {
            report = new ReloadReport(job.number, ReloadReport.Outcome.DONE, job.steps, took, "Reload " + job.number
                    + " done in " + SupervisorSettings.format(millis(took)) + ": " + job.steps.size() + " workers replaced.");
            LOG.log(Level.INFO, "jcluster supervisor: " + report.message());
        }
        emit(report.done() ? SupervisorEvent.RELOAD_DONE : SupervisorEvent.RELOAD_ROLLED_BACK, report);
        job.waiters.forEach(w -> w.complete(report));
        jobEnded(job);
    }

    private void startRecycle(RecycleJob job) {
        Slot slot = job.slot();
        if (slot.worker != job.worker() || slot.replacement != null) {
            slot.recycleQueued = false;
            jobEnded(job);
            return;
        }
        LOG.log(Level.INFO, () -> "jcluster supervisor: recycling worker " + job.worker().id() + " (pid "
                + job.worker().pid() + "): " + describe(job.reason(), job.value(), job.limit()));
        replace(slot, Cause.RECYCLE, true, r -> {
            slot.recycleQueued = false;
            if (r.failure == null) {
                emit(SupervisorEvent.RECYCLED, new Recycled(r.old, r.candidate, job.reason(), job.value(), job.limit()));
            } else {
                slot.recycleRefused = r.old;
                LOG.log(Level.ERROR, "jcluster supervisor: recycling failed: " + r.failure + "; worker " + r.old.id()
                        + " keeps serving and is not recycled again");
            }
            jobEnded(job);
        });
    }

    private static String describe(Recycled.Reason reason, long value, long limit) {
        return switch (reason) {
            case CONNECTIONS -> value + " connections, limit " + limit;
            case RESIDENT_MEMORY -> "resident memory " + SupervisorSettings.formatBytes(value) + "B above "
                    + SupervisorSettings.formatBytes(limit) + "B";
            case HEAP -> "heap used after GC " + SupervisorSettings.formatBytes(value) + "B above "
                    + SupervisorSettings.formatBytes(limit) + "B";
        };
    }

    // ---- pings: hung workers and recycling limits ----

    /** Pings run while a supervised worker may exist: a timer of their own would keep an idle JVM alive. */
    private void armPings() {
        if (pingTimer == null && !settings.pingInterval().isZero()
                && (phase == Phase.RUNNING || phase == Phase.BREAKER_OPEN)) {
            pingTimer = cluster.schedule(settings.pingInterval(), this::pingWorkers);
        }
    }

    private void pingWorkers() {
        pingTimer = null;
        boolean anyWorker = !leaving.isEmpty()
                || slots.stream().anyMatch(s -> s.worker != null || s.replacement != null || s.state == SlotState.BACKOFF);
        if (!anyWorker) {
            return; // re-armed by the next fork
        }
        armPings();
        for (Slot slot : slots) {
            Worker worker = slot.worker;
            if (worker == null || slot.state != SlotState.ONLINE || slot.replacement != null
                    || !pinging.add(worker.id())) {
                continue; // not serving yet, being replaced, or its last ping is still out
            }
            worker.ping(settings.pingTimeout()).whenComplete((health, error) -> pinged(slot, worker, health, error));
        }
    }

    private void pinged(Slot slot, Worker worker, WorkerHealth health, Throwable error) {
        pinging.remove(worker.id());
        if (slot.worker != worker || slot.replacement != null || (phase != Phase.RUNNING && phase != Phase.BREAKER_OPEN)) {
            return;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof TimeoutException) {
            if (slot.unresponsive != worker) { // reported once, until it answers again
                slot.unresponsive = worker;
                unresponsive(slot, worker);
            }
        } else if (health != null) {
            slot.unresponsive = null;
            if (phase == Phase.RUNNING) {
                checkRecycleLimits(slot, worker, health);
            }
        } // else it disconnected: its exit follows
    }

    private void unresponsive(Slot slot, Worker worker) {
        boolean replacing = settings.replaceUnresponsive() && phase == Phase.RUNNING;
        LOG.log(Level.WARNING, () -> "jcluster supervisor: worker " + worker.id() + " (pid " + worker.pid() + ") did not"
                + " answer a ping within " + SupervisorSettings.format(settings.pingTimeout()) + ": its event thread is"
                + " blocked or starved" + (replacing ? "; replacing it, then SIGQUIT (thread dump) and SIGKILL"
                        : "; " + SupervisorSettings.UNRESPONSIVE_REPLACE + " is false, so it is left running"));
        emit(SupervisorEvent.UNRESPONSIVE, new Unresponsive(worker, settings.pingTimeout(), replacing));
        if (replacing) {
            replace(slot, Cause.UNRESPONSIVE, true, r -> {
                if (r.failure != null) {
                    LOG.log(Level.ERROR, "jcluster supervisor: replacing unresponsive worker " + worker.id() + " failed: "
                            + r.failure + "; it is killed anyway and its slot respawned");
                }
            });
        }
    }

    private void checkRecycleLimits(Slot slot, Worker worker, WorkerHealth health) {
        if (slot.recycleQueued || slot.recycleRefused == worker) {
            return;
        }
        if (slot.connectionLimit > 0 && health.connections() >= slot.connectionLimit) {
            queueRecycle(slot, worker, Recycled.Reason.CONNECTIONS, health.connections(), slot.connectionLimit);
        } else if (settings.recycleHeap() > 0 && health.heapUsedAfterGc().orElse(0) > settings.recycleHeap()) {
            queueRecycle(slot, worker, Recycled.Reason.HEAP, health.heapUsedAfterGc().getAsLong(), settings.recycleHeap());
        } else if (settings.recycleMemory() > 0) {
            long resident = residentBytes(worker.pid());
            if (resident > settings.recycleMemory()) {
                queueRecycle(slot, worker, Recycled.Reason.RESIDENT_MEMORY, resident, settings.recycleMemory());
            }
        }
    }

    private void queueRecycle(Slot slot, Worker worker, Recycled.Reason reason, long value, long limit) {
        slot.recycleQueued = true;
        jobs.add(new RecycleJob(slot, worker, reason, value, limit));
        runNextJob();
    }

    /** This worker's connection limit: the setting raised by a random share of up to the jitter. */
    private long connectionLimit() {
        long limit = settings.recycleConnections();
        return limit == 0 ? 0 : limit + (long) (ThreadLocalRandom.current().nextDouble() * settings.recycleJitter() * limit);
    }

    /** The process's resident set from /proc (Linux); -1 when it cannot be read. */
    static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024; // in kB
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not Linux
        }
        return -1;
    }

    private static Duration millis(Duration d) {
        return Duration.ofMillis(d.toMillis());
    }

    // ---- shutdown ----

    private CompletableFuture<ShutdownReport> requestShutdown(ShutdownReason reason, Duration deadline) {
        if (!done.isDone()) {
            cluster.schedule(Duration.ZERO, () -> beginShutdown(reason, deadline));
        }
        return done.copy();
    }

    private void beginShutdown(ShutdownReason reason, Duration deadline) {
        if (phase == Phase.STOPPING || phase == Phase.DONE) {
            return;
        }
        phase = Phase.STOPPING;
        if (pingTimer != null) {
            pingTimer.remove();
        }
        Set<Worker> running = new LinkedHashSet<>();
        for (Slot slot : slots) {
            slot.cancelTimer();
            if (slot.worker != null) {
                running.add(slot.worker);
            } else if (slot.state == SlotState.BACKOFF || slot.state == SlotState.EMPTY) {
                slot.state = SlotState.STOPPED;
            }
            Replacement r = slot.replacement;
            if (r != null) {
                // The shutdown takes over: the replacement is abandoned, its candidate disconnected like the others.
                r.ended = true;
                slot.replacement = null;
                if (r.readyTimer != null) {
                    r.readyTimer.remove();
                }
                if (r.candidate != null && !r.candidate.isDead()) {
                    running.add(r.candidate);
                }
            }
        }
        for (Replacement r : leaving.values()) {
            r.ended = true;
            if (r.killTimer != null) {
                r.killTimer.remove(); // the shutdown's deadline applies to it now
            }
            running.add(r.old);
        }
        stopJobs("a shutdown began");
        Stopping st = new Stopping(reason, deadline, List.copyOf(running));
        stopping = st;
        LOG.log(Level.INFO, () -> "jcluster supervisor: shutting down (" + describe(reason) + "): disconnecting "
                + (running.isEmpty() ? "no worker" : ids(List.copyOf(running))) + "; any still running after "
                + SupervisorSettings.format(deadline) + " gets SIGKILL");
        emit(SupervisorEvent.SHUTDOWN_STARTED, new ShutdownStarted(reason, deadline, List.copyOf(running)));
        for (Worker worker : running) {
            worker.disconnect();
        }
        if (st.remaining.isEmpty()) {
            finish();
        } else {
            st.timer = cluster.schedule(deadline, this::deadlinePassed);
        }
    }

    /**
     * A shutdown began, or the breaker opened: the reload under way and every queued one end as STOPPED,
     * and queued recycles are dropped. (Their replacements were dealt with by the caller.)
     */
    private void stopJobs(String why) {
        List<Job> all = new ArrayList<>(jobs);
        jobs.clear();
        if (currentJob != null) {
            all.add(0, currentJob);
        }
        currentJob = null;
        for (Job job : all) {
            if (job instanceof ReloadJob reload) {
                if (reload.number == 0) {
                    reload.number = ++reloads;
                    reload.startNanos = System.nanoTime();
                }
                reload.inFlight.clear();
                finishReload(reload, why);
            } else {
                ((RecycleJob) job).slot().recycleQueued = false;
            }
        }
    }

    private void workerLeft(WorkerExit exit) {
        Stopping st = stopping;
        if (!st.remaining.remove(exit.worker())) {
            return;
        }
        if (!st.killed.contains(exit.worker())) {
            st.left.add(exit);
        }
        if (st.remaining.isEmpty()) {
            finish();
        }
    }

    private void deadlinePassed() {
        Stopping st = stopping;
        st.timer = null;
        if (phase != Phase.STOPPING) {
            return;
        }
        for (Worker worker : st.remaining) {
            st.killed.add(worker);
            LOG.log(Level.WARNING, () -> "jcluster supervisor: worker " + worker.id() + " (pid " + worker.pid()
                    + ") is still running " + SupervisorSettings.format(st.deadline) + " into the shutdown: SIGKILL");
            signal(worker, "SIGKILL");
        }
        st.timer = cluster.schedule(KILL_WAIT, this::finish);
    }

    private void finish() {
        if (phase == Phase.DONE) {
            return;
        }
        phase = Phase.DONE;
        Stopping st = stopping;
        if (st.timer != null) {
            st.timer.remove();
        }
        clusterListeners.forEach(Registration::remove);
        clusterListeners.clear();
        slots.forEach(Slot::cancelTimer);
        Duration took = Duration.ofNanos(System.nanoTime() - st.startNanos);
        boolean failed = st.reason == ShutdownReason.CRASH_LOOP || st.reason == ShutdownReason.FORK_FAILED;
        int status = failed || !st.killed.isEmpty() ? 1 : 0;
        String outcome = outcome(st, took);
        ShutdownReport report = new ShutdownReport(st.reason, st.deadline, took, st.left, st.killed, status,
                cause(st) + outcome);
        LOG.log(st.killed.isEmpty() ? Level.INFO : Level.ERROR, "jcluster supervisor: " + outcome);
        emit(SupervisorEvent.SHUTDOWN_DONE, report);
        done.complete(report);
        afterShutdown(report);
    }

    /** What made the shutdown a failure, when something did (already logged when it happened). */
    private String cause(Stopping st) {
        if (st.reason == ShutdownReason.CRASH_LOOP && crashLoop != null) {
            return crashLoop.message() + " ";
        }
        if (st.reason == ShutdownReason.FORK_FAILED && forkFailure != null) {
            return "A worker could not be forked: " + forkFailure.getMessage() + ". ";
        }
        return "";
    }

    private String outcome(Stopping st, Duration took) {
        StringBuilder m = new StringBuilder();
        m.append("Shutdown (").append(describe(st.reason)).append(") done in ").append(SupervisorSettings.format(millis(took))).append(": ");
        if (st.killed.isEmpty()) {
            m.append(st.left.isEmpty() ? "no worker was running." : "every worker left in time (" + st.left.stream()
                    .map(WorkerExit::toString).collect(Collectors.joining(", ")) + ").");
        } else {
            m.append(st.killed.stream().map(w -> "worker " + w.id() + " (pid " + w.pid() + ")")
                    .collect(Collectors.joining(", ")))
                    .append(" did not exit within the ")
                    .append(SupervisorSettings.format(st.deadline)).append(" deadline and got SIGKILL")
                    .append(st.left.isEmpty() ? "" : "; " + st.left.size() + " left in time")
                    .append(". Give workers longer with ").append(settings.howToSet(SupervisorSettings.SHUTDOWN_TIMEOUT))
                    .append(", or make them end once disconnected (close what keeps their JVM alive, e.g. in a"
                            + " WorkerEvent.DISCONNECT listener).");
        }
        return m.toString();
    }

    private static String describe(ShutdownReason reason) {
        return switch (reason) {
            case CALL -> "shutdown() called";
            case CRASH_LOOP -> "crash loop";
            case FORK_FAILED -> "a fork failed";
            default -> reason.name();
        };
    }

    private static String ids(List<Worker> workers) {
        return (workers.size() == 1 ? "worker " : "workers ")
                + workers.stream().map(w -> Integer.toString(w.id())).collect(Collectors.joining(", "));
    }

    /** Once done: ends the JVM with the report's status, unless told not to or a signal's hook does it. */
    private void afterShutdown(ShutdownReport report) {
        if (signalEndsJvm) {
            return;
        }
        Thread h = hook;
        if (h != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(h);
            } catch (IllegalStateException jvmEnding) {
                // the hook is running or about to, and will find the shutdown done
            }
        }
        if (!settings.exitAfterShutdown()) {
            return;
        }
        // Not from the event thread: System.exit waits for every shutdown hook, and a program's own hook
        // may wait for an event (a disconnect callback) that only this thread would deliver. Not a daemon:
        // with the last worker gone the JVM would otherwise end by itself, with 0, before this thread's
        // exit (started from an event task, it exists before the event loop lets go of the JVM).
        Thread exit = new Thread(() -> {
            printLastLineAfterOutput(report);
            System.exit(report.exitStatus());
        }, "jcluster-supervisor-exit");
        exit.setDaemon(false);
        exit.start();
    }

    /** The shutdown hook: a signal becomes a graceful shutdown, and the JVM ends with its status. */
    private void onJvmShutdown() {
        String signal = signalEndingTheJvm();
        if (signal == null || done.isDone()) {
            return; // System.exit or the program's end: the program chose its status; the workers follow the primary
        }
        ShutdownReason reason = switch (signal) {
            case "SIGINT" -> ShutdownReason.SIGINT;
            case "SIGHUP" -> ShutdownReason.SIGHUP;
            default -> ShutdownReason.SIGTERM;
        };
        signalEndsJvm = true;
        // Printed, not only logged: java.util.logging closes its handlers in a shutdown hook of its own,
        // which runs beside this one, so log records from here on may go nowhere.
        System.out.println("jcluster supervisor: " + signal + ": shutting down gracefully; workers still running in "
                + SupervisorSettings.format(settings.shutdownTimeout()) + " get SIGKILL");
        System.out.flush();
        requestShutdown(reason, settings.shutdownTimeout());
        // Bounded: a listener that holds the event thread for good must not keep the JVM from ending.
        Duration wait = settings.shutdownTimeout().plus(KILL_WAIT).plusSeconds(5);
        ShutdownReport report;
        try {
            report = done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            System.err.println("jcluster supervisor: exiting with status 1: " + signal + " arrived, but the graceful"
                    + " shutdown did not end within " + SupervisorSettings.format(wait) + " (does an event listener hold"
                    + " the cluster's event thread?); every worker gets SIGKILL");
            System.err.flush();
            for (Worker w : List.copyOf(cluster.workers().values())) {
                try {
                    w.kill("SIGKILL");
                } catch (RuntimeException ignored) {
                    // it is gone already
                }
            }
            Runtime.getRuntime().halt(1);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Runtime.getRuntime().halt(1);
            return;
        }
        printLastLineAfterOutput(report);
        Runtime.getRuntime().halt(report.exitStatus());
    }

    private void forwardOutput(Worker worker) {
        try {
            CompletableFuture<Void> ended = WorkerOutput.forward(worker);
            forwardedOutput.put(worker.id(), ended);
            ended.whenComplete((ok, error) -> forwardedOutput.remove(worker.id(), ended));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "jcluster supervisor: cannot forward worker " + worker.id() + "'s output (" + e.getMessage()
                    + "); its lines go where its settings send them");
        }
    }

    /** The workers' last lines first (bounded: a process a worker started may hold its pipe open), then ours. */
    private void printLastLineAfterOutput(ShutdownReport report) {
        try {
            CompletableFuture.allOf(forwardedOutput.values().toArray(CompletableFuture[]::new))
                    .get(OUTPUT_DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // what is still held comes after our last line, or not at all: the JVM is ending
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        printLastLine(report);
    }

    /** The primary's last words: on standard output when all went well, on standard error otherwise. */
    private static void printLastLine(ShutdownReport report) {
        String line = "jcluster supervisor: exiting with status " + report.exitStatus() + ": " + report.message();
        if (report.exitStatus() == 0) {
            System.out.println(line);
        } else {
            System.err.println(line);
        }
        System.out.flush();
        System.err.flush();
    }

    /** "SIGTERM" when the JVM is ending because of that signal; null for System.exit or the end of the program. */
    private static String signalEndingTheJvm() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            Matcher m = SIGNAL_THREAD.matcher(t.getName());
            if (m.matches()) {
                return m.group(1);
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private <L> void emit(SupervisorEvent<L> event, Object payload) {
        JfrEvents.record(payload); // before the listeners: one that waits on the event finds it recorded
        CopyOnWriteArrayList<Entry> list = listeners.get(event);
        for (Entry entry : list) {
            if (entry.once && !list.remove(entry)) {
                continue;
            }
            try {
                ((Consumer<Object>) entry.listener).accept(payload);
            } catch (RuntimeException e) {
                // As the cluster's own listeners: one that throws must not stop the others, or the supervisor.
                LOG.log(Level.ERROR, "jcluster supervisor: a " + event.name() + " listener threw", e);
            }
        }
    }
}
