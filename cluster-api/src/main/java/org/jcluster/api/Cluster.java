package org.jcluster.api;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.jcluster.api.spi.ClusterProvider;
import org.jcluster.api.spi.ServiceLookup;

/**
 * A cluster of JVMs: one primary and the worker JVMs it forks, in the manner of Node.js's
 * {@code cluster} module.
 *
 * <p>The same program runs in the primary and in its workers; {@link #isPrimary()} tells them apart
 * (a process is a worker only when the primary put the worker role into its environment):
 *
 * <pre>{@code
 * Cluster cluster = Cluster.get();
 * if (cluster.isPrimary()) {
 *     cluster.on(ClusterEvent.EXIT, (worker, status) -> System.out.println(worker.id() + " " + status));
 *     for (int i = 0; i < 4; i++) cluster.fork();
 * } else {
 *     Worker me = cluster.worker().orElseThrow();
 *     me.on(WorkerEvent.MESSAGE, message -> me.send(message));
 * }
 * }</pre>
 *
 * <h2>Events and threads</h2>
 * Every event and message of a cluster is delivered on one ordered event thread (or on the
 * {@link java.util.concurrent.Executor} given to {@link #eventExecutor}), so listeners never race each
 * other and Node's ordering rules hold: {@code fork -> online -> listening -> exit}. A listener that
 * blocks holds up every later event, as a blocking callback does in Node.
 */
public interface Cluster {

    /** Round-robin: the primary accepts connections and hands them to workers in turn (the default). */
    String SCHED_RR = "rr";
    /** The primary shares the listening socket and the operating system picks which worker accepts. */
    String SCHED_NONE = "none";
    /** Environment variable that chooses the scheduling policy, as NODE_CLUSTER_SCHED_POLICY does. */
    String SCHED_POLICY_ENV = "JCLUSTER_SCHED_POLICY";

    /**
     * The cluster of this JVM, from the {@link ClusterProvider} found through ServiceLoader (module
     * {@code jcluster.core}). The same instance is returned on every call.
     *
     * @throws ProviderNotFoundException when no implementation is on the module path or class path
     */
    static Cluster get() {
        return ServiceLookup.clusterProvider().cluster();
    }

    /** True in the process that forks workers; false in a worker. */
    boolean isPrimary();

    /** True in a worker JVM started by a primary. */
    default boolean isWorker() {
        return !isPrimary();
    }

    /**
     * Starts a worker JVM running the program of {@link #settings()} and returns at once; the
     * {@link ClusterEvent#FORK} event follows asynchronously. Primary only.
     */
    default Worker fork() {
        return fork(Map.of());
    }

    /**
     * As {@link #fork()}, with {@code env} merged over the primary's environment: new keys added,
     * existing keys overridden.
     */
    Worker fork(Map<String, String> env);

    /**
     * The live workers by id, in id order: a read-only view that changes as workers come and go. A
     * worker leaves it once it has both disconnected and exited. Empty in a worker.
     */
    Map<Integer, Worker> workers();

    /**
     * Primary side: the cluster's figures now: every worker's ({@link Worker#stats(Duration)}, asked
     * together within {@code timeout}) and every shared server's, with the round-robin dispatch queue and
     * hand-off latency ({@link ServerStats}).
     *
     * @return completes on the primary's event thread within about {@code timeout}
     * @throws IllegalArgumentException for a timeout that is not positive
     * @throws UnsupportedOperationException in a worker, or from a Cluster written before this method existed
     */
    default CompletableFuture<ClusterStats> stats(Duration timeout) {
        throw new UnsupportedOperationException("stats is the primary's call");
    }

    /** In a worker, the worker itself; empty in the primary. */
    Optional<Worker> worker();

    /**
     * The settings used for the next fork. Empty until first needed (the first {@link #setupPrimary}
     * or {@link #fork}), then the primary's own program, arguments and JVM flags merged with every
     * {@link #setupPrimary} call so far.
     */
    ClusterSettings settings();

    /**
     * Merges {@code settings} into the cluster's settings: only the keys set in {@code settings}
     * change. Emits {@link ClusterEvent#SETUP} asynchronously with the merged settings. Primary only.
     */
    void setupPrimary(ClusterSettings settings);

    /**
     * The scheduling policy name: {@link #SCHED_RR} unless set by {@link #schedulingPolicy(String)}
     * or the {@value #SCHED_POLICY_ENV} environment variable.
     */
    String schedulingPolicy();

    /**
     * Chooses the scheduling policy by provider name. Allowed until the first {@link #fork} or
     * {@link #setupPrimary}, after which the policy is frozen.
     *
     * @throws IllegalStateException once the policy is frozen
     * @throws ProviderNotFoundException when no policy of that name is on the module path
     */
    void schedulingPolicy(String name);

    /**
     * Disconnects every worker gracefully, as {@link Worker#disconnect()} does, and runs
     * {@code callback} on the event thread once every worker is gone. The callback is always
     * asynchronous, also with no workers. Primary only.
     */
    void disconnect(Runnable callback);

    /** {@link #disconnect(Runnable)} without a callback. */
    default void disconnect() {
        disconnect(() -> { });
    }

    /**
     * Hands event delivery to the embedding program's executor instead of the cluster's own event
     * thread. The executor must run tasks one at a time in submission order (an event loop).
     *
     * @throws IllegalStateException once an event has been queued
     */
    void eventExecutor(Executor executor);

