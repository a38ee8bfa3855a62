package org.jcluster.api;

import java.nio.channels.Channel;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The events a {@link Worker} emits, each typed by the listener it takes:
 * {@code worker.on(WorkerEvent.MESSAGE, message -> ...)}.
 *
 * @param <L> the listener type
 */
public final class WorkerEvent<L> {
    /** The worker is running and connected (primary side). */
    public static final WorkerEvent<Runnable> ONLINE = new WorkerEvent<>("online");
    /** A server of the worker is listening. */
    public static final WorkerEvent<Consumer<ListenAddress>> LISTENING = new WorkerEvent<>("listening");
    /** The worker called {@link Cluster#signalReady()} (primary side). At most once. */
    public static final WorkerEvent<Runnable> READY = new WorkerEvent<>("ready");
    /**
     * A message from the other side. Messages that arrive before any message listener exists are kept
     * and handed to the first one added, so a message sent right after fork() is never lost.
     */
    public static final WorkerEvent<Consumer<Object>> MESSAGE = new WorkerEvent<>("message");
    /**
     * A message that came with a channel (inside a worker: from the primary's
     * {@link Worker#send(Object, java.nio.channels.Channel, boolean, SendCallback)}); the listener owns
     * the channel. With no listener the channel is closed and a warning logged.
     */
    public static final WorkerEvent<BiConsumer<Object, Channel>> HANDLE =
            new WorkerEvent<>("handle");
    /**
     * Inside a worker: a graceful disconnect has begun (the primary's {@code worker.disconnect()}, a
     * supervisor's reload or shutdown, or this worker's own {@link Worker#disconnect()}). Its cluster
     * servers take no more connections; close idle keep-alive connections and finish the others, so that
     * the disconnect can complete ({@link #DISCONNECT} follows once they are closed). jcluster's own: Node
     * has no such event, its HTTP server closing idle connections itself. At most once.
     */
    public static final WorkerEvent<Runnable> DISCONNECTING = new WorkerEvent<>("disconnecting");
    /** The IPC channel closed. Fires exactly once. */
    public static final WorkerEvent<Runnable> DISCONNECT = new WorkerEvent<>("disconnect");
    /** The worker process ended (primary side). Fires exactly once. */
    public static final WorkerEvent<Consumer<ExitStatus>> EXIT = new WorkerEvent<>("exit");
    /** Something failed that has no caller to throw to: a send that could not be written, a bad frame. */
    public static final WorkerEvent<Consumer<Throwable>> ERROR = new WorkerEvent<>("error");

    private final String name;

    private WorkerEvent(String name) {
        this.name = name;
    }

    /** Node's name for the event. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "WorkerEvent." + name;
    }
}
