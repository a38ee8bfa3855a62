package org.jcluster.core.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.SelectableChannel;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.jcluster.api.Registration;
import org.jcluster.api.SendCallback;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.api.WorkerState;
import org.jcluster.api.spi.Serialization;
import org.jcluster.core.internal.events.EventLoop;
import org.jcluster.core.internal.events.EventRegistry;
import org.jcluster.core.internal.protocol.FrameKind;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.protocol.ProtocolException;
import org.jcluster.core.internal.transport.Descriptor;
import org.jcluster.core.internal.transport.IpcChannel;
import org.jcluster.core.internal.transport.WriteCallback;

/**
 * What the primary's view of a worker and a worker's view of itself share: identity, state, listeners,
 * messages held until a listener exists, and how send errors are reported.
 *
 * <p>Threads: state fields are volatile and written on the event thread (or, for the few flags a
 * caller sets, by that caller before anything depends on them); listeners run on the event thread.
 */
public abstract class AbstractWorker implements Worker {
    private static final int MAX_HELD_MESSAGES = 100_000;
    private static final System.Logger LOG = System.getLogger("org.jcluster");

    protected final int id;
    protected final EventLoop events;
    protected final EventRegistry listeners;
    protected final Serialization serialization;
    private final int maxFrameBytes;
    protected volatile WorkerState state = WorkerState.NONE;
    protected volatile Boolean exitedAfterDisconnect;
    /** The signal kill() sent, by its usual name; null until it sent one. */
    protected volatile String killedWith;

    /** User messages this end sent (any thread) and received (the reading thread), for stats. */
    private final AtomicLong messagesSent = new AtomicLong();
    private volatile long messagesReceived;

    /** Messages that arrived while nobody listened; touched on the event thread only. */
    private final ArrayDeque<Object> held = new ArrayDeque<>();

    /** Reports a failed write of a send() that had no callback; one instance, reused by every send. */
    protected final WriteCallback reportWriteErrors = error -> {
        if (error != null) {
            emitErrorLater(error);
        }
    };

