package org.jcluster.metrics.micrometer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jcluster.api.LatencyHistogram;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.ServerStats;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerHealth;
import org.jcluster.api.WorkerStats;
import org.jcluster.metrics.micrometer.ClusterScraper.Point;
import org.jcluster.metrics.micrometer.ClusterScraper.Source;
import org.jcluster.metrics.micrometer.Exposition.Type;

/**
 * jcluster's own per-worker figures, from {@link WorkerStats}: named once, as Micrometer meters (name, base
 * unit, type), from which the exposition's names come the way Micrometer's Prometheus registry makes them,
 * so that {@link WorkerStatsBinder}'s meters and the scrape's series are the same series.
 */
final class JclusterFigures {
    /** One figure: its Micrometer name and base unit, its kind, and what it means. */
    record Figure(String meterName, String baseUnit, Type type, String help) {
        /** Its Prometheus family name: a counter's ends with {@code _total}, an info gauge's with {@code _info}. */
        String family() {
            String kind = switch (type) {
                case COUNTER -> "counter";
                case HISTOGRAM -> "timer";
                default -> "gauge";
            };
            String base = Exposition.baseName(meterName, kind, baseUnit);
            return type == Type.COUNTER ? base + "_total" : meterName.endsWith(".info") ? base + "_info" : base;
        }
    }

    static final Figure WORKERS = new Figure("jcluster.workers", null, Type.GAUGE,
            "Workers scraped now (under a supervisor: slots with a worker)");
    static final Figure SCRAPE_ERRORS = new Figure("jcluster.scrape.worker.errors", null, Type.GAUGE,
            "Workers whose meters were left out of this scrape (no answer in time)");
    static final Figure INFO = new Figure("jcluster.worker.info", null, Type.GAUGE,
            "The worker now in the label's place: its id and pid");
    static final Figure RESTARTS = new Figure("jcluster.worker.restarts", null, Type.COUNTER,
            "Workers that took this slot after its first: respawned, reloaded or recycled");
    static final Figure UPTIME = new Figure("jcluster.worker.uptime", "seconds", Type.GAUGE,
            "Since the primary forked the worker");
    static final Figure MESSAGES_SENT = new Figure("jcluster.worker.messages.sent", null, Type.COUNTER,
            "Messages the primary sent the worker (worker.send)");
    static final Figure MESSAGES_RECEIVED = new Figure("jcluster.worker.messages.received", null, Type.COUNTER,
            "Messages the worker sent the primary");
    static final Figure IPC_SENT = new Figure("jcluster.worker.ipc.sent", "bytes", Type.COUNTER,
            "Bytes the primary wrote to the worker's channel, jcluster's frames included");
    static final Figure IPC_RECEIVED = new Figure("jcluster.worker.ipc.received", "bytes", Type.COUNTER,
            "Bytes the primary read from the worker's channel");
    static final Figure IPC_BACKLOG = new Figure("jcluster.worker.ipc.send.backlog", "bytes", Type.GAUGE,
            "Bytes queued for the worker and not yet written");
    static final Figure DEALT = new Figure("jcluster.worker.connections.dealt", null, Type.COUNTER,
            "Connections the primary handed the worker (rr)");
    static final Figure REFUSED = new Figure("jcluster.worker.connections.refused", null, Type.COUNTER,
            "Of those, the ones the worker handed back");
    static final Figure CONNECTIONS = new Figure("jcluster.worker.connections", null, Type.COUNTER,
            "Connections the worker's servers took");
    static final Figure RESIDENT = new Figure("jcluster.worker.resident.memory", "bytes", Type.GAUGE,
            "The worker process's resident memory (VmRSS)");
    static final Figure CPU = new Figure("jcluster.worker.cpu", "seconds", Type.COUNTER,
            "CPU time the worker process used");
    static final Figure HEAP = new Figure("jcluster.worker.heap.used", "bytes", Type.GAUGE,
            "Heap in use in the worker, garbage included");
    static final Figure HEAP_AFTER_GC = new Figure("jcluster.worker.heap.used.after.gc", "bytes", Type.GAUGE,
            "Heap the worker's collectors left in use after their last collection");
    static final Figure GC = new Figure("jcluster.worker.gc", "seconds", Type.COUNTER,
            "Time the worker's collectors spent collecting");
    static final Figure SERVER_CONNECTIONS = new Figure("jcluster.worker.server.connections", null, Type.COUNTER,
            "Connections the worker's share of the server took");
    static final Figure ACCEPTED = new Figure("jcluster.server.connections.accepted", null, Type.COUNTER,
            "Connections the primary accepted on the server (rr)");
    static final Figure SERVER_DEALT = new Figure("jcluster.server.connections.dealt", null, Type.COUNTER,
            "Times the primary handed one of the server's connections to a worker (rr)");
    static final Figure SERVER_REFUSED = new Figure("jcluster.server.connections.refused", null, Type.COUNTER,
            "Of those, the times a worker handed one back");
    static final Figure WAITING = new Figure("jcluster.server.dispatch.waiting", null, Type.GAUGE,
            "Connections accepted and not yet handed to a worker: the dispatch queue (rr)");
    static final Figure IN_FLIGHT = new Figure("jcluster.server.dispatch.in.flight", null, Type.GAUGE,
            "Connections handed to a worker that has not yet answered (rr)");
    static final Figure HAND_OFF = new Figure("jcluster.server.handoff", "seconds", Type.HISTOGRAM,
            "From the primary's accept until a worker acknowledged the connection (rr)");

