package org.jcluster.core.internal.primary;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.jcluster.api.ListenAddress;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.core.internal.events.CombiningExecutor;
import org.jcluster.core.internal.events.EventLoop;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.servers.Addresses;
import org.jcluster.core.internal.transport.Descriptor;
import org.jcluster.core.internal.transport.NativeSockets;

/**
 * Under a policy whose primary accepts ("rr"; Node's RoundRobinHandle): an accept thread, and the
 * policy's dispatcher deciding which worker gets each connection.
 *
 * <p>Threads: everything the dispatcher hears (workers added and removed, connections accepted, workers'
 * answers, its timers) is a task of this handle's {@link #turns}, run one at a time by whichever thread
 * comes while none runs: the accept thread, a worker's channel reader, the timer. So the dispatcher and
 * the fields marked "in turn" need no lock, and the common path (accept, hand-off, answer) has no thread
 * hand-off either. Methods named "...InTurn" run only there.
 */
final class RoundRobinHandle extends Handle implements DispatchContext {
    private final Descriptor socket;
    private final ConnectionDispatcher dispatcher;
    /** Connections handed to a worker and not yet answered, by id, over every handle (an answer names only the id). */
    private final Map<Long, HeldConnection> inFlight;
    private final AtomicLong connectionIds;
    private final ScheduledExecutorService timer;
    private final CombiningExecutor turns = new CombiningExecutor("a scheduling policy's dispatcher",
            CombiningExecutor.RunnerHooks.NONE);
    private volatile boolean open = true;
    // Figures for stats, read from any thread:
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong dealt = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    /** Accepted, and not yet closed here (a worker took it, or it was given up). */
    private final AtomicLong held = new AtomicLong();
    /** Of those, handed to a worker that has not answered; written in turn. */
    private volatile int inFlightHere;
    private final LatencyBuckets handOffLatency = new LatencyBuckets();
    // In turn only:
    /** Workers the dispatcher was told about (added, not yet removed). */
    private final Set<Worker> listening = new HashSet<>();
    private boolean dispatcherClosed;

    /**
     * @param inFlight shared by the primary's handles; this one changes only its own entries, in turn
     * @param timer runs the dispatcher's scheduled tasks into its turns
     */
    RoundRobinHandle(int id, String key, Descriptor socket, ListenAddress address, Optional<Path> unixPath, SchedulingPolicy policy,
            Map<Long, HeldConnection> inFlight, AtomicLong connectionIds, ScheduledExecutorService timer) {
        super(id, key, address, unixPath);
        this.socket = socket;
        this.inFlight = inFlight;
        this.connectionIds = connectionIds;
        this.timer = timer;
        this.dispatcher = policy.newDispatcher(this);
        Thread acceptThread = new Thread(this::acceptLoop, "jcluster-primary-accept-" + Addresses.describe(address));
        acceptThread.setDaemon(true);
        acceptThread.start();
    }

    @Override
    public ListenAddress address() {
        return address;
    }

    private void acceptLoop() {
        try {
            // Until the shutdown in close() ends accept (close() shuts down before it clears "open"): the
            // socket stays open until then, so close() never shuts down a descriptor this thread closed.
            for (;;) {
                NativeSockets.AcceptedConnection a;
                try {
                    a = NativeSockets.accept(socket);
                } catch (IOException e) {
                    if (!open) {
                        return;
                    }
                    LOG.log(System.Logger.Level.WARNING, "jcluster: accept failed on " + Addresses.describe(address)
                            + ": " + e.getMessage());
                    LockSupport.parkNanos(10_000_000L); // EMFILE and the like may pass
                    continue;
                }
                if (a == null) {
                    return; // the socket was shut down: the handle is closing
                }
                accepted.incrementAndGet();
                held.incrementAndGet();
                HeldConnection c = new HeldConnection(connectionIds.incrementAndGet(), a.socket(), a.remoteAddress(), this);
                turns.execute(() -> distributeInTurn(c));
            }
        } finally {
            socket.close();
        }
    }

