package org.jcluster.core.internal.primary;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import org.jcluster.api.AddressType;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ExitStatus;
import org.jcluster.api.HandleListener;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.api.WorkerHealth;
import org.jcluster.api.WorkerStats;
import org.jcluster.api.WorkerState;
import org.jcluster.api.spi.Serialization;
import org.jcluster.core.internal.AbstractWorker;
import org.jcluster.core.internal.protocol.FrameKind;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.protocol.ProtocolException;
import org.jcluster.core.internal.transport.Descriptor;
import org.jcluster.core.internal.transport.IpcChannel;
import org.jcluster.core.internal.transport.Posix;
import org.jcluster.core.internal.transport.WriteCallback;

/**
 * The primary's handle on one worker JVM.
 *
 * <p>Life: forked (no channel yet; sends are queued) -> the worker connects and proves who it is
 * (channel attached, 'online') -> 'disconnect' when the channel closes and 'exit' when the process
 * ends, each exactly once and in either order; the worker leaves {@code workers()} just before the
 * second of the two is emitted.
 */
final class PrimaryWorker extends AbstractWorker implements ServerPeer {
    private static final System.Logger LOG = System.getLogger("org.jcluster");

    private final PrimaryCluster cluster;
    private final Process process;
    private final String secret;
    private final int highWaterMark;
    /** For the uptime in stats and the JFR events. */
    private final long forkedAtNanos = System.nanoTime();

    /** Null until the worker connects; then never changes. */
    private volatile IpcChannel channel;
    /** Frames sent before the worker connected, in order; guarded by this. */
    private final List<Pending> pending = new ArrayList<>();
    private long pendingBytes;
    /** Set once the pending frames failed: a frame sent later to this never-connected worker fails at once. */
    private boolean pendingFailed;

    private volatile boolean connected = true;
    private volatile boolean dead;
    /** What the worker's shutdown hook said; see ExitStatuses. */
    private volatile String toldSignal;

    // Event thread only.
    private boolean disconnectEmitted;
    private boolean exitEmitted;
    private boolean readyEmitted;

    /** Counted by the dispatchers of every rr server the worker listens on, each on its own thread. */
    private final AtomicLong connectionsDealt = new AtomicLong();
    private final AtomicLong connectionsRefused = new AtomicLong();

    private final OpenRequests requests;

    private record Pending(int kind, byte[] payload, Descriptor handle, WriteCallback callback) { }

    PrimaryWorker(PrimaryCluster cluster, int id, Process process, String secret, Serialization serialization,
            int highWaterMark, int maxFrameBytes) {
        super(id, cluster.events(), serialization, maxFrameBytes);
        this.cluster = cluster;
        this.process = process;
        this.secret = secret;
        this.highWaterMark = highWaterMark;
        this.requests = new OpenRequests(cluster.events());
    }

    String secret() {
        return secret;
    }