    protected AbstractWorker(int id, EventLoop events, Serialization serialization, int maxFrameBytes) {
        this.id = id;
        this.events = events;
        this.listeners = new EventRegistry(WorkerEvent.MESSAGE, () -> events.execute(this::releaseHeldMessages));
        this.serialization = serialization;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public WorkerState state() {
        return state;
    }

    @Override
    public Optional<Boolean> exitedAfterDisconnect() {
        return Optional.ofNullable(exitedAfterDisconnect);
    }

    @Override
    public Optional<String> killedWith() {
        return Optional.ofNullable(killedWith);
    }

    @Override
    public <L> Registration on(WorkerEvent<L> event, L listener) {
        return listeners.add(event, listener, false);
    }

    @Override
    public <L> Registration once(WorkerEvent<L> event, L listener) {
        return listeners.add(event, listener, true);
    }

    /** How error messages name the other end: "worker 3", or "the primary". */
    protected abstract String peerName();

    /**
     * Reader thread: an internal protocol message from the other end, with the descriptor that came with
     * it (null for none), which the method now owns.
     */
    protected abstract void onInternal(InternalMessage message, Descriptor handle);

    /** Reader thread: the other end broke the protocol; report {@code why} and close the channel. */
    protected abstract void protocolError(String why);

    /**
     * Reader thread: one frame from the other end. A user message is decoded here, where the frame's
     * memory is valid, and delivered through the event loop; anything unreadable closes the channel.
     */
    protected final void receive(int kind, ByteBuffer payload, Descriptor handle) {
        switch (kind) {
            case FrameKind.USER -> {
                Object message;
                try {
                    message = serialization.decode(payload);
                } catch (RuntimeException e) {
                    refuse(handle, peerName() + " sent a message that " + serialization.name()
                            + " serialization cannot read: " + e.getMessage());
                    return;
                }
                messagesReceived++; // one reading thread at a time
                if (handle != null) {
                    receiveHandle(message, handle);
                } else {
                    events.executeFromIo(() -> deliverMessage(message));
                }
            }
            case FrameKind.INTERNAL -> {
                InternalMessage message;
                try {
                    message = InternalMessage.decode(payload);
                } catch (ProtocolException e) {
                    refuse(handle, peerName() + " broke the protocol: " + e.getMessage());
                    return;
                }
                onInternal(message, handle);
            }
            default -> refuse(handle, peerName() + " sent a frame of unknown kind " + kind);
        }
    }

    /** Reader thread: a frame this end cannot take; what came with it is closed. */
    private void refuse(Descriptor handle, String why) {
        if (handle != null) {
            handle.close();
        }
        protocolError(why);
    }

    /** Reader thread: a user message that came with a channel (Node's send(message, handle)). */
    private void receiveHandle(Object message, Descriptor received) {
        Channel handle;
        try {
            handle = received.toChannel(SelectableChannel.class); // closes it when it cannot make a channel of it
        } catch (RuntimeException e) {
            emitErrorLater(new IOException(peerName() + " sent a message with a channel that this JVM cannot"
                    + " take: " + e.getMessage(), e));
            return;
        }
        events.executeFromIo(() -> deliverHandle(message, handle));
    }

    /** On the event thread: a message with a channel goes to the handle listeners, or the channel is closed. */
    private void deliverHandle(Object message, Channel handle) {
        boolean heard = listeners.hasListeners(WorkerEvent.HANDLE) || clusterHasHandleListeners();
        if (!heard) {
            LOG.log(System.Logger.Level.WARNING, "jcluster: worker " + id + ": a message came with a "
                    + handle.getClass().getSimpleName() + " and nobody listens to the 'handle' event; the channel was"
                    + " closed (add a HANDLE listener before the other side sends one)");
            try {
                handle.close();
            } catch (IOException ignored) {
                // closing a channel nobody used: nothing to report
            }
            return;
        }
        listeners.<BiConsumer<Object, Channel>>emit(WorkerEvent.HANDLE,
                l -> l.accept(message, handle));
        emitClusterHandle(message, handle);
    }

    /** The cluster-level handle listeners count too (primary only). */
    protected boolean clusterHasHandleListeners() {
        return false;
    }

    /** Emits a cluster-level handle event after the worker's own (primary only). */
    protected void emitClusterHandle(Object message, Channel handle) {
    }

    /** Why a send fails now the channel is closed, as the send's error says it. */
    protected abstract String disconnectedReason();

    @Override
    public final boolean send(Object message, SendCallback callback) {
        byte[] payload = encode(message); // a message that cannot travel fails whatever the channel's state
        if (!isConnected()) {
            throw notConnected();
        }
        messagesSent.incrementAndGet();
        return transmitMessage(payload, callbackOnEventThread(callback));
    }

    /** Sends a user message frame without a descriptor: every message's path, kept short. */
    protected abstract boolean transmitMessage(byte[] payload, WriteCallback callback);

    @Override
    public final boolean send(Object message, Channel handle, boolean keepOpen,
            SendCallback callback) {
        if (!isConnected()) {
            encode(message); // a message that cannot travel fails as it would on a live channel
            throw notConnected();
        }
        return sendWithHandle(message, handle, keepOpen, callback);
    }

    /**
     * Sends a user message with a channel: a duplicate of the channel's descriptor travels (the channel
     * closes it once written), and the user's channel is closed after the write unless kept open.
     */
    private boolean sendWithHandle(Object message, Channel handle,
            boolean keepOpen, SendCallback callback) {
        Objects.requireNonNull(handle, "handle");
        if (!handle.isOpen()) {
            throw new IllegalArgumentException("the channel to send with the message is closed");
        }
        byte[] payload = encode(message);
        Descriptor copy;
        try {
            copy = Descriptor.duplicateOf(handle); // refuses kinds of channel that cannot travel
        } catch (IOException e) {
            throw new IllegalStateException("cannot duplicate the channel's descriptor: " + e.getMessage(), e);
        }
        WriteCallback userCallback = callbackOnEventThread(callback);
        WriteCallback then = keepOpen ? userCallback : error -> {
            try {
                handle.close();
            } catch (IOException ignored) {
                // the copy travelled (or failed to); the sender's channel is done with either way
            }
            userCallback.written(error);
        };
        messagesSent.incrementAndGet();
        return transmit(FrameKind.USER, payload, copy, then);
    }

    protected final long messagesSent() {
        return messagesSent.get();
    }

    protected final long messagesReceived() {
        return messagesReceived;
    }

    /**
     * Sends a frame carrying {@code handle}, spent by the call (closed once written, or on failure).
     * Fails through {@code callback} when the channel is closed.
     */
    protected abstract boolean transmit(int kind, byte[] payload, Descriptor handle, WriteCallback callback);

    /** The cluster-level message listeners count as listeners too (primary only). */
    protected boolean clusterHasMessageListeners() {
        return false;
    }

    /** Emits a cluster-level message event after the worker's own (primary only). */
    protected void emitClusterMessage(Object message) {
    }

    /** On the event thread: delivers a message, or holds it while nobody listens. */
    public final void deliverMessage(Object message) {
        if (!hasMessageListeners()) {
            if (held.size() == MAX_HELD_MESSAGES) {
                LOG.log(System.Logger.Level.WARNING, "jcluster: worker " + id + ": " + MAX_HELD_MESSAGES
                        + " messages arrived with no message listener; dropping the oldest");
                held.poll();
            }
            held.add(message);
            return;
        }
        releaseHeldMessages();
        dispatchMessage(message);
    }

    /** On the event thread: hands held messages to listeners that now exist, oldest first. */
    public final void releaseHeldMessages() {
        while (!held.isEmpty() && hasMessageListeners()) {
            dispatchMessage(held.poll());
        }
    }

    private boolean hasMessageListeners() {
        return listeners.hasListeners(WorkerEvent.MESSAGE) || clusterHasMessageListeners();
    }

    private void dispatchMessage(Object message) {
        listeners.<Consumer<Object>>emit(WorkerEvent.MESSAGE, l -> l.accept(message));
        emitClusterMessage(message);
    }

    /** Reports an error on the event thread, as Node's worker 'error' event. */
    public final void emitErrorLater(Throwable error) {
        events.execute(() -> emitError(error));
    }

    /** On the event thread. */
    protected final void emitError(Throwable error) {
        if (!listeners.hasListeners(WorkerEvent.ERROR)) {
            LOG.log(System.Logger.Level.WARNING, "jcluster: worker " + id + ": " + describe(error)
                    + " (add a WorkerEvent.ERROR listener to handle this)", error);
            return;
        }
        listeners.<Consumer<Throwable>>emit(WorkerEvent.ERROR, l -> l.accept(error));
    }

    /** A one-line account of an error, also for exceptions that carry their story only in their cause. */
    static String describe(Throwable error) {
        String text = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        Throwable cause = error.getCause();
        return cause != null && cause.getMessage() != null ? text + ": " + cause.getMessage() : text;
    }

    /**
     * A send() on a channel that is already closed fails at once (Node reports it later, through the
     * callback): so that {@code false} only ever means back-pressure, and no callback waits on a closed
     * channel. A channel that closes after send() returned reports through the callback or ERROR.
     */
    protected final IllegalStateException notConnected() {
        return new IllegalStateException(disconnectedReason() + ": the message was not sent (isConnected() is false;"
                + " a DISCONNECT listener tells when that happens)");
    }

    /**
     * Sends a frame. From a running event it is only queued, and written with the run's other sends
     * when the run ends (one sendmsg for a whole batch of answers).
     */
    protected final boolean write(IpcChannel channel, int kind, byte[] payload, WriteCallback callback) {
        if (events.isRunnerThread()) {
            boolean belowHighWater = channel.sendDeferred(kind, payload, callback);
            events.deferFlush(channel);
            return belowHighWater;
        }
        return channel.send(kind, payload, null, callback);
    }

    /** A write callback that runs the user's callback on the event thread. */
    protected final WriteCallback callbackOnEventThread(SendCallback callback) {
        if (callback == null) {
            return reportWriteErrors;
        }
        return error -> events.execute(() -> callback.done(error));
    }

    /**
     * Encodes a user message on the caller's thread, so that an unsupported value or an oversized
     * message fails its own send() instead of the channel.
     */
    protected final byte[] encode(Object message) {
        byte[] payload = serialization.encode(message);
        if (payload.length >= maxFrameBytes) {
            throw new IllegalArgumentException("The message is " + payload.length + " bytes once encoded by "
                    + serialization.name() + ", over the limit of " + maxFrameBytes
                    + " bytes; raise ClusterSettings.maxFrameBytes (in the primary's settings) or send it in parts");
        }
        return payload;
    }

    /** Whether an internal message's encoded payload fits in a frame. */
    protected final boolean fitsInAFrame(byte[] encodedInternal) {
        return encodedInternal.length < maxFrameBytes;
    }

    /** Emits a worker-level event (on the event thread). */
    protected final <L> void emit(WorkerEvent<L> event, Consumer<L> call) {
        listeners.emit(event, call);
    }

    @Override
    public String toString() {
        return "Worker[id=" + id + ", state=" + state + "]";
    }
}