    private void distributeInTurn(HeldConnection c) {
        if (dispatcherClosed) {
            c.close();
            return;
        }
        try {
            dispatcher.connectionAccepted(c);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "jcluster: scheduling policy failed to take " + c, e);
            c.close();
        }
    }

    /** The worker listens on its copy of the server: it can be dealt connections. */
    void add(Worker worker) {
        turns.execute(() -> {
            if (!dispatcherClosed && listening.add(worker)) {
                dispatcher.workerJoined(worker);
            }
        });
    }

    /**
     * The worker stopped listening.
     *
     * @param gone its channel is closed: connections handed to it and not acknowledged went with it (Node
     *     loses them too). A worker that only closed its server still answers for them: it refuses them,
     *     and they go to another worker.
     */
    void remove(Worker worker, boolean gone) {
        turns.execute(() -> removeInTurn(worker, gone));
    }

    private void removeInTurn(Worker worker, boolean gone) {
        if (gone) { // also when it had stopped listening before: what it held unanswered is lost with it
            for (HeldConnection c : inFlight.values()) {
                if (c.handle == this && c.handedTo == worker && removeInFlight(c)) {
                    c.close();
                }
            }
        }
        if (listening.remove(worker) && !dispatcherClosed) {
            dispatcher.workerLeft(worker);
        }
    }

    @Override
    public boolean handOff(Worker worker, PendingConnection connection) {
        if (!turns.isRunnerThread()) {
            throw new IllegalStateException("handOff is for the dispatcher's own calls and scheduled tasks");
        }
        if (!(connection instanceof HeldConnection c) || c.handle != this) {
            throw new IllegalArgumentException(connection + " is not a connection of the server on "
                    + Addresses.describe(address));
        }
        if (c.socket.isSpent()) {
            throw new IllegalArgumentException(c + " was already closed; a closed connection cannot be handed off");
        }
        ServerPeer peer = members.get(worker);
        if (peer == null || !listening.contains(worker) || !peer.isConnected()) {
            return false;
        }
        if (inFlight.get(c.id) == c) {
            throw new IllegalArgumentException(c + " is in flight to worker " + c.handedTo.id()
                    + "; hand it off again only after that worker refused it");
        }
        c.handedTo = worker;
        inFlight.put(c.id, c); // before the send: the answer may be read at once
        inFlightHere++;
        dealt.incrementAndGet();
        peer.connectionDealt(); // before the copy: a failed copy comes back as this worker's refusal
        Descriptor copy;
        try {
            copy = c.socket.duplicate();
        } catch (IOException e) {
            // Out of descriptors, most likely, and for a moment: not the worker's fault, so it stays; the
            // connection comes back as if the worker refused it, in the next turn.
            LOG.log(System.Logger.Level.WARNING, "jcluster: cannot copy " + c + " to hand it to worker "
                    + worker.id() + ": " + e.getMessage() + "; it goes back to the scheduling policy");
            turns.execute(() -> answerInTurn(worker, c, false));
            return true;
        }
        peer.sendInternal(new InternalMessage.NewConnection(id, c.id), copy);
        return true;
    }

    @Override
    public Registration schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        AtomicBoolean pending = new AtomicBoolean(true);
        ScheduledFuture<?> due = timer.schedule(() -> turns.execute(() -> {
            if (pending.compareAndSet(true, false) && !dispatcherClosed) {
                task.run();
            }
        }), EventLoop.delayNanos(delay.isNegative() ? Duration.ZERO : delay), TimeUnit.NANOSECONDS);
        return () -> {
            if (pending.compareAndSet(true, false)) {
                due.cancel(false);
            }
        };
    }

    /** Reader thread: the worker's answer for {@code c}, which was in flight when read. */
    void answer(Worker worker, HeldConnection c, boolean accepted) {
        turns.execute(() -> answerInTurn(worker, c, accepted));
    }

    private void answerInTurn(Worker worker, HeldConnection c, boolean accepted) {
        if (c.handedTo != worker || !removeInFlight(c)) {
            return; // written off meanwhile: the worker left
        }
        if (dispatcherClosed) {
            c.close();
        } else if (accepted) {
            handOffLatency.record(System.nanoTime() - c.acceptedAtNanos);
            if (c.handOff != null) {
                c.handOff.acknowledged(worker.id(), c.id, address);
            }
            c.close(); // the worker has its own copy now
            dispatcher.connectionAcknowledged(worker, c);
        } else {
            refused.incrementAndGet();
            ServerPeer peer = members.get(worker);
            if (peer != null) {
                peer.connectionRefused();
            }
            dispatcher.connectionRefused(worker, c);
        }
    }

    /** In turn: true when {@code c} was in flight (and is no longer). */
    private boolean removeInFlight(HeldConnection c) {
        if (!inFlight.remove(c.id, c)) {
            return false;
        }
        inFlightHere--;
        return true;
    }

    void connectionClosed() {
        held.decrementAndGet();
    }

    @Override
    ServerFigures figures() {
        int handed = inFlightHere;
        return new ServerFigures(id, address, true, memberIds(), accepted.get(), dealt.get(), refused.get(),
                Math.max(0, held.get() - handed), handed, handOffLatency.snapshot());
    }

    /**
     * Stops accepting now (the caller holds SharedHandles' lock); the dispatcher is closed a moment later
     * in its turn, on the timer thread unless a turn is running, so no policy code runs under that lock.
     */
    @Override
    void close() {
        socket.shutdown(); // ends the accept thread's accept; it then closes the socket
        open = false;
        removeSocketFile();
        timer.execute(() -> turns.execute(this::closeInTurn));
    }

    private void closeInTurn() {
        // Each step on its own: a policy that throws must not leave descriptors open.
        try {
            for (Worker w : List.copyOf(listening)) {
                try {
                    removeInTurn(w, true);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "jcluster: scheduling policy failed on a worker leaving", e);
                }
            }
        } finally {
            for (HeldConnection c : inFlight.values()) {
                if (c.handle == this && removeInFlight(c)) {
                    c.close();
                }
            }
            dispatcherClosed = true;
            dispatcher.close();
        }
    }
}
