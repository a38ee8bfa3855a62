package org.jcluster.core.internal.primary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterDatagramSocket;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterStats;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.ConnectionHandler;
import org.jcluster.api.DatagramOptions;
import org.jcluster.api.ProviderNotFoundException;
import org.jcluster.api.Registration;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.ServerStats;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerState;
import org.jcluster.api.WorkerStats;
import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.jcluster.api.spi.ServiceLookup;
import org.jcluster.core.internal.events.EventLoop;
import org.jcluster.core.internal.events.EventRegistry;
import org.jcluster.core.internal.protocol.FrameKind;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.protocol.ProtocolException;
import org.jcluster.core.internal.servers.ConnectionsTaken;
import org.jcluster.core.internal.servers.LocalDatagram;
import org.jcluster.core.internal.servers.LocalServer;
import org.jcluster.core.internal.transport.ChannelConfig;
import org.jcluster.core.internal.transport.Descriptor;
import org.jcluster.core.internal.transport.FrameHandler;
import org.jcluster.core.internal.transport.IpcChannel;
import org.jcluster.core.internal.transport.IpcServer;
import org.jcluster.core.internal.transport.PeerCredentials;
import org.jcluster.core.internal.transport.Posix;
import org.jcluster.core.internal.worker.WorkerEnvironment;

/** The cluster as seen from the primary JVM. */
public final class PrimaryCluster implements Cluster {
    private static final System.Logger LOG = System.getLogger("org.jcluster");
    /** How long a new connection may take to prove it is one of our workers. */
    private static final long HELLO_DEADLINE_SECONDS = 30;
    /** How long the exit waits for workers still connecting before it removes the socket they need. */
    private static final long CONNECTING_AT_EXIT_SECONDS = 5;

    private final EventLoop events = new EventLoop("jcluster-events");
    /** For the uptime in stats. */
    private final long startedAtNanos = System.nanoTime();
    private final ConcurrentSkipListMap<Integer, PrimaryWorker> live = new ConcurrentSkipListMap<>();
    private final Map<Integer, Worker> liveView = Collections.unmodifiableMap(live);
    private final EventRegistry listeners = new EventRegistry(ClusterEvent.MESSAGE,
            () -> events.execute(() -> live.values().forEach(PrimaryWorker::releaseHeldMessages)));
    private final AtomicInteger lastId = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Serialization> serializations = new ConcurrentHashMap<>();
    private final List<DisconnectWaiter> disconnectWaiters = new ArrayList<>();
    private final ScheduledExecutorService timer;

    // Guarded by this.
    private ClusterSettings settings = ClusterSettings.empty();
    private String schedulingPolicy;
    private boolean policyFrozen;
    private IpcServer server;
    private SchedulingPolicy policy;
    private final SharedHandles servers = new SharedHandles(this::policyInstance, events.timer());

    private static final class DisconnectWaiter {
        final Set<Integer> remaining;
        final Runnable callback;

        DisconnectWaiter(Set<Integer> remaining, Runnable callback) {
            this.remaining = remaining;
            this.callback = callback;
        }
    }

    public PrimaryCluster() {
        this.timer = events.timer();
    }

    @Override
    public Registration schedule(Duration delay, Runnable task) {
        return events.schedule(delay, task);
    }

    EventLoop events() {
        return events;
    }

    /** Runs {@code task} on the event thread after every event queued so far. */
    public void runOnEventThread(Runnable task) {
        events.execute(task);
    }

    /** Closes a worker's channel abruptly, without the disconnect handshake, as a cut channel would. */
    public void cutChannelForTesting(int workerId) {
        PrimaryWorker worker = live.get(workerId);
        if (worker != null) {
            worker.closeChannelAbruptly();
        }
    }

    /** The IPC socket's path, once the first worker was forked (tests connect to it as strangers). */
    public synchronized Optional<Path> ipcSocketPath() {
        return Optional.ofNullable(server).map(IpcServer::socketPath);
    }

