package org.jcluster.api;

import java.nio.channels.Channel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One worker JVM. In the primary each forked worker has a Worker object; in a worker process,
 * {@code Cluster.get().worker()} is the worker itself, and its {@link #send} goes to the primary.
 *
 * <p>Every method is safe to call in any state and from any thread.
 */
public interface Worker {

    /** Ids start at 1 and grow by one per fork; an id is never reused within a primary. */
    int id();

    /** none -> online -> listening -> disconnected -> dead. */
    WorkerState state();

    /**
     * Sends a message to the other side (primary to worker, or worker to primary), serialized by the
     * cluster's {@link org.jcluster.api.spi.Serialization}. Never blocks.
     *
     * @return true while the outgoing backlog is below its high-water mark; false above it, in which
     *     case the message is still queued and the caller should slow down
     * @throws IllegalArgumentException when the serialization cannot carry {@code message}
     * @throws IllegalStateException when the channel is already closed ({@link #isConnected()} is false):
     *     nothing was sent (Node reports this later, through the callback; here a {@code false} return
     *     only ever means back-pressure)
     */
    default boolean send(Object message) {
        return send(message, null);
    }

    /**
     * As {@link #send(Object)}; {@code callback} (when not null) runs exactly once on the event thread,
     * when the message is written to the channel, or with the error that stopped it (the channel closed
     * before it was written); pending callbacks keep the JVM alive until they have run. A failure is
     * emitted as {@link WorkerEvent#ERROR} instead when no callback was given. When send throws, the
     * callback is not called.
     */
    boolean send(Object message, SendCallback callback);

    /**
     * Sends a message with a channel, as Node's {@code send(message, handle)}: a connected
     * {@link java.nio.channels.SocketChannel}, a bound {@link java.nio.channels.ServerSocketChannel} or a
     * {@link java.nio.channels.DatagramChannel} travels to the other side as a real JDK channel of the
     * same kind, delivered with the message to {@link WorkerEvent#HANDLE} (in a worker) or
     * {@link ClusterEvent#HANDLE} (in the primary).
     *
     * <p>In the primary this needs the JVM flag {@code --add-opens java.base/sun.nio.ch=jcluster.core}
     * ({@code ALL-UNNAMED} on the class path); jcluster adds it to workers itself.
     *
     * <p>The channel's socket is copied during this call: do not close the channel from another thread
     * while the call runs (its descriptor number could meanwhile name another file of this process).
     *
     * @param keepOpen false closes the sender's copy of the channel once it is written (Node's default);
     *     true leaves it open
     * @return as {@link #send(Object)}
     * @throws IllegalArgumentException for a channel that is not one of those kinds, or not open
     * @throws IllegalStateException as {@link #send(Object)}, when this worker's channel is closed
     */
    boolean send(Object message, Channel handle, boolean keepOpen, SendCallback callback);

    /**
     * Disconnects gracefully: the worker closes its servers, waits until they are closed, then the
     * channel closes. Does not force an exit. Returns this worker.
     */
    Worker disconnect();

    /** Sends SIGTERM (in the primary), or disconnects and exits (inside the worker). */
    default void kill() {
        kill("SIGTERM");
    }

    /**
     * Ends the worker with {@code signal} (a name such as "SIGKILL" or "KILL"). Safe in any state,
     * also after the worker has exited.
     *
     * @throws IllegalArgumentException for a name that is not a signal of this operating system
     */
    void kill(String signal);

    /**
     * Whether the worker exited (or is exiting) because of a disconnect or a kill from inside the
     * worker. Empty until that is known: it becomes true at {@link #disconnect()}, and is settled
     * (true or false) by the time {@link WorkerEvent#EXIT} is emitted.
     */
    Optional<Boolean> exitedAfterDisconnect();

    /**
     * The first signal this process's {@link #kill(String)} sent the worker ("SIGTERM", "SIGKILL"...),
     * once it sent one; empty otherwise, also for a worker ended by a signal from elsewhere (the kernel's OOM
     * killer, an operator's {@code kill -9}). Node keeps no such record (rule 13: exitedAfterDisconnect
     * stays false after a kill); this lets a supervisor tell a kill that was asked for from a crash.
     * (A default, so that a Worker written before it still compiles: it then reports none.)
     */
    default Optional<String> killedWith() {
        return Optional.empty();
    }

    /**
     * Primary side: asks the worker how it is, answered by the worker's event thread (where its
     * listeners run) rather than by its IPC reader, so a worker whose event thread is blocked does not
     * answer, however busy its other threads are. A supervisor's hang check; also a cheap health probe.
     *
     * @return completes on the primary's event thread with the answer; exceptionally with a
     *     {@link java.util.concurrent.TimeoutException} when none came within {@code timeout}, or an
     *     {@link IllegalStateException} when the worker disconnected first (also when it already had)
     * @throws IllegalArgumentException for a timeout that is not positive
     * @throws UnsupportedOperationException inside a worker (it has no one to ping), or from a Worker
     *     written before this method existed
     */
    default CompletableFuture<WorkerHealth> ping(Duration timeout) {
        throw new UnsupportedOperationException("ping is the primary's call, on a worker it forked");
    }

    /**
     * Primary side: the worker's figures now: the primary's own counts of its channel and of the
     * connections dealt to it, its process's memory and CPU, and what it says of itself through a
     * {@link #ping(Duration)} within {@code timeout}. Cheap enough to ask every second.
     *
     * @return completes on the primary's event thread within about {@code timeout} (at once, on the
     *     caller's, for a worker already disconnected); a worker that does not answer (hung, leaving, gone)
     *     still has its figures, with an empty {@link WorkerStats#health()}
     * @throws IllegalArgumentException for a timeout that is not positive
     * @throws UnsupportedOperationException inside a worker, or from a Worker written before this method
     *     existed
     */
    default CompletableFuture<WorkerStats> stats(Duration timeout) {
        throw new UnsupportedOperationException("stats is the primary's call, on a worker it forked");
    }

    /**
     * Primary side: asks the worker for what it answers for {@code topic} ({@link Cluster#answer}), as a
     * ping does, on its event thread.
     *
     * @return completes on the primary's event thread with the answer, decoded with the cluster's
     *     serialization (a worker already disconnected fails it at once); exceptionally with a {@link java.util.concurrent.TimeoutException} when none came
     *     within {@code timeout}, or an {@link IllegalStateException} when the worker answers nothing for
     *     the topic, its answer failed, or it disconnected first
     * @throws IllegalArgumentException for a timeout that is not positive
     * @throws UnsupportedOperationException inside a worker
     */
    default CompletableFuture<Object> ask(String topic, Duration timeout) {
        throw new UnsupportedOperationException("ask is the primary's call, on a worker it forked");
    }

    /** True while the IPC channel is open; false inside every disconnect listener. */
    boolean isConnected();

    /** True once the worker process has exited. */
    boolean isDead();

    /** The worker's operating-system process id. */
    long pid();

    /** In the primary, the worker's {@link Process}; empty inside the worker. */
    Optional<Process> process();

    /** Adds a listener for {@code event}; the returned registration removes it. */
    <L> Registration on(WorkerEvent<L> event, L listener);

    /** Adds a listener that is removed after its first call. */
    <L> Registration once(WorkerEvent<L> event, L listener);
}
