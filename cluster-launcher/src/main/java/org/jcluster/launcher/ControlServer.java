package org.jcluster.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

import org.jcluster.api.ClusterStats;
import org.jcluster.api.LatencyHistogram;
import org.jcluster.api.ServerStats;
import org.jcluster.api.WorkerHealth;
import org.jcluster.api.WorkerStats;
import org.jcluster.supervisor.ReloadReport;
import org.jcluster.supervisor.SupervisedWorker;
import org.jcluster.supervisor.Supervisor;
import org.jcluster.supervisor.SupervisorSettings;

/**
 * The running primary's end of the control socket: answers {@code status}, {@code reload} and
 * {@code stop} from {@code bin/jcluster}, for peers of this user only (SO_PEERCRED). One request per
 * connection: a command line in, one JSON document out.
 */
final class ControlServer implements AutoCloseable {
    static final int MAX_REQUEST_BYTES = 64;
    /** A client has this long to send its command. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
    private static final JsonFactory JSON = new JsonFactory();

    private final ControlDirectory directory;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Supervisor supervisor;
    private final String name;
    private final String policy;
    private final UserPrincipal owner;

    private ControlServer(ControlDirectory directory, Path socket, ServerSocketChannel server, Supervisor supervisor,
            String name, String policy) throws IOException {
        this.directory = directory;
        this.socket = socket;
        this.server = server;
        this.supervisor = supervisor;
        this.name = name;
        this.policy = policy;
        this.owner = ControlDirectory.thisProcessUser();
    }

    /** Binds {@code NAME.sock} (0600) in the private directory and starts answering. */
    static ControlServer start(ControlDirectory directory, String name, Supervisor supervisor, String policy)
            throws IOException {
        Path socket = directory.socket(name);
        directory.create();
        if (Files.exists(socket)) {
            if (ControlClient.answers(socket)) {
                throw new IOException("a cluster named " + name + " is already running (its control socket " + socket
                        + " answers): give this one another --name, or stop that one with bin/jcluster stop --name " + name);
            }
            Files.deleteIfExists(socket); // left behind by a primary that was killed
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, ControlDirectory.OWNER_READ_WRITE);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot open the control socket " + socket + ": " + e.getMessage(), e);
        }
        ControlServer control = new ControlServer(directory, socket, server, supervisor, name, policy);
        Thread accept = new Thread(control::acceptLoop, "jcluster-control");
        accept.setDaemon(true);
        accept.start();
        return control;
    }

    /** Stops answering and removes the socket (and the directory, if no other cluster uses it). */
    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // the process is ending; a socket file left behind is detected and removed by the next start
        }
        directory.removeIfEmpty();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                System.err.println("jcluster: the control socket failed: " + e.getMessage());
                return;
            }
            Thread t = new Thread(() -> answer(client), "jcluster-control-request");
            t.setDaemon(true);
            t.start();
        }
    }

    private void answer(SocketChannel client) {
        try (client) {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!peer.user().equals(owner)) {
                reply(client, error("refused: the cluster " + name + " answers its own user only, not " + peer.user().getName()));
                return;
            }
            String command = ControlClient.readLine(client, REQUEST_TIMEOUT);
            switch (command) {
                case "status" -> reply(client, status());
                case "reload" -> reply(client, reload());
                case "stop" -> reply(client, stop());
                default -> reply(client, error("unknown command '" + command + "': status, reload or stop"));
            }
        } catch (IOException | TimeoutException e) {
            // the client went away or sent nothing in time: nobody to answer
        } catch (RuntimeException e) {
            try {
                reply(client, error("the primary failed to answer: " + e));
            } catch (IOException gone) {
                // nobody to tell
            }
        }
    }

    private byte[] status() throws IOException {
        List<SupervisedWorker> slots = supervisor.workers().orTimeout(5, TimeUnit.SECONDS).join();
        // Stats answers within about PING_TIMEOUT, and the client waits 15 s in all.
        Optional<ClusterStats> snapshot;
        try {
            snapshot = Optional.of(supervisor.cluster().stats(PING_TIMEOUT).get(PING_TIMEOUT.toMillis() + 5000,
                    TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException late) {
            snapshot = Optional.empty(); // the rows show without figures
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            snapshot = Optional.empty();
        }
        Map<Integer, WorkerStats> statsById = new HashMap<>();
        snapshot.ifPresent(s -> s.workers().forEach(w -> statsById.put(w.id(), w)));
        List<ServerStats> servers = snapshot.map(ClusterStats::servers).orElse(List.of());
        return json(g -> {
            g.writeStringField("name", name);
            g.writeNumberField("pid", ProcessHandle.current().pid());
            g.writeStringField("policy", policy);
            g.writeArrayFieldStart("workers");
            for (int i = 0; i < slots.size(); i++) {
                SupervisedWorker slot = slots.get(i);
                g.writeStartObject();
                g.writeNumberField("slot", slot.slot());
                g.writeStringField("state", slot.state());
                g.writeNumberField("restarts", slot.restarts());
                Optional<WorkerStats> figures = slot.worker().map(w -> statsById.get(w.id()));
                if (figures.isPresent()) {
                    writeStats(g, figures.get());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("servers");
            for (ServerStats s : servers) {
                writeServer(g, s);
            }
            g.writeEndArray();
        });
    }

    private static void writeServer(JsonGenerator g, ServerStats s) throws IOException {
        g.writeStartObject();
        g.writeStringField("address", s.address().describe());
        g.writeStringField("policy", s.policy());
        g.writeBooleanField("primaryAccepts", s.primaryAccepts());
        g.writeArrayFieldStart("workers");
        for (int id : s.workers()) {
            g.writeNumber(id);
        }
        g.writeEndArray();
        g.writeNumberField("accepted", s.accepted());
        g.writeNumberField("dealt", s.dealt());
        g.writeNumberField("refused", s.refused());
        g.writeNumberField("waiting", s.waiting());
        g.writeNumberField("inFlight", s.inFlight());
        LatencyHistogram h = s.handOff();
        g.writeNumberField("handOffs", h.count());
        if (h.count() > 0) {
            g.writeNumberField("handOffMeanMicros", h.sum().toNanos() / 1000 / h.count());
        }
        writeAtMost(g, "handOffP50Micros", h, 0.5);
        writeAtMost(g, "handOffP99Micros", h, 0.99);
        g.writeObjectFieldStart("takenByWorker");
        for (Map.Entry<Integer, Long> e : new TreeMap<>(s.takenByWorker()).entrySet()) {
            g.writeNumberField(Integer.toString(e.getKey()), e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeStats(JsonGenerator g, WorkerStats s) throws IOException {
        g.writeNumberField("id", s.id());
        g.writeNumberField("pid", s.pid());
        g.writeNumberField("uptimeMillis", s.uptime().toMillis());
        if (s.cpuTime().isPresent()) {
            g.writeNumberField("cpuMillis", s.cpuTime().get().toMillis());
        }
        if (s.residentBytes().isPresent()) {
            g.writeNumberField("residentBytes", s.residentBytes().getAsLong());
        }
        g.writeNumberField("messagesSent", s.messagesSent());
        g.writeNumberField("messagesReceived", s.messagesReceived());
        g.writeNumberField("bytesSent", s.bytesSent());
        g.writeNumberField("bytesReceived", s.bytesReceived());
        g.writeNumberField("sendBacklogBytes", s.sendBacklogBytes());
        g.writeNumberField("connectionsDealt", s.connectionsDealt());
        g.writeNumberField("connectionsRefused", s.connectionsRefused());
        if (s.health().isPresent()) {
            WorkerHealth h = s.health().get();
            g.writeNumberField("connections", h.connections());
            g.writeNumberField("heapUsedBytes", h.heapUsed());
            if (h.heapUsedAfterGc().isPresent()) {
                g.writeNumberField("heapUsedAfterGcBytes", h.heapUsedAfterGc().getAsLong());
            }
            g.writeNumberField("gcMillis", h.gcTime().toMillis());
            g.writeNumberField("pingMillis", h.roundTrip().toMillis());
        }
    }

    /** A quantile as the bucket bound above it; nothing when there is no count, or it is above every bound. */
    private static void writeAtMost(JsonGenerator g, String field, LatencyHistogram h, double quantile) throws IOException {
        Optional<Duration> atMost = h.atMost(quantile);
        if (atMost.isPresent()) {
            g.writeNumberField(field, atMost.get().toNanos() / 1000);
        }
    }

    private byte[] reload() throws IOException {
        SupervisorSettings s = supervisor.settings();
        // A reload always ends (each step has its readiness deadline); this bound only keeps the answer certain.
        Duration bound = s.readyTimeout().plus(s.drainTimeout()).plusSeconds(30).multipliedBy(s.workers());
        ReloadReport report;
        try {
            report = supervisor.reload().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return error("the reload did not report within " + bound.toSeconds() + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error("the primary is ending: the reload's end is unknown");
        } catch (ExecutionException e) {
            return error("the reload failed: " + e.getCause());
        }
        return json(g -> {
            g.writeBooleanField("ok", report.done());
            g.writeStringField("outcome", report.outcome().name().toLowerCase(java.util.Locale.ROOT));
            g.writeStringField("message", report.message());
        });
    }

    private byte[] stop() throws IOException {
        supervisor.shutdown();
        return json(g -> {
            g.writeBooleanField("ok", true);
            g.writeNumberField("pid", ProcessHandle.current().pid());
            g.writeNumberField("deadlineMillis", supervisor.settings().shutdownTimeout().toMillis());
        });
    }

    private static byte[] error(String message) throws IOException {
        return json(g -> {
            g.writeBooleanField("ok", false);
            g.writeStringField("message", message);
        });
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] json(Fields fields) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static void reply(SocketChannel client, byte[] document) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(document);
        while (buffer.hasRemaining()) {
            client.write(buffer);
        }
    }
}