    @Override
    public boolean isPrimary() {
        return true;
    }

    @Override
    public Map<Integer, Worker> workers() {
        return liveView;
    }

    @Override
    public CompletableFuture<ClusterStats> stats(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout of stats must be positive, not " + timeout);
        }
        // A worker's stats fail only in a bug of their own: that worker is left out, the snapshot still answers.
        List<CompletableFuture<WorkerStats>> asked = liveView.values().stream()
                .map(w -> w.stats(timeout).exceptionally(failed -> null)).toList();
        return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).thenApply(all -> {
            List<WorkerStats> workers = asked.stream().map(CompletableFuture::join).filter(Objects::nonNull).toList();
            String policy = schedulingPolicy();
            List<ServerStats> shared = servers.figures().stream().map(f -> {
                Map<Integer, Long> takenByWorker = new TreeMap<>();
                for (WorkerStats w : workers) {
                    w.health().map(h -> h.connectionsByServer().get(f.address()))
                            .ifPresent(taken -> takenByWorker.put(w.id(), taken));
                }
                return new ServerStats(f.address(), policy, f.primaryAccepts(), f.workers(), f.accepted(), f.dealt(), f.refused(),
                        f.waiting(), f.inFlight(), f.handOff(), takenByWorker);
            }).toList();
            return new ClusterStats(Duration.ofNanos(System.nanoTime() - startedAtNanos), workers, shared);
        });
    }

    @Override
    public Optional<Worker> worker() {
        return Optional.empty();
    }

    @Override
    public void signalReady() {
        throw new IllegalStateException("signalReady() is a worker's call (it tells the primary the worker is ready);"
                + " this JVM is the primary");
    }

    @Override
    public synchronized ClusterSettings settings() {
        return settings;
    }

    @Override
    public void setupPrimary(ClusterSettings given) {
        ClusterSettings merged;
        synchronized (this) {
            merged = resolvedSettings().mergedWith(given);
            settings = merged;
        }
        events.execute(() -> emit(ClusterEvent.SETUP, (Consumer<ClusterSettings> l) -> l.accept(merged)));
    }

    /** The settings, filled with this JVM's defaults on first need; freezes the policy (rule 30). */
    private synchronized ClusterSettings resolvedSettings() {
        if (settings.isEmpty()) {
            settings = SettingsDefaults.ofThisJvm();
        }
        freezePolicy();
        return settings;
    }

    @Override
    public synchronized String schedulingPolicy() {
        if (schedulingPolicy != null) {
            return schedulingPolicy;
        }
        String fromEnv = System.getenv(SCHED_POLICY_ENV);
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv.trim() : SCHED_RR;
    }

    @Override
    public synchronized void schedulingPolicy(String name) {
        if (policyFrozen) {
            throw new IllegalStateException("The scheduling policy is frozen at the first fork() or setupPrimary();"
                    + " choose it (\"" + name + "\") before either");
        }
        ServiceLookup.schedulingPolicy(name); // an unknown name fails here, listing the policies found
        schedulingPolicy = name;
    }

    /** The policy's provider is looked up at the first shared server, so a bad name fails that listen only. */
    private synchronized SchedulingPolicy policyInstance() {
        freezePolicy();
        if (policy == null) {
            try {
                policy = ServiceLookup.schedulingPolicy(schedulingPolicy).create();
            } catch (ProviderNotFoundException e) {
                String source = System.getenv(SCHED_POLICY_ENV);
                throw source != null && source.trim().equals(schedulingPolicy)
                        ? new ProviderNotFoundException(e.getMessage() + " (The name came from the "
                                + SCHED_POLICY_ENV + " environment variable of the primary.)")
                        : e;
            }
        }
        return policy;
    }

    SharedHandles servers() {
        return servers;
    }

    /** In the primary a server is not shared: it listens by itself, as in Node. */
    @Override
    public ClusterServer listen(ServerOptions options, ConnectionHandler handler) throws IOException {
        return LocalServer.listen(options, handler, error -> LOG.log(System.Logger.Level.WARNING, "jcluster: " + error.getMessage(), error));
    }

    @Override
    public ClusterServer listen(ServerOptions options) throws IOException {
        return listen(options, (ConnectionHandler) null);
    }

    @Override
    public void unrefChannel() {
        throw new IllegalStateException("unrefChannel() is for a worker: the primary has no channel to a primary");
    }

    @Override
    public void countConnection() {
        ConnectionsTaken.one();
    }

    @Override
    public Registration answer(String topic, Supplier<?> answer) {
        throw new IllegalStateException("answer(topic, ...) is a worker's call: the primary asks, with worker.ask(topic)");
    }

    @Override
    public ClusterDatagramSocket bindDatagram(DatagramOptions options) throws IOException {
        return LocalDatagram.bind(options);
    }

    private void freezePolicy() {
        if (!policyFrozen) {
            schedulingPolicy = schedulingPolicy();
            policyFrozen = true;
        }
    }

    @Override
    public void eventExecutor(Executor executor) {
        events.useExecutor(executor);
    }

    @Override
    public Worker fork(Map<String, String> env) {
        ClusterSettings s;
        boolean firstSetup;
        synchronized (this) {
            firstSetup = settings.isEmpty();
            s = resolvedSettings();
        }
        if (firstSetup) {
            ClusterSettings snapshot = s;
            events.execute(() -> emit(ClusterEvent.SETUP, (Consumer<ClusterSettings> l) -> l.accept(snapshot)));
        }
        Serialization serialization = serialization(s);
        IpcServer ipc = server(s);
        int id = lastId.incrementAndGet();
        byte[] secretBytes = new byte[24];
        random.nextBytes(secretBytes);
        String secret = HexFormat.of().formatHex(secretBytes);

        List<String> command = WorkerCommand.build(s, id);
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        environment.putAll(env);
        WorkerEnvironment.put(environment, new WorkerEnvironment(id, ipc.socketPath(), secret,
                s.serialization().orElseThrow(), s.maxFrameBytes().orElseThrow(), s.sendHighWaterMark().orElseThrow(),
                s.messageTypes().orElse(List.of()).stream().map(Class::getName).toList(), schedulingPolicy()));
        s.cwd().ifPresent(cwd -> builder.directory(cwd.toFile()));
        if (s.silent().orElse(false)) {
            builder.redirectOutput(ProcessBuilder.Redirect.PIPE).redirectError(ProcessBuilder.Redirect.PIPE);
        } else {
            builder.inheritIO();
        }
        Process process;
        JfrEvents.WorkerFork forked = new JfrEvents.WorkerFork();
        forked.begin();
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start worker " + id + " with " + String.join(" ", command)
                    + ": " + e.getMessage() + ". Check ClusterSettings javaCommand and cwd.", e);
        }
        forked.record(id, process.pid());
        PrimaryWorker worker = new PrimaryWorker(this, id, process, secret, serialization,
                s.sendHighWaterMark().orElseThrow(), s.maxFrameBytes().orElseThrow());
        live.put(id, worker);
        events.holdJvm();
        events.execute(() -> emit(ClusterEvent.FORK, (Consumer<Worker> l) -> l.accept(worker)));
        process.onExit().thenAccept(p -> events.execute(() -> worker.onExited(p.exitValue())));
        return worker;
    }

    private Serialization serialization(ClusterSettings s) {
        String name = s.serialization().orElseThrow();
        List<Class<?>> types = s.messageTypes().orElse(List.of());
        String key = name + types;
        return serializations.computeIfAbsent(key, k -> ServiceLookup.serialization(name)
                .create(new SerializationOptions(types, SerializationOptions.DEFAULT_MAX_NESTING_DEPTH)));
    }

    private synchronized IpcServer server(ClusterSettings s) {
        if (server == null) {
            try {
                server = IpcServer.open(new ChannelConfig(s.maxFrameBytes().orElseThrow(), s.sendHighWaterMark().orElseThrow()));
            } catch (IOException e) {
                throw new UncheckedIOException("Could not open the primary's IPC socket: " + e.getMessage()
                        + ". Check that $XDG_RUNTIME_DIR or java.io.tmpdir is writable.", e);
            }
            server.start(this::accepted);
            // Each worker's id claim goes when the worker does (gone); the rest at exit, by a hook. Hooks
            // run concurrently, and a program's own may still be disconnecting workers gracefully: that
            // needs no socket file (their channels are open), but a worker forked just before and still
            // connecting does, so the hook waits for those first, within a deadline. Not deleteOnExit
            // alone: it removes only an empty directory, and a hook that halts (a supervisor setting its
            // exit code) skips it.
            server.directory().toFile().deleteOnExit();
            server.socketPath().toFile().deleteOnExit();
            IpcServer opened = server;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAtExit(opened), "jcluster-ipc-cleanup"));
            Posix.signalNumber("SIGTERM"); // loads the signal table with the first fork, not on the first kill()
        }
        return server;
    }

    // ---- connections ----

    private void accepted(IpcChannel channel, PeerCredentials peer) {
        long ownUid = Posix.currentUid();
        if (peer.uid() != ownUid) {
            LOG.log(System.Logger.Level.WARNING, "jcluster: refused an IPC connection from pid " + peer.pid()
                    + " (uid " + peer.uid() + "): not this primary's user");
            channel.close();
            return;
        }
        Connection connection = new Connection(peer);
        channel.label("pid " + peer.pid());
        channel.start(connection);
        connection.deadline = timer.schedule(() -> {
            if (connection.owner == null) {
                connection.refuse(channel, "it did not introduce itself within " + HELLO_DEADLINE_SECONDS + " s");
            }
        }, HELLO_DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    /** One accepted channel: first it must prove which worker it is, then its frames go to that worker. */
    private final class Connection implements FrameHandler {
        private final PeerCredentials peer;
        volatile PrimaryWorker owner;
        volatile ScheduledFuture<?> deadline;
        private boolean refused;

        Connection(PeerCredentials peer) {
            this.peer = peer;
        }

        @Override
        public void onFrame(IpcChannel channel, int kind, ByteBuffer payload, Descriptor handle) {
            PrimaryWorker worker = owner;
            if (worker != null) {
                worker.receiveFrame(kind, payload, handle);
                return;
            }
            if (handle != null) {
                handle.close(); // nothing of the handshake carries one
            }
            if (refused) {
                return;
            }
            authenticate(channel, kind, payload);
        }

        private void authenticate(IpcChannel channel, int kind, ByteBuffer payload) {
            InternalMessage message;
            try {
                if (kind != FrameKind.INTERNAL) {
                    throw new ProtocolException("its first frame was not the worker introduction");
                }
                message = InternalMessage.decode(payload);
            } catch (ProtocolException e) {
                refuse(channel, e.getMessage());
                return;
            }
            if (!(message instanceof InternalMessage.Hello hello)) {
                refuse(channel, "its first message was " + message + ", not the worker introduction");
                return;
            }
            PrimaryWorker worker = live.get(hello.workerId());
            if (worker == null || worker.pid() != peer.pid()) {
                refuse(channel, "pid " + peer.pid() + " is not the process of worker " + hello.workerId());
                return;
            }
            if (!MessageDigest.isEqual(worker.secret().getBytes(StandardCharsets.US_ASCII),
                    hello.secret().getBytes(StandardCharsets.US_ASCII))) {
                refuse(channel, "it did not know worker " + hello.workerId() + "'s secret");
                return;
            }
            if (worker.hasChannel() || worker.isDead()) {
                refuse(channel, "worker " + hello.workerId() + " is already connected or gone");
                return;
            }
            ScheduledFuture<?> d = deadline;
            if (d != null) {
                d.cancel(false);
            }
            channel.label("worker " + worker.id());
            owner = worker;
            worker.attach(channel);
        }

        void refuse(IpcChannel channel, String why) {
            refused = true;
            LOG.log(System.Logger.Level.WARNING, "jcluster: refused an IPC connection from pid " + peer.pid() + ": " + why);
            channel.close();
        }

        @Override
        public void onBatchEnd(IpcChannel channel) {
            events.runPendingHere();
        }

        @Override
        public void onClose(IpcChannel channel, Throwable cause) {
            ScheduledFuture<?> d = deadline;
            if (d != null) {
                d.cancel(false);
            }
            PrimaryWorker worker = owner;
            if (worker != null) {
                worker.onChannelClosed(cause);
                events.runPendingHere();
            }
        }
    }

    // ---- leaving ----

    /** Event thread: the worker has both disconnected and exited; it leaves workers() now. */
    void remove(PrimaryWorker worker) {
        live.remove(worker.id(), worker);
    }

    /** Event thread: after the worker's last event. */
    void gone(PrimaryWorker worker) {
        forgetClaim(worker.id());
        List<Runnable> ready = new ArrayList<>();
        synchronized (disconnectWaiters) {
            disconnectWaiters.removeIf(w -> {
                w.remaining.remove(worker.id());
                if (w.remaining.isEmpty()) {
                    ready.add(w.callback);
                    return true;
                }
                return false;
            });
        }
        ready.forEach(Runnable::run);
        events.releaseJvm();
    }

    /** Shutdown hook: closes the IPC server (its socket, claims and directory go) once no worker is connecting. */
    private void closeAtExit(IpcServer opened) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CONNECTING_AT_EXIT_SECONDS);
        while (live.values().stream().anyMatch(w -> w.state() == WorkerState.NONE && !w.isDead())
                && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        opened.close();
    }

    /** Deletes the file in which a worker claimed its id (WorkerEnvironment.claimId), now it is gone. */
    private void forgetClaim(int workerId) {
        IpcServer opened;
        synchronized (this) {
            opened = server;
        }
        if (opened != null) {
            try {
                Files.deleteIfExists(WorkerEnvironment.claimFile(opened.socketPath(), workerId));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "jcluster: cannot delete worker " + workerId + "'s id claim: " + e);
            }
        }
    }

    @Override
    public void disconnect(Runnable callback) {
        Set<Integer> ids = new HashSet<>(live.keySet());
        DisconnectWaiter waiter = new DisconnectWaiter(ids, callback == null ? () -> { } : callback);
        synchronized (disconnectWaiters) {
            disconnectWaiters.add(waiter);
        }
        for (PrimaryWorker worker : live.values()) {
            if (worker.isConnected()) {
                worker.disconnect();
            }
        }
        // Always asynchronous (also with no workers); catches workers that left before the waiter existed.
        events.execute(() -> {
            boolean done;
            synchronized (disconnectWaiters) {
                waiter.remaining.retainAll(live.keySet());
                done = waiter.remaining.isEmpty() && disconnectWaiters.remove(waiter);
            }
            if (done) {
                waiter.callback.run();
            }
        });
    }

    // ---- events ----

    @Override
    public <L> Registration on(ClusterEvent<L> event, L listener) {
        return listeners.add(event, listener, false);
    }

    @Override
    public <L> Registration once(ClusterEvent<L> event, L listener) {
        return listeners.add(event, listener, true);
    }

    <L> void emit(ClusterEvent<L> event, Consumer<L> call) {
        listeners.emit(event, call);
    }

    boolean hasListeners(ClusterEvent<?> event) {
        return listeners.hasListeners(event);
    }

    @Override
    public String toString() {
        return "PrimaryCluster[workers=" + live.keySet().stream().map(String::valueOf).collect(Collectors.joining(",")) + "]";
    }
}
