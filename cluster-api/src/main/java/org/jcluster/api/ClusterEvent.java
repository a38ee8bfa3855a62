package org.jcluster.api;

import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The events a {@link Cluster} emits in the primary, each typed by the listener it takes:
 * {@code cluster.on(ClusterEvent.EXIT, (worker, status) -> ...)}. Cluster events carry the worker
 * first, as in Node.
 *
 * @param <L> the listener type
 */
public final class ClusterEvent<L> {
    /** A worker was forked; emitted after {@code fork()} has returned. */
    public static final ClusterEvent<Consumer<Worker>> FORK = new ClusterEvent<>("fork");
    /** A worker's JVM is running and connected. */
    public static final ClusterEvent<Consumer<Worker>> ONLINE = new ClusterEvent<>("online");
    /** A worker's server is listening, with its real address. */
    public static final ClusterEvent<BiConsumer<Worker, ListenAddress>> LISTENING = new ClusterEvent<>("listening");
    /** A worker called {@link Cluster#signalReady()}: it is ready to serve. At most once per worker. */
    public static final ClusterEvent<Consumer<Worker>> READY = new ClusterEvent<>("ready");
    /** A message from a worker. Emitted after the worker's own {@link WorkerEvent#MESSAGE}. */
    public static final ClusterEvent<BiConsumer<Worker, Object>> MESSAGE = new ClusterEvent<>("message");
    /**
     * A message a worker sent with a channel; the listener owns the channel. With no listener the channel
     * is closed and a warning logged.
     */
    public static final ClusterEvent<HandleListener> HANDLE = new ClusterEvent<>("handle");
    /** A worker's IPC channel closed. Fires exactly once per worker. */
    public static final ClusterEvent<Consumer<Worker>> DISCONNECT = new ClusterEvent<>("disconnect");
    /** A worker's process ended. Fires exactly once per worker; the worker is already out of workers(). */
    public static final ClusterEvent<BiConsumer<Worker, ExitStatus>> EXIT = new ClusterEvent<>("exit");
    /** setupPrimary was called; carries the merged settings. Once per call, in call order. */
    public static final ClusterEvent<Consumer<ClusterSettings>> SETUP = new ClusterEvent<>("setup");

    private final String name;

    private ClusterEvent(String name) {
        this.name = name;
    }

    /** Node's name for the event. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "ClusterEvent." + name;
    }
}
