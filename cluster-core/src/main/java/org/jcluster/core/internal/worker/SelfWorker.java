package org.jcluster.core.internal.worker;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jcluster.api.SendCallback;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.api.WorkerState;
import org.jcluster.api.spi.Serialization;
import org.jcluster.core.internal.AbstractWorker;
import org.jcluster.core.internal.events.EventLoop;
import org.jcluster.core.internal.events.KeepAlive;
import org.jcluster.core.internal.ipc.FrameHandler;
import org.jcluster.core.internal.ipc.IpcChannel;
import org.jcluster.core.internal.ipc.WriteCallback;
import org.jcluster.core.internal.nativeio.Posix;
import org.jcluster.core.internal.protocol.FrameKind;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.protocol.ProtocolException;
import org.jcluster.core.internal.servers.PrimaryLink;
import org.jcluster.core.internal.servers.WorkerServers;

/**
 * A worker's view of itself: its channel to the primary, and the disconnect and kill handshakes.
 *
 * <p>An orderly disconnect (asked by the primary, or by this worker and acknowledged) closes the
 * channel and leaves the JVM to end when nothing else keeps it alive (Node rule 16). A channel that
 * closes without one (the primary died, the channel was cut) ends the JVM at once with code 0 (rule 17).
 */
final class SelfWorker extends AbstractWorker implements PrimaryLink {
    private static final System.Logger LOG = System.getLogger("org.jcluster");

    private final IpcChannel channel;
    private final KeepAlive keepAlive;
    private final AtomicInteger seq = new AtomicInteger();
    private final Map<Integer, Runnable> awaitingAck = new ConcurrentHashMap<>();
    private final AtomicBoolean leaving = new AtomicBoolean();
    /** False from the moment the channel starts closing, as Node's process.connected. */
    private volatile boolean connected = true;
    /** Event thread only. */
    private boolean disconnectEmitted;
    /** Set by kill() from inside the worker: exit once the channel is closed. */
    private volatile boolean exitWhenDisconnected;
    private final WorkerServers servers = new WorkerServers(this);

    SelfWorker(int id, EventLoop events, Serialization serialization, int maxFrameBytes, IpcChannel channel,
            KeepAlive keepAlive) {
        super(id, events, serialization, maxFrameBytes);
        this.channel = channel;
        this.keepAlive = keepAlive;
        this.state = WorkerState.ONLINE;
    }

    WorkerServers servers() {
        return servers;
    }

    void keepAliveWhileConnected() {
        keepAlive.acquire();
    }

    @Override
    public long pid() {
        return ProcessHandle.current().pid();
    }

