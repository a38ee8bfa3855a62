package org.jcluster.core.internal.worker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.jcluster.api.ListenAddress;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.api.WorkerState;
import org.jcluster.api.spi.Serialization;
import org.jcluster.core.internal.AbstractWorker;
import org.jcluster.core.internal.events.EventLoop;
import org.jcluster.core.internal.protocol.FrameKind;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.protocol.ProtocolException;
import org.jcluster.core.internal.servers.ConnectionsTaken;
import org.jcluster.core.internal.servers.PrimaryLink;
import org.jcluster.core.internal.servers.WorkerServers;
import org.jcluster.core.internal.transport.Descriptor;
import org.jcluster.core.internal.transport.FrameHandler;
import org.jcluster.core.internal.transport.IpcChannel;
import org.jcluster.core.internal.transport.Posix;
import org.jcluster.core.internal.transport.ProcessWatch;
import org.jcluster.core.internal.transport.WriteCallback;

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
    /** An orphaned worker's event thread has this long to deliver 'disconnect' and exit, */
    private static final long ORPHAN_EXIT_AFTER_MILLIS = 100;
    /** and its shutdown hooks end by this time after the primary was found gone, or the JVM halts. */
    private static final long ORPHAN_HALT_AFTER_MILLIS = 500;

    private final AtomicInteger seq = new AtomicInteger();
    private final Map<Integer, Runnable> awaitingAck = new ConcurrentHashMap<>();
    private final AtomicBoolean leaving = new AtomicBoolean();
    private final AtomicBoolean orphaned = new AtomicBoolean();
    /** False from the moment the channel starts closing, as Node's process.connected. */
    private volatile boolean connected = true;
    /** Event thread only. */
    private boolean disconnectEmitted;
    private final AtomicBoolean channelHoldsJvm = new AtomicBoolean(true);
    /** Set by kill() from inside the worker: exit once the channel is closed. */
    private volatile boolean exitWhenDisconnected;
    private final WorkerServers servers = new WorkerServers(this);

    SelfWorker(int id, EventLoop events, Serialization serialization, int maxFrameBytes, IpcChannel channel) {
        super(id, events, serialization, maxFrameBytes);
        this.channel = channel;
        this.state = WorkerState.ONLINE;
    }

    WorkerServers servers() {
        return servers;
    }

    void keepAliveWhileConnected() {
        events.holdJvm();
    }

    /** Ends keepAliveWhileConnected's hold early (unrefChannel) or at the disconnect, whichever comes first. */
    void unrefChannel() {
        if (channelHoldsJvm.compareAndSet(true, false)) {
            events.releaseJvm();
        }
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
    protected boolean transmitMessage(byte[] payload, WriteCallback callback) {
        return write(channel, FrameKind.USER, payload, callback);
    }

    @Override
    protected String disconnectedReason() {
        return "worker " + id + " is disconnected from its primary";
    }

    @Override
    protected boolean transmit(int kind, byte[] payload, Descriptor handle, WriteCallback callback) {
        return channel.send(kind, payload, handle, callback);
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
    public void beforeAwaitingAnswer(String forWhat) {
        channel.letAnotherThreadReadIfCurrent(forWhat);
    }

    @Override
    public void sendInternal(InternalMessage message, Descriptor handle) {
        channel.send(FrameKind.INTERNAL, InternalMessage.encode(message), handle, null);
    }

    private final AtomicBoolean readySignalled = new AtomicBoolean();

    void signalReady() {
        if (readySignalled.compareAndSet(false, true) && connected) {
            sendInternal(new InternalMessage.Ready(), null);
        }
    }

    /** What this worker answers for each topic the primary may ask (Cluster.answer). */
    private final Map<String, Supplier<?>> answers = new ConcurrentHashMap<>();

    Registration answer(String topic, Supplier<?> answer) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(answer, "answer");
        answers.put(topic, answer);
        return () -> answers.remove(topic, answer);
    }

    /** Event thread, as a ping's answer: the value, or why there is none; never silence, which would time out. */
    private void answerAsk(InternalMessage.Ask ask) {
        if (!connected) {
            return;
        }
        Supplier<?> answer = answers.get(ask.topic());
        String error = "";
        byte[] payload = new byte[0];
        if (answer == null) {
            error = "worker " + id + " answers nothing for '" + ask.topic() + "' (Cluster.answer registers an answer)";
        } else {
            try {
                payload = encode(answer.get()); // refuses a value over the frame limit, saying so
            } catch (RuntimeException | LinkageError e) { // LinkageError: an answer reading another loader's classes
                error = "worker " + id + "'s answer for '" + ask.topic() + "' failed: " + e;
            }
        }
        byte[] frame = InternalMessage.encode(new InternalMessage.Answer(ask.seq(), shortened(error), payload));
        if (!fitsInAFrame(frame)) {
            frame = InternalMessage.encode(new InternalMessage.Answer(ask.seq(), "worker " + id + "'s answer for '"
                    + ask.topic() + "' is " + payload.length + " bytes: no room for it in a frame", new byte[0]));
        }
        channel.send(FrameKind.INTERNAL, frame, null, null);
    }

    /** An error fits in writeUTF's 64 KiB, and a reader needs its start only. */
    private static String shortened(String error) {
        return error.length() <= 2000 ? error : error.substring(0, 2000) + "...";
    }

    /** Event thread: the answer to a ping, which waited behind every event queued before it. */
    private void answerPing(int pingSeq, Map<ListenAddress, Long> connectionsByServer) {
        if (connected) {
            sendInternal(new InternalMessage.Health(pingSeq, Vitals.heapUsed(), Vitals.heapUsedAfterGc(),
                    Vitals.gcMillis(), ConnectionsTaken.total(), connectionsByServer), null);
        }
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
        CompletionStage<Void> closed = servers.closeAll();
        announceDisconnecting(false);
        closed.whenComplete((ignored, error) -> leaveAfterAck());
        return this;
    }

    private final AtomicBoolean disconnectingAnnounced = new AtomicBoolean();

    /** Once the servers stopped taking connections: the program may now close its idle ones. */
    private void announceDisconnecting(boolean fromIo) {
        if (disconnectingAnnounced.compareAndSet(false, true)) {
            Runnable emit = () -> emit(WorkerEvent.DISCONNECTING, Runnable::run);
            if (fromIo) {
                events.executeFromIo(emit);
            } else {
                events.execute(emit);
            }
        }
    }

    /** Inside a worker, kill() ends this worker: disconnect, then exit (Node's worker.destroy()). */
    @Override
    public void kill(String signal) {
        int number = Posix.signalNumber(signal); // the same check of the name as in the primary
        if (killedWith == null) {
            killedWith = Posix.signalName(number).orElse(signal);
        }
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
        channel.send(FrameKind.INTERNAL, InternalMessage.encode(new InternalMessage.ExitedAfterDisconnect(n)), null,
                error -> {
                    if (error != null) {
                        channel.close();
                    }
                });
    }

    FrameHandler frameHandler() {
        return new FrameHandler() {
            @Override
            public void onFrame(IpcChannel ch, int kind, ByteBuffer payload, Descriptor handle) {
                receive(kind, payload, handle);
            }

            @Override
            public void onBatchEnd(IpcChannel ch) {
                events.runPendingHere();
            }

            @Override
            public void onClose(IpcChannel ch, Throwable cause) {
                servers.channelClosed();
                for (Integer pendingSeq : List.copyOf(awaitingAck.keySet())) {
                    Runnable then = awaitingAck.remove(pendingSeq);
                    if (then != null && then != closeChannelAction) {
                        then.run(); // no ack will come: what waited for one goes on
                    }
                }
                if (exitedAfterDisconnect == null) {
                    exitSoonAsAnOrphan("the channel to the primary closed");
                }
                events.executeFromIo(() -> onDisconnected(cause));
                events.runPendingHere();
            }
        };
    }

    /**
     * Watches the primary's process through a pidfd, so that an orphan leaves even when its channel's
     * reader cannot see the end of the channel (a listener holds that thread). Linux 5.3+; without
     * pidfds the reader's end-of-stream is the only sign, as before.
     */
    private static final int WATCH_POLL_MILLIS = 50;

    void watchThePrimary() {
        OptionalLong primaryPid = WorkerEnvironment.primaryPid();
        ProcessWatch primary;
        try {
            if (primaryPid.isEmpty()) {
                throw new IOException("no pid");
            }
            primary = ProcessWatch.of(primaryPid.getAsLong());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "jcluster worker " + id + ": cannot watch the primary's process ("
                    + e.getMessage() + "); its channel's end will tell");
            return;
        }
        Thread watch = new Thread(() -> {
            try (primary) {
                while (!primary.awaitExit(WATCH_POLL_MILLIS)) {
                    // the primary is alive; look again
                }
            }
            if (exitedAfterDisconnect == null) {
                exitSoonAsAnOrphan("the primary's process ended");
            }
        }, "jcluster-primary-watch");
        watch.setDaemon(true);
        watch.start();
    }

    /**
     * The primary is gone with no disconnect begun by either side, and this worker follows it (Node
     * rule 17). The event thread normally exits first, after the 'disconnect' event; this makes sure of
     * it when that thread is busy (a listener that computes or blocks) or shutdown hooks are slow, so a
     * worker never outlives its primary by much (a port, memory). Runs once, whoever notices first.
     */
    private void exitSoonAsAnOrphan(String why) {
        if (!orphaned.compareAndSet(false, true)) {
            return;
        }
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(ORPHAN_EXIT_AFTER_MILLIS);
                Thread exiting = new Thread(() -> System.exit(0), "jcluster-orphan-exit");
                exiting.setDaemon(true);
                exiting.start(); // System.exit blocks its caller for good: not this thread, which must halt
                Thread.sleep(ORPHAN_HALT_AFTER_MILLIS - ORPHAN_EXIT_AFTER_MILLIS);
            } catch (InterruptedException e) {
                // nothing interrupts this thread; halt anyway
            }
            LOG.log(System.Logger.Level.WARNING, "jcluster worker " + id + ": " + why + " and shutdown hooks still"
                    + " run " + ORPHAN_HALT_AFTER_MILLIS + " ms later; halting");
            Runtime.getRuntime().halt(0);
        }, "jcluster-orphan-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    @Override
    protected String peerName() {
        return "the primary";
    }

    @Override
    protected void onInternal(InternalMessage message, Descriptor handle) {
        if (message instanceof InternalMessage.NewConnection m) {
            servers.onNewConnection(m, handle);
            return;
        }
        if (message instanceof InternalMessage.ServerReply m) {
            servers.onReply(m, handle);
            return;
        }
        if (handle != null) {
            handle.close();
            protocolError("the primary sent a descriptor with " + message + ", which carries none");
            return;
        }
        if (message instanceof InternalMessage.Disconnect) {
            // Primary-initiated: no acknowledgement needed. Servers close first and are waited for (rule 16).
            exitedAfterDisconnect = true;
            leaving.set(true);
            CompletionStage<Void> closed = servers.closeAll();
            announceDisconnecting(true);
            closed.whenComplete((ignored, error) -> closeChannelAfterQueuedEvents());
        } else if (message instanceof InternalMessage.Ping ping) {
            // Counted now: a disconnect read next closes the servers before the event thread answers.
            Map<ListenAddress, Long> byServer = ping.wantsServers() ? servers.connectionsByServer() : null;
            events.executeFromIo(() -> answerPing(ping.seq(), byServer));
        } else if (message instanceof InternalMessage.Ask ask) {
            events.executeFromIo(() -> answerAsk(ask));
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

    /**
     * The primary's asks and pings read before its disconnect wait on the event thread: they are answered
     * before the channel closes (a metrics scrape's last look at a leaving worker), unless that thread is
     * stuck, when the channel closes anyway after {@link #STUCK_EVENT_THREAD_MILLIS}.
     */
    private void closeChannelAfterQueuedEvents() {
        AtomicBoolean once = new AtomicBoolean();
        Runnable close = () -> {
            if (once.compareAndSet(false, true)) {
                closeChannel();
            }
        };
        // On the timer thread itself: the event thread may be the one that is stuck.
        ScheduledFuture<?> fallback = events.timer().schedule(close, STUCK_EVENT_THREAD_MILLIS, TimeUnit.MILLISECONDS);
        events.execute(() -> {
            fallback.cancel(false);
            close.run();
        });
    }

    private static final long STUCK_EVENT_THREAD_MILLIS = 1000;

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
            emitError(new IOException("the channel to the primary failed: " + cause.getMessage(), cause));
        }
        connected = false;
        state = WorkerState.DISCONNECTED;
        emit(WorkerEvent.DISCONNECT, Runnable::run);
        if (exitWhenDisconnected || exitedAfterDisconnect == null) {
            // Killed from inside, or the primary vanished without a handshake: leave now (rule 17).
            System.exit(0);
        }
        unrefChannel();
    }
}