    boolean hasChannel() {
        return channel != null;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public Optional<Process> process() {
        return Optional.of(process);
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public boolean isDead() {
        return dead;
    }

    @Override
    protected boolean transmitMessage(byte[] payload, WriteCallback callback) {
        return sendFrame(FrameKind.USER, payload, null, callback);
    }

    @Override
    protected String disconnectedReason() {
        return "worker " + id + " is disconnected";
    }

    @Override
    protected boolean transmit(int kind, byte[] payload, Descriptor handle, WriteCallback callback) {
        return sendFrame(kind, payload, handle, callback);
    }

    @Override
    public Worker worker() {
        return this;
    }

    private final WriteCallback logInternalLoss = error -> {
        if (error != null) {
            LOG.log(System.Logger.Level.DEBUG, "jcluster: worker " + id + ": internal message lost: " + error);
        }
    };

    void sendInternal(InternalMessage message) {
        sendFrame(FrameKind.INTERNAL, InternalMessage.encode(message), null, logInternalLoss);
    }

    @Override
    public void sendInternal(InternalMessage message, Descriptor handle) {
        sendFrame(FrameKind.INTERNAL, InternalMessage.encode(message), handle, logInternalLoss);
    }

    private boolean sendFrame(int kind, byte[] payload, Descriptor handle, WriteCallback callback) {
        IpcChannel c = channel;
        if (c == null) {
            synchronized (this) {
                c = channel;
                if (c == null && !pendingFailed) {
                    // Node rule 25: a message sent before 'online' is still delivered.
                    pending.add(new Pending(kind, payload, handle, callback));
                    pendingBytes += payload.length;
                    return pendingBytes < highWaterMark;
                }
            }
            if (c == null) {
                fail(new Pending(kind, payload, handle, callback));
                return false;
            }
        }
        if (handle != null) {
            return c.send(kind, payload, handle, callback);
        }
        return write(c, kind, payload, callback);
    }

    /** The worker proved who it is: queued frames go first, then the channel is live for everyone. */
    void attach(IpcChannel c) {
        synchronized (this) {
            if (pendingFailed) {
                c.close(); // it exited meanwhile, and its 'disconnect' was emitted: too late to come online
                return;
            }
            for (Pending p : pending) {
                c.send(p.kind(), p.payload(), p.handle(), p.callback());
            }
            pending.clear();
            pendingBytes = 0;
            channel = c;
        }
        events.execute(() -> {
            if (state == WorkerState.NONE) {
                state = WorkerState.ONLINE;
            }
            JfrEvents.WorkerOnline.record(id, pid(), forkedAtNanos);
            emit(WorkerEvent.ONLINE, Runnable::run);
            cluster.emit(ClusterEvent.ONLINE, (Consumer<Worker> l) -> l.accept(this));
        });
    }

    @Override
    public Worker disconnect() {
        exitedAfterDisconnect = true;
        if (connected && !dead) {
            sendInternal(new InternalMessage.Disconnect());
        }
        return this;
    }

    @Override
    public void kill(String signal) {
        int number = Posix.signalNumber(signal); // refuses an unknown name even when the worker is already gone
        // trySignal is false when it exited meanwhile: nothing to do, nothing killed
        if (!dead && process.isAlive() && Posix.trySignal(process.pid(), signal) && killedWith == null) {
            killedWith = Posix.signalName(number).orElse(signal);
        }
    }

    @Override
    public CompletableFuture<WorkerHealth> ping(Duration timeout) {
        long sent = System.nanoTime();
        return request(timeout, seq -> new InternalMessage.Ping(seq, true), "a ping").thenApply(a -> {
            InternalMessage.Health h = answerOf(a, InternalMessage.Health.class, "a ping");
            OptionalLong afterGc = h.heapUsedAfterGc() < 0 ? OptionalLong.empty() : OptionalLong.of(h.heapUsedAfterGc());
            return new WorkerHealth(Duration.ofNanos(a.arrivedNanos() - sent), h.heapUsed(), afterGc,
                    Duration.ofMillis(h.gcMillis()), h.connections(), h.connectionsByServer());
        });
    }

    @Override
    public CompletableFuture<Object> ask(String topic, Duration timeout) {
        Objects.requireNonNull(topic, "topic");
        return request(timeout, seq -> new InternalMessage.Ask(seq, topic), "'" + topic + "'").thenApply(a -> {
            InternalMessage.Answer answer = answerOf(a, InternalMessage.Answer.class, "'" + topic + "'");
            if (!answer.error().isEmpty()) {
                throw new CompletionException(new IllegalStateException(answer.error()));
            }
            return serialization.decode(ByteBuffer.wrap(answer.payload()));
        });
    }

    /** The answer, if the worker answered with the kind of message the request asked for. */
    private <M extends InternalMessage> M answerOf(OpenRequests.Answer a, Class<M> kind, String what) {
        if (!kind.isInstance(a.message())) {
            throw new CompletionException(new IllegalStateException("worker " + id + " answered " + what + " with "
                    + a.message().getClass().getSimpleName() + " instead of " + kind.getSimpleName()));
        }
        return kind.cast(a.message());
    }

    /** A request the worker answers from its event thread; completes on the primary's event thread. */
    private CompletableFuture<OpenRequests.Answer> request(Duration timeout, IntFunction<InternalMessage> message,
            String what) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout of " + what + " must be positive, not " + timeout);
        }
        if (!connected) {
            return CompletableFuture.failedFuture(new IllegalStateException(disconnectedReason()));
        }
        CompletableFuture<OpenRequests.Answer> answer = requests.send(timeout, message, this::sendInternal,
                ms -> "worker " + id + " (pid " + pid() + ") did not answer " + what + " within " + ms
                        + " ms: its event thread is busy or blocked");
        if (!connected) {
            failRequests(); // disconnected meanwhile: onDisconnected may already have failed the others
        }
        return answer;
    }

