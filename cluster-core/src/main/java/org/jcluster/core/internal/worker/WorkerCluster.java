package org.jcluster.core.internal.worker;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterDatagramSocket;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterServer;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.ConnectionHandler;
import org.jcluster.api.DatagramOptions;
import org.jcluster.api.Registration;
import org.jcluster.api.ServerOptions;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.jcluster.api.spi.ServiceLookup;
import org.jcluster.core.internal.events.EventLoop;
import org.jcluster.core.internal.protocol.FrameKind;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.servers.ConnectionsTaken;
import org.jcluster.core.internal.transport.ChannelConfig;
import org.jcluster.core.internal.transport.IpcChannel;
import org.jcluster.core.internal.transport.Posix;

/** The cluster as seen from inside a worker JVM: no workers of its own, one Worker for itself. */
public final class WorkerCluster implements Cluster {
    private static final Pattern SIGNAL_THREAD = Pattern.compile("^(SIG[A-Z0-9]+) handler$");

    private final WorkerEnvironment env;
    private final EventLoop events = new EventLoop("jcluster-events");
    private final SelfWorker self;
    private final IpcChannel channel;

    private WorkerCluster(WorkerEnvironment env, IpcChannel channel, Serialization serialization) {
        this.env = env;
        this.channel = channel;
        this.self = new SelfWorker(env.workerId(), events, serialization, env.maxFrameBytes(), channel);
    }

    /** Connects to the primary and introduces this worker; exits the JVM when the primary cannot be reached. */
    public static WorkerCluster start(WorkerEnvironment env) {
        Serialization serialization = ServiceLookup.serialization(env.serialization())
                .create(new SerializationOptions(loadTypes(env.messageTypes()), SerializationOptions.DEFAULT_MAX_NESTING_DEPTH));
        // Leave the terminal's process group: Ctrl-C reaches the primary alone, which decides what
        // workers do (a graceful disconnect, say) instead of every worker dying on SIGINT at once.
        Posix.leaveProcessGroup();
        env.claimId();
        IpcChannel channel;
        try {
            channel = IpcChannel.connect(env.socketPath(), new ChannelConfig(env.maxFrameBytes(), env.sendHighWaterMark()));
        } catch (IOException e) {
            System.err.println("jcluster worker " + env.workerId() + ": cannot reach the primary at "
                    + env.socketPath() + " (" + e.getMessage() + "); the primary is gone, exiting");
            System.exit(1);
            throw new IllegalStateException("unreachable");
        }
        channel.label("primary");
        WorkerCluster cluster = new WorkerCluster(env, channel, serialization);
        cluster.self.keepAliveWhileConnected();
        cluster.self.watchThePrimary();
        channel.start(cluster.self.frameHandler());
        channel.send(FrameKind.INTERNAL, InternalMessage.encode(new InternalMessage.Hello(env.workerId(), env.secret())),
                null, null);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::tellPrimaryWeAreExiting, "jcluster-worker-exit"));
        return cluster;
    }

    private static List<Class<?>> loadTypes(List<String> names) {
        List<Class<?>> types = new ArrayList<>();
        for (String name : names) {
            try {
                types.add(Class.forName(name, false, Thread.currentThread().getContextClassLoader()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("The primary registered message type " + name
                        + ", which this worker cannot load: run workers with the same class or module path", e);
            }
        }
        return types;
    }

    /**
     * Shutdown hook: tells the primary whether a signal ended this JVM. A JVM shutting down on a
     * signal runs its hooks from a thread the JDK names after the signal ("SIGTERM handler").
     */
    private void tellPrimaryWeAreExiting() {
        if (!channel.isOpen()) {
            return;
        }
        String signal = "";
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            Matcher m = SIGNAL_THREAD.matcher(t.getName());
            if (m.matches()) {
                signal = m.group(1);
                break;
            }
        }
        channel.send(FrameKind.INTERNAL, InternalMessage.encode(new InternalMessage.Exiting(signal)), null, null);
        channel.flush(Duration.ofMillis(500));
    }

    /** The raw channel, for tests that must send what jcluster itself never would. */
    public IpcChannel channelForTesting() {
        return channel;
    }

    @Override
    public boolean isPrimary() {
        return false;
    }

    @Override
    public ClusterServer listen(ServerOptions options,
            ConnectionHandler handler) throws IOException {
        return self.servers().listen(options, handler);
    }

    @Override
    public ClusterServer listen(ServerOptions options) throws IOException {
        return self.servers().listen(options, null);
    }

    @Override
    public void unrefChannel() {
        self.unrefChannel();
    }

    @Override
    public void countConnection() {
        ConnectionsTaken.one();
    }

    @Override
    public Registration answer(String topic, Supplier<?> answer) {
        return self.answer(topic, answer);
    }

    @Override
    public ClusterDatagramSocket bindDatagram(DatagramOptions options) throws IOException {
        return self.servers().bindDatagram(options);
    }

    @Override
    public Worker fork(Map<String, String> env) {
        throw primaryOnly("fork()");
    }

    @Override
    public Map<Integer, Worker> workers() {
        return Map.of();
    }

    @Override
    public Optional<Worker> worker() {
        return Optional.of(self);
    }

    @Override
    public ClusterSettings settings() {
        return ClusterSettings.empty();
    }

    @Override
    public void setupPrimary(ClusterSettings settings) {
        throw primaryOnly("setupPrimary()");
    }

    @Override
    public String schedulingPolicy() {
        return env.schedulingPolicy();
    }

    @Override
    public void schedulingPolicy(String name) {
        throw primaryOnly("schedulingPolicy(name)");
    }

    @Override
    public void disconnect(Runnable callback) {
        throw primaryOnly("cluster.disconnect() (a worker disconnects itself with worker().disconnect())");
    }

    @Override
    public Registration schedule(Duration delay, Runnable task) {
        return events.schedule(delay, task);
    }

    @Override
    public void eventExecutor(Executor executor) {
        events.useExecutor(executor);
    }

    @Override
    public <L> Registration on(ClusterEvent<L> event, L listener) {
        throw primaryOnly("Cluster events (" + event + "); in a worker listen on worker()");
    }

    @Override
    public <L> Registration once(ClusterEvent<L> event, L listener) {
        throw primaryOnly("Cluster events (" + event + "); in a worker listen on worker()");
    }

    @Override
    public void signalReady() {
        self.signalReady();
    }

    private IllegalStateException primaryOnly(String what) {
        return new IllegalStateException(what + " is for the primary; this JVM is worker " + env.workerId());
    }
}