    /**
     * Listens for stream connections, as Node's {@code server.listen()}. In a worker the server is
     * shared through the primary: under "rr" the primary accepts and hands each connection to a worker
     * that is ready for it; under "none" every worker accepts on a copy of the primary's listening
     * socket. In the primary, or in a process outside any cluster, the server listens by itself. The
     * worker's {@link WorkerEvent#LISTENING} / {@link ClusterEvent#LISTENING} events follow.
     *
     * <p>Blocks until the server listens (in a worker: until the primary answered). Any thread may call
     * it, event listeners included (later events wait for it, as behind any listener that blocks);
     * a handler running on jcluster's I/O thread ({@link ServerOptions#withNonBlockingHandler}) may not,
     * and gets an {@link IllegalStateException}.
     *
     * @param handler takes each connection, on a thread of the server's own
     * @throws ListenException when the address cannot be listened on, with the OS error's name
     *     ({@link ListenException#code()}), also when the primary's bind failed; the process is unharmed
     * @throws java.io.IOException when the primary cannot be reached (the worker is disconnecting)
     */
    ClusterServer listen(ServerOptions options, ConnectionHandler handler) throws IOException;

    /**
     * Listens without a handler, for a program that accepts on {@link ClusterServer#listeningChannel()}
     * itself: a server framework with its own accept loop, or the launcher's agent, which puts the
     * shared socket under an unmodified application's own channel. In a worker this needs a policy under
     * which workers accept ("none"); in the primary, or outside a cluster, the server listens by itself.
     * The channel is blocking, as a fresh one is; switching a shared socket's blocking mode switches it
     * for every worker holding it.
     *
     * @throws ListenException as {@link #listen(ServerOptions, ConnectionHandler)} does, and with code
     *     {@code ENOTSUP} under a policy where the primary accepts ("rr"): use the handler form there
     * @throws java.io.IOException when the primary cannot be reached
     */
    default ClusterServer listen(ServerOptions options) throws IOException {
        throw new UnsupportedOperationException("this Cluster implementation cannot listen without a handler");
    }

    /**
     * Binds a UDP socket. In a worker every worker binding equal options shares the one socket the
     * primary bound (UDP is never round-robin); elsewhere it binds by itself.
     *
     * @throws ListenException when the address cannot be bound, with the OS error's name
     * @throws java.io.IOException when the primary cannot be reached
     */
    ClusterDatagramSocket bindDatagram(DatagramOptions options) throws IOException;

    /**
     * Runs {@code task} on the event thread once {@code delay} has passed, as Node's {@code setTimeout}
     * ({@link java.time.Duration#ZERO}: right after the events already queued). Until it has run or is
     * cancelled it keeps the JVM alive, as Node's timers do. Safe from any thread.
     *
     * @return a registration whose {@code remove()} cancels the task if it has not started
     * @throws IllegalArgumentException for a negative delay
     */
    Registration schedule(Duration delay, Runnable task);

    /**
     * Worker side: tells the primary that this worker is ready to serve, for a worker that must do more
     * than listen first (warm a cache, open a database pool). The primary emits
     * {@link ClusterEvent#READY} and the worker's {@link WorkerEvent#READY}; a supervisor set to wait for
     * it replaces an old worker only once its replacement said so. Calling it again does nothing more.
     *
     * @throws IllegalStateException in the primary, which is no worker
     */
    default void signalReady() {
        throw new UnsupportedOperationException("this Cluster implementation has no readiness signal");
    }

    /**
     * Worker side, Node's {@code process.channel.unref()}: the channel to the primary stops keeping this
     * JVM alive, so that the JVM ends when the program's own threads do (a program that throws from
     * its main exits, as it would alone). For a program that does not know it is a worker, as under
     * the launcher's agent. Calling it again does nothing more.
     *
     * @throws IllegalStateException in the primary, which has no such channel
     */
    default void unrefChannel() {
        throw new UnsupportedOperationException("this Cluster implementation cannot unref its channel");
    }

    /**
     * Counts one connection the program accepted itself (on the channel of
     * {@link #listen(ServerOptions)}, or on a socket of its own), which jcluster cannot see: it then
     * shows in {@link WorkerHealth#connections()} and counts towards a supervisor's recycling limit,
     * as the connections of {@link #listen(ServerOptions, ConnectionHandler)} do. Safe from any thread.
     */
    default void countConnection() {
    }

    /**
     * Worker side: what this worker answers when the primary asks it for {@code topic}
     * ({@link Worker#ask}): {@code answer} runs on the worker's event thread, once per ask, and its value
     * travels with the cluster's serialization. For figures only the worker has (its application's
     * meters, a cache's size). A second answer for the same topic replaces the first. It must be quick:
     * while it runs, the worker's events and the primary's pings wait (a supervisor takes a worker whose
     * pings go unanswered for hung).
     *
     * @return removes this answer; later asks of the topic fail, naming it
     * @throws IllegalStateException in the primary
     */
    default Registration answer(String topic, Supplier<?> answer) {
        throw new UnsupportedOperationException("this Cluster implementation cannot answer the primary's asks");
    }

    /** Adds a listener for {@code event}; the returned registration removes it. */
    <L> Registration on(ClusterEvent<L> event, L listener);

    /** Adds a listener that is removed after its first call. */
    <L> Registration once(ClusterEvent<L> event, L listener);
}