    private void failRequests() {
        requests.failAll(disconnectedReason() + ": it did not answer");
    }

    @Override
    public void connectionDealt() {
        connectionsDealt.incrementAndGet();
    }

    @Override
    public void connectionRefused() {
        connectionsRefused.incrementAndGet();
    }

    @Override
    public CompletableFuture<WorkerStats> stats(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout of stats must be positive, not " + timeout);
        }
        CompletableFuture<Optional<WorkerHealth>> health = connected && !dead
                ? ping(timeout).thenApply(Optional::of).exceptionally(notAnswered -> Optional.empty())
                : CompletableFuture.completedFuture(Optional.empty());
        return health.thenApply(answer -> {
            IpcChannel c = channel;
            Optional<ProcessHandle.Info> info = dead ? Optional.empty() : ProcessHandle.of(pid()).map(ProcessHandle::info);
            return new WorkerStats(id, pid(), state, Duration.ofNanos(System.nanoTime() - forkedAtNanos),
                    messagesSent(), messagesReceived(), c == null ? 0 : c.bytesSent(), c == null ? 0 : c.bytesReceived(),
                    c == null ? pendingBytes() : c.backlogBytes(), connectionsDealt.get(), connectionsRefused.get(),
                    dead ? OptionalLong.empty() : ProcessMemory.residentBytes(pid()),
                    info.flatMap(ProcessHandle.Info::totalCpuDuration), answer);
        });
    }

    private synchronized long pendingBytes() {
        return pendingBytes;
    }

    void closeChannelAbruptly() {
        IpcChannel c = channel;
        if (c != null) {
            c.close();
        }
    }

    // ---- reader thread ----

    /** Reader thread: a frame on this worker's channel (the connection handler forwards it). */
    void receiveFrame(int kind, ByteBuffer payload, Descriptor handle) {
        receive(kind, payload, handle);
    }

    @Override
    protected String peerName() {
        return "worker " + id;
    }

    @Override
    protected void onInternal(InternalMessage message, Descriptor handle) {
        if (handle != null) {
            handle.close();
            protocolError("worker " + id + " sent a descriptor with an internal message, which no message of the"
                    + " protocol carries in this direction");
            return;
        }
        if (message instanceof InternalMessage.QueryServer m) {
            cluster.servers().onQuery(this, m);
        } else if (message instanceof InternalMessage.ConnectionAck m) {
            cluster.servers().onConnectionAck(this, m);
        } else if (message instanceof InternalMessage.Listening m) {
            cluster.servers().onListening(this, m.handleId());
            ListenAddress address = new ListenAddress(m.address(), m.port(),
                    AddressType.valueOf(m.addressType()));
            events.executeFromIo(() -> {
                if (state == WorkerState.ONLINE) {
                    state = WorkerState.LISTENING;
                }
                emit(WorkerEvent.LISTENING, (Consumer<ListenAddress> l) -> l.accept(address));
                cluster.emit(ClusterEvent.LISTENING,
                        (BiConsumer<Worker, ListenAddress> l) -> l.accept(this, address));
            });
        } else if (message instanceof InternalMessage.CloseServer m) {
            cluster.servers().onClose(this, m.handleId());
            sendInternal(new InternalMessage.Ack(m.seq()));
        } else if (message instanceof InternalMessage.ExitedAfterDisconnect m) {
            events.executeFromIo(() -> {
                exitedAfterDisconnect = true;
                sendInternal(new InternalMessage.Ack(m.seq()));
            });
        } else if (message instanceof InternalMessage.Health m) {
            requests.answered(m.seq(), m);
        } else if (message instanceof InternalMessage.Answer m) {
            requests.answered(m.seq(), m);
        } else if (message instanceof InternalMessage.Ready) {
            events.executeFromIo(() -> {
                if (!readyEmitted && !disconnectEmitted) {
                    readyEmitted = true;
                    emit(WorkerEvent.READY, Runnable::run);
                    cluster.emit(ClusterEvent.READY, (Consumer<Worker> l) -> l.accept(this));
                }
            });
        } else if (message instanceof InternalMessage.Exiting m) {
            toldSignal = m.signal();
        } else {
            protocolError("worker " + id + " sent an internal message the primary does not expect: " + message);
        }
    }

    /** A bad frame closes this worker's channel and nothing else. */
    @Override
    protected void protocolError(String why) {
        LOG.log(System.Logger.Level.WARNING, "jcluster: " + why + "; closing its channel");
        emitErrorLater(new ProtocolException(why + "; its channel was closed"));
        IpcChannel c = channel;
        if (c != null) {
            c.close();
        }
    }

    void onChannelClosed(Throwable cause) {
        connected = false; // no more hand-offs to it from here on
        cluster.servers().workerGone(this);
        events.executeFromIo(() -> {
            if (cause != null) {
                emitError(new IOException("worker " + id + "'s IPC channel failed: " + cause.getMessage(), cause));
            }
            onDisconnected();
        });
    }

    // ---- event thread ----

    private void onDisconnected() {
        if (disconnectEmitted) {
            return;
        }
        disconnectEmitted = true;
        connected = false;
        failPendingFrames();
        failRequests();
        if (exitedAfterDisconnect == null) {
            exitedAfterDisconnect = false;
        }
        if (state != WorkerState.DEAD) {
            state = WorkerState.DISCONNECTED;
        }
        boolean last = exitEmitted;
        if (last) {
            cluster.remove(this);
        }
        emit(WorkerEvent.DISCONNECT, Runnable::run);
        cluster.emit(ClusterEvent.DISCONNECT, (Consumer<Worker> l) -> l.accept(this));
        if (last) {
            cluster.gone(this);
        }
    }

    void onExited(int exitValue) {
        if (exitEmitted) {
            return;
        }
        if (channel == null) {
            // It never connected: its channel ends with it, as a child's IPC pipe does in Node.
            onDisconnected();
        }
        exitEmitted = true;
        dead = true;
        state = WorkerState.DEAD;
        if (exitedAfterDisconnect == null) {
            exitedAfterDisconnect = false;
        }
        ExitStatus status = ExitStatuses.of(exitValue, toldSignal);
        JfrEvents.WorkerExit.record(this, status, forkedAtNanos);
        boolean last = disconnectEmitted;
        if (last) {
            cluster.remove(this);
        }
        emit(WorkerEvent.EXIT, (Consumer<ExitStatus> l) -> l.accept(status));
        cluster.emit(ClusterEvent.EXIT, (BiConsumer<Worker, ExitStatus> l) -> l.accept(this, status));
        if (last) {
            cluster.gone(this);
        }
    }

    private void failPendingFrames() {
        List<Pending> lost;
        synchronized (this) {
            lost = new ArrayList<>(pending);
            pending.clear();
            pendingBytes = 0;
            pendingFailed = true;
        }
        lost.forEach(PrimaryWorker::fail);
    }

    private static void fail(Pending frame) {
        if (frame.handle() != null) {
            frame.handle().close();
        }
        frame.callback().written(new ClosedChannelException());
    }

    @Override
    protected boolean clusterHasHandleListeners() {
        return cluster.hasListeners(ClusterEvent.HANDLE);
    }

    @Override
    protected void emitClusterHandle(Object message, Channel handle) {
        cluster.emit(ClusterEvent.HANDLE, (HandleListener l) -> l.onHandle(this, message, handle));
    }

    @Override
    protected boolean clusterHasMessageListeners() {
        return cluster.hasListeners(ClusterEvent.MESSAGE);
    }

    @Override
    protected void emitClusterMessage(Object message) {
        cluster.emit(ClusterEvent.MESSAGE, (BiConsumer<Worker, Object> l) -> l.accept(this, message));
    }
}