    /** In the exposition's order. */
    static final List<Figure> ALL = List.of(WORKERS, SCRAPE_ERRORS, INFO, RESTARTS, UPTIME, MESSAGES_SENT,
            MESSAGES_RECEIVED, IPC_SENT, IPC_RECEIVED, IPC_BACKLOG, DEALT, REFUSED, CONNECTIONS, RESIDENT, CPU, HEAP,
            HEAP_AFTER_GC, GC, SERVER_CONNECTIONS, ACCEPTED, SERVER_DEALT, SERVER_REFUSED, WAITING, IN_FLIGHT, HAND_OFF);

    private static final Map<String, Figure> BY_FAMILY = new LinkedHashMap<>();

    static {
        for (Figure f : ALL) {
            BY_FAMILY.put(f.family(), f);
        }
    }

    private JclusterFigures() {
    }

    /** The figure behind a family of the scrape's; null for the program's meters. */
    static Figure byFamily(String family) {
        return BY_FAMILY.get(family);
    }

    /** Fixes the families' order: jcluster's first. */
    static void declare(Exposition out) {
        for (Figure f : ALL) {
            out.declare(f.family(), f.type(), f.help());
        }
    }

    static List<Point> of(WorkerStats s) {
        List<Point> p = new ArrayList<>();
        add(p, UPTIME, s.uptime().toNanos() / 1e9);
        add(p, MESSAGES_SENT, s.messagesSent());
        add(p, MESSAGES_RECEIVED, s.messagesReceived());
        add(p, IPC_SENT, s.bytesSent());
        add(p, IPC_RECEIVED, s.bytesReceived());
        add(p, IPC_BACKLOG, s.sendBacklogBytes());
        add(p, DEALT, s.connectionsDealt());
        add(p, REFUSED, s.connectionsRefused());
        s.residentBytes().ifPresent(b -> add(p, RESIDENT, b));
        s.cpuTime().ifPresent(t -> add(p, CPU, t.toNanos() / 1e9));
        if (s.health().isPresent()) {
            WorkerHealth h = s.health().get();
            add(p, CONNECTIONS, h.connections());
            add(p, HEAP, h.heapUsed());
            h.heapUsedAfterGc().ifPresent(b -> add(p, HEAP_AFTER_GC, b));
            add(p, GC, h.gcTime().toNanos() / 1e9);
            h.connectionsByServer().forEach((address, taken) ->
                    p.add(point(SERVER_CONNECTIONS, SERVER_CONNECTIONS.family(), serverLabel(address), taken)));
        }
        return p;
    }

    /**
     * A shared server's figures, the primary's own: labelled with the server, not a worker. None when the
     * kernel deals its connections (what the workers took is in their own series).
     */
    static List<Point> of(ServerStats s) {
        List<Point> p = new ArrayList<>();
        if (!s.primaryAccepts()) {
            return p;
        }
        Map<String, String> server = serverLabel(s.address());
        p.add(point(ACCEPTED, ACCEPTED.family(), server, s.accepted()));
        p.add(point(SERVER_DEALT, SERVER_DEALT.family(), server, s.dealt()));
        p.add(point(SERVER_REFUSED, SERVER_REFUSED.family(), server, s.refused()));
        p.add(point(WAITING, WAITING.family(), server, s.waiting()));
        p.add(point(IN_FLIGHT, IN_FLIGHT.family(), server, s.inFlight()));
        LatencyHistogram h = s.handOff();
        String family = HAND_OFF.family();
        long cumulative = 0;
        for (int i = 0; i <= h.upperBounds().size(); i++) {
            cumulative += h.counts().get(i);
            Map<String, String> labels = new LinkedHashMap<>(server);
            labels.put("le", i < h.upperBounds().size() ? Exposition.bound(h.upperBounds().get(i).toNanos() / 1e9) : "+Inf");
            p.add(point(HAND_OFF, family + "_bucket", labels, cumulative));
        }
        p.add(point(HAND_OFF, family + "_count", server, cumulative));
        p.add(point(HAND_OFF, family + "_sum", server, h.sum().toNanos() / 1e9));
        return p;
    }

    private static Map<String, String> serverLabel(ListenAddress a) {
        return Map.of("server", a.describe());
    }

    private static Point point(Figure f, String sample, Map<String, String> labels, double value) {
        return new Point(Source.STATS, f.family(), f.type(), f.help(), sample, labels, value, f.type() == Type.COUNTER);
    }

    static Point info(Worker w) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("id", Integer.toString(w.id()));
        labels.put("pid", Long.toString(w.pid()));
        return new Point(Source.STATS, INFO.family(), Type.GAUGE, INFO.help(), INFO.family(), labels, 1, false);
    }

    static Point restarts(int restarts) {
        // The supervisor counts these per slot itself: nothing to carry over.
        return new Point(Source.STATS, RESTARTS.family(), Type.COUNTER, RESTARTS.help(), RESTARTS.family(), Map.of(),
                restarts, false);
    }

    /** Counters accumulate, and so continue across a slot's workers; gauges are the present worker's. */
    private static void add(List<Point> p, Figure f, double value) {
        p.add(point(f, f.family(), Map.of(), value));
    }
}