    @Override
    public Optional<Process> process() {
        return Optional.empty();
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public boolean isDead() {
        return false;
    }

    @Override
    public boolean send(Object message, SendCallback callback) {
        byte[] payload = encode(message);
        if (!connected) {
            return failSend(callback, disconnectedReason());
        }
        return write(channel, FrameKind.USER, payload, callbackOnEventThread(callback));
    }

    @Override
    protected String disconnectedReason() {
        return "worker " + id + " is disconnected from its primary";
    }

    @Override
    protected boolean transmit(int kind, byte[] payload, int fd, WriteCallback callback) {
        return channel.send(kind, payload, fd, callback);
    }

    // ---- PrimaryLink, for this worker's servers ----

    @Override
    public int nextSeq() {
        return seq.incrementAndGet();
    }

    @Override
    public void onAck(int sequence, Runnable then) {
        awaitingAck.put(sequence, then);
        if (!channel.isOpen() && awaitingAck.remove(sequence) != null) {
            then.run(); // closed meanwhile: no ack will come, and none is needed
        }
    }

    @Override
    public void sendInternal(InternalMessage message, int fd) {
        channel.send(FrameKind.INTERNAL, InternalMessage.encode(message), fd, null);
    }

    @Override
    public void reportError(Throwable error) {
        emitErrorLater(error);
    }

    /** Worker-initiated graceful disconnect: the primary must acknowledge first (Node rule 18). */
    @Override
    public Worker disconnect() {
        exitedAfterDisconnect = true;
        // Node rule 16: servers close (and their connections end) before the channel goes.
        servers.closeAll().whenComplete((ignored, error) -> leaveAfterAck());
        return this;
    }

    /** Inside a worker, kill() ends this worker: disconnect, then exit (Node's worker.destroy()). */
    @Override
    public void kill(String signal) {
        Posix.signalNumber(signal); // the same check of the name as in the primary
        exitedAfterDisconnect = true;
        exitWhenDisconnected = true;
        if (!connected) {
            System.exit(0);
        }
        leaveAfterAck();
    }

    private void leaveAfterAck() {
        if (!connected || !leaving.compareAndSet(false, true)) {
            return;
        }
        int n = seq.incrementAndGet();
        awaitingAck.put(n, closeChannelAction);
        channel.send(FrameKind.INTERNAL, InternalMessage.encode(new InternalMessage.ExitedAfterDisconnect(n)), -1,
                error -> {
                    if (error != null) {
                        channel.close();
                    }
                });
    }

    FrameHandler frameHandler() {
        return new FrameHandler() {
            @Override
            public void onFrame(IpcChannel ch, int kind, ByteBuffer payload, int fd) {
                receive(kind, payload, fd);
            }

            @Override
            public void onBatchEnd(IpcChannel ch) {
                events.runPendingHere();
            }

            @Override
            public void onClose(IpcChannel ch, Throwable cause) {
                servers.channelClosed();
                for (Integer pendingSeq : java.util.List.copyOf(awaitingAck.keySet())) {
                    Runnable then = awaitingAck.remove(pendingSeq);
                    if (then != null && then != closeChannelAction) {
                        then.run(); // no ack will come: what waited for one goes on
                    }
                }
                events.executeFromIo(() -> onDisconnected(cause));
                events.runPendingHere();
            }
        };
    }

    @Override
    protected String peerName() {
        return "the primary";
    }

    @Override
    protected void onInternal(InternalMessage message, int fd) {
        if (message instanceof InternalMessage.NewConnection m) {
            servers.onNewConnection(m, fd);
            return;
        }
        if (message instanceof InternalMessage.ServerReply m) {
            servers.onReply(m, fd);
            return;
        }
        if (fd >= 0) {
            Posix.closeQuietly(fd);
            protocolError("the primary sent a descriptor with " + message + ", which carries none");
            return;
        }
        if (message instanceof InternalMessage.Disconnect) {
            // Primary-initiated: no acknowledgement needed. Servers close first and are waited for (rule 16).
            exitedAfterDisconnect = true;
            leaving.set(true);
            servers.closeAll().whenComplete((ignored, error) -> closeChannel());
        } else if (message instanceof InternalMessage.Ack ack) {
            Runnable then = awaitingAck.remove(ack.seq());
            if (then != null) {
                then.run();
            }
        } else {
            protocolError("the primary sent an internal message a worker does not expect: " + message);
        }
    }

    private final Runnable closeChannelAction = this::closeChannel;

    private void closeChannel() {
        connected = false;
        channel.closeAfterFlush();
    }

    @Override
    protected void protocolError(String why) {
        LOG.log(System.Logger.Level.ERROR, "jcluster worker " + id + ": " + why + "; closing the channel");
        emitErrorLater(new ProtocolException(why));
        channel.close();
    }

    /** Event thread. */
    private void onDisconnected(Throwable cause) {
        if (disconnectEmitted) {
            return;
        }
        disconnectEmitted = true;
        if (cause != null) {
            emitError(new java.io.IOException("the channel to the primary failed: " + cause.getMessage(), cause));
        }
        connected = false;
        state = WorkerState.DISCONNECTED;
        emit(WorkerEvent.DISCONNECT, Runnable::run);
        if (exitWhenDisconnected || exitedAfterDisconnect == null) {
            // Killed from inside, or the primary vanished without a handshake: leave now (rule 17).
            System.exit(0);
        }
        keepAlive.release();
    }
}
