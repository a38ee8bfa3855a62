package org.jcluster.examples.sticky;

import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;

/**
 * Sticky scheduling for one shared server: every connection from one client IP address goes to the
 * same worker for as long as the set of listening workers does not change. This class is the worked
 * example of a scheduling policy written by a third party: it uses nothing but {@code jcluster.api}
 * ({@link ConnectionDispatcher}, {@link DispatchContext}, {@link PendingConnection}, {@link Worker}).
 *
 * <h2>What the primary tells a dispatcher, and what it may do</h2>
 * A policy whose {@link org.jcluster.api.spi.SchedulingPolicy#primaryAccepts()} is true gets one
 * dispatcher per shared server. The primary calls it when a worker starts listening on the server
 * ({@link #workerJoined}) or stops ({@link #workerLeft}: it closed its server, disconnected or died),
 * when it accepted a connection ({@link #connectionAccepted}), and when the worker a connection was
 * handed to took it ({@link #connectionAcknowledged}) or gave it back ({@link #connectionRefused}). The
 * dispatcher places connections with {@link DispatchContext#handOff}, which answers false when that
 * worker can take no more. The rules a dispatcher must keep:
 * <ul>
 *   <li><b>Ownership.</b> A connection given to {@code connectionAccepted} or {@code connectionRefused}
 *       is the dispatcher's until a hand-off of it succeeds or the dispatcher closes it: it must do one
 *       or the other, eventually, and never both. After {@code close()} nothing may stay open.</li>
 *   <li><b>One call at a time.</b> The primary never calls a dispatcher twice at once, and each call
 *       sees what the earlier ones did: plain fields and collections, no lock.</li>
 *   <li><b>No blocking.</b> The calls run on the threads that move every connection of the cluster.</li>
 * </ul>
 *
 * <h2>The choice of worker: rendezvous hashing</h2>
 * For a client at IP address {@code a} each joined worker {@code w} gets a weight,
 * {@code mix(key(a) ^ mix(id(w)))} (a 64-bit hash; {@link #weight}), and the connection goes to the
 * worker of highest weight (ties, which a 64-bit hash makes theoretical, go to the lower id). This is
 * highest-random-weight, or rendezvous, hashing. Its property is the reason for the choice: when a
 * worker leaves, only the clients whose first choice it was move (each to its second choice), and
 * when a worker joins, only the clients whose first choice it now is move to it; every other client
 * keeps its worker. A modulo hash ({@code key % n}) would move almost every client whenever a worker
 * came or went. Worker ids are never reused within a primary, so a restarted worker is a new worker:
 * the clients it takes over are simply the ones that rank it first.
 *
 * <p>An IPv4 address seen through a dual-stack socket ({@code ::ffff:a.b.c.d}) counts as the IPv4
 * address, so a client keeps its worker whichever way the server was bound. A client with no IP
 * address (a Unix-domain socket's client, usually unnamed) cannot be told from any other, so those
 * connections go round-robin over the joined workers instead.
 *
 * <h2>How connections travel</h2>
 * <ul>
 *   <li><b>One at a time per worker.</b> Each joined worker has a FIFO queue; it is handed its next
 *       connection only once it answered the last one (as Node's round-robin does), so a busy worker's
 *       clients wait in the primary instead of piling up in its channel, and a worker that leaves has
 *       at most one unanswered connection (which the SPI says is lost with it).</li>
 *   <li><b>No worker yet.</b> Connections accepted while no worker has joined are held, and placed
 *       when the first one joins.</li>
 *   <li><b>A worker leaves.</b> Its queued connections are placed again over the remaining workers:
 *       by the hash, that is each client's second choice.</li>
 *   <li><b>A hand-off fails</b> ({@code handOff} answers false or throws). The worker is dropped from
 *       this dispatcher (its {@code workerLeft} follows) and the connection, with the rest of its
 *       queue, is placed again.</li>
 *   <li><b>A worker refuses a connection</b> (at its connection limit, or closing its server). The
 *       refusal is remembered for that connection and it goes to the highest-ranked worker that has not
 *       refused it; once every joined worker has refused it, it is closed. The refusing worker is ready
 *       for its next connection.</li>
 *   <li><b>{@code close()}</b> closes every connection still held: waiting, and queued for a worker.
 *       A connection already handed off is the worker's; one that comes back refused afterwards is
 *       closed on arrival.</li>
 * </ul>
 *
 * <h2>What is not promised</h2>
 * Stickiness holds while the set of workers is unchanged. Connections already queued for a worker
 * stay with it when another worker joins, though their clients' next connections may go to the
 * newcomer. A worker that stops answering keeps its clients waiting: this policy trades the
 * round-robin's spreading of load for affinity.
 */
final class StickyDispatcher implements ConnectionDispatcher {
    private static final System.Logger LOG = System.getLogger(StickyDispatcher.class.getName());

    private final DispatchContext context;

    /** The joined workers in join order (the round-robin order), each with its slot. */
    private final Map<Worker, Slot> slots = new LinkedHashMap<>();
    /** Connections accepted while no worker had joined, in arrival order. */
    private final ArrayDeque<PendingConnection> waiting = new ArrayDeque<>();
    /** Connections handed off and not answered yet, by id, with their slot. */
    private final Map<Long, Slot> handed = new HashMap<>();
    /** For each connection that came back refused and is still ours: the workers that refused it. */
    private final Map<Long, Set<Worker>> refusals = new HashMap<>();
    /** Turns of the round-robin for clients with no IP address. */
    private long nextTurn;
    private boolean closed;

    StickyDispatcher(DispatchContext context) {
        this.context = Objects.requireNonNull(context, "context");
    }

    /** One listening life of a worker in this dispatcher. A worker that joins again gets a new one. */
    private static final class Slot {
        final Worker worker;
        /** Connections placed on this worker and not handed off yet, first in first out. */
        final ArrayDeque<PendingConnection> queue = new ArrayDeque<>();
        /** The connection handed off and not answered yet: at most one. */
        PendingConnection inFlight;
        /** False once the worker left or could not take a hand-off; a retired slot is never used again. */
        boolean current = true;

        Slot(Worker worker) {
            this.worker = worker;
        }
    }

    // ---- ConnectionDispatcher ----

    @Override
    public void workerJoined(Worker worker) {
        Objects.requireNonNull(worker, "worker");
        if (closed || slots.containsKey(worker)) {
            return; // a second join of a listening worker changes nothing
        }
        slots.put(worker, new Slot(worker));
        // Held connections can go now. The set of workers changed: the hash decides afresh.
        PendingConnection c;
        while ((c = waiting.poll()) != null) {
            place(c);
        }
    }

    @Override
    public void workerLeft(Worker worker) {
        Slot slot = slots.remove(worker);
        if (slot != null) { // else never joined, left already, or dropped after a failed hand-off
            retire(slot);
        }
    }

    @Override
    public void connectionAccepted(PendingConnection connection) {
        place(Objects.requireNonNull(connection, "connection"));
    }

    @Override
    public void connectionAcknowledged(Worker worker, PendingConnection connection) {
        refusals.remove(connection.id()); // the worker's now, for good
        Slot slot = handed.get(connection.id());
        if (slot == null || !slot.worker.equals(worker)) {
            return; // a late answer: its worker left and the connection was written off
        }
        handed.remove(connection.id());
        slot.inFlight = null;
        pump(slot);
    }

    @Override
    public void connectionRefused(Worker worker, PendingConnection connection) {
        Objects.requireNonNull(connection, "connection");
        if (closed) {
            close(connection, "refused after the server closed");
            return;
        }
        Slot slot = handed.get(connection.id());
        boolean itsOwn = slot != null && slot.worker.equals(worker);
        if (itsOwn) {
            handed.remove(connection.id()); // before place() may hand it to someone else
            slot.inFlight = null;
        }
        // Ours again, whatever the slot says (SPI ownership rule): to the best-ranked worker that has not
        // refused it. Node too offers it to the others before the refusing worker gets another.
        refusals.computeIfAbsent(connection.id(), id -> new HashSet<>()).add(worker);
        place(connection);
        if (itsOwn) {
            pump(slot); // the refusing worker is ready for its next one
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<PendingConnection> held = new ArrayList<>(waiting);
        waiting.clear();
        for (Slot slot : slots.values()) {
            slot.current = false;
            held.addAll(slot.queue);
            slot.queue.clear();
        }
        slots.clear();
        handed.clear(); // handed-off connections are the workers'; a refused one is closed on return
        refusals.clear();
        held.forEach(c -> close(c, "the server closed"));
    }

    // ---- Decisions ----

    /** Places a connection that is ours: on a worker's queue, in the waiting line, or closed. */
    private void place(PendingConnection connection) {
        if (closed) {
            refusals.remove(connection.id());
            close(connection, "the server closed");
            return;
        }
        if (slots.isEmpty()) {
            waiting.add(connection); // until a worker joins
            return;
        }
        Slot target = choose(connection);
        if (target == null) {
            refusals.remove(connection.id());
            close(connection, "every listening worker refused it");
            return;
        }
        target.queue.add(connection);
        pump(target);
    }

    /**
     * The worker for {@code connection} among the joined ones that have not refused it: the highest
     * rendezvous weight for its client's IP address, or the next in turn for a client with none. Null
     * when every joined worker refused it.
     */
    private Slot choose(PendingConnection connection) {
        Set<Worker> refused = refusals.getOrDefault(connection.id(), Set.of());
        InetAddress client = clientAddress(connection.remoteAddress());
        if (client != null) {
            long key = addressKey(client);
            Slot best = null;
            long bestWeight = 0;
            for (Slot slot : slots.values()) {
                if (refused.contains(slot.worker)) {
                    continue;
                }
                long w = weight(key, slot.worker.id());
                int order = best == null ? 1 : Long.compareUnsigned(w, bestWeight);
                if (order > 0 || order == 0 && slot.worker.id() < best.worker.id()) {
                    best = slot;
                    bestWeight = w;
                }
            }
            return best;
        }
        // No address to hash: the next worker in turn (join order), skipping those that refused it.
        List<Slot> inTurn = new ArrayList<>(slots.values());
        int n = inTurn.size();
        int start = (int) Math.floorMod(nextTurn++, (long) n);
        for (int i = 0; i < n; i++) {
            Slot slot = inTurn.get((start + i) % n);
            if (!refused.contains(slot.worker)) {
                return slot;
            }
        }
        return null;
    }

    /**
     * Hands the slot's next queued connection off if it has nothing unanswered. A hand-off that fails
     * drops the worker (its {@code workerLeft} follows): its queue and that connection are placed again.
     */
    private void pump(Slot slot) {
        if (!slot.current || slot.inFlight != null) {
            return;
        }
        PendingConnection next = slot.queue.poll();
        if (next == null) {
            return;
        }
        if (handOff(slot.worker, next)) {
            slot.inFlight = next;
            handed.put(next.id(), slot);
        } else {
            slots.remove(slot.worker, slot);
            retire(slot);
            place(next);
        }
    }

    /**
     * The slot's worker takes no more connections (it is already out of {@link #slots}): its queue goes
     * to the others, and what it left unanswered is written off: lost with the worker (the primary closes
     * its copy; no answer follows).
     */
    private void retire(Slot slot) {
        slot.current = false;
        PendingConnection unanswered = slot.inFlight;
        if (unanswered != null) {
            handed.remove(unanswered.id(), slot);
            refusals.remove(unanswered.id());
            slot.inFlight = null;
        }
        PendingConnection c;
        while ((c = slot.queue.poll()) != null) {
            place(c); // the clients' next choice
        }
    }

    // ---- Calls out ----

    private boolean handOff(Worker worker, PendingConnection connection) {
        try {
            return context.handOff(worker, connection);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "handing connection " + connection.id() + " to worker " + worker.id()
                    + " failed; that worker gets no more connections from this server", e);
            return false;
        }
    }

    private static void close(PendingConnection connection, String why) {
        LOG.log(Level.DEBUG, "closing connection {0}: {1}", connection.id(), why);
        try {
            connection.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing connection " + connection.id() + " failed", e);
        }
    }

    // ---- The hash ----

    /** The client's IP address, or null for a client that has none (Unix-domain). */
    static InetAddress clientAddress(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    /** A 64-bit key for a client IP address; an IPv4-mapped IPv6 address counts as its IPv4 address. */
    static long addressKey(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 16 && isIpv4Mapped(bytes)) {
            bytes = Arrays.copyOfRange(bytes, 12, 16);
        }
        long h = 0xcbf29ce484222325L; // FNV-1a, then mixed: every bit of the address moves every bit of the key
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    private static boolean isIpv4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** The rendezvous weight of worker {@code workerId} for a client (compared unsigned; highest wins). */
    static long weight(long clientKey, int workerId) {
        return mix(clientKey ^ mix(workerId));
    }

    /** SplitMix64's finalizer: a bijection on 64 bits with full avalanche. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * The worker ids in the order a client at {@code client} prefers them: the first is where its
     * connections go, the second where they go should the first leave or refuse, and so on. The same
     * ranking the dispatcher uses; for tests and for diagnostics.
     */
    static List<Integer> ranking(InetAddress client, Collection<Integer> workerIds) {
        long key = addressKey(client);
        List<Integer> ids = new ArrayList<>(workerIds);
        ids.sort(Comparator.<Integer, Long>comparing(id -> weight(key, id), Long::compareUnsigned).reversed()
                .thenComparing(Comparator.naturalOrder()));
        return ids;
    }

    // ---- For tests and diagnostics ----

    /** Connections held because no worker has joined. */
    int waitingCount() {
        return waiting.size();
    }

    /** Connections queued for {@code worker}, not counting the one it has not answered. */
    List<PendingConnection> queuedFor(Worker worker) {
        Slot slot = slots.get(worker);
        return slot == null ? List.of() : List.copyOf(slot.queue);
    }

    /** The connection handed to {@code worker} and not answered yet. */
    Optional<PendingConnection> unansweredBy(Worker worker) {
        Slot slot = slots.get(worker);
        return slot == null ? Optional.empty() : Optional.ofNullable(slot.inFlight);
    }

    /** Connections that came back refused and are still held, with their refusals. */
    int refusalRecords() {
        return refusals.size();
    }

    /** Connections handed off and not answered yet, over every worker. */
    int unansweredCount() {
        return handed.size();
    }

    @Override
    public String toString() {
        List<String> workers = new ArrayList<>();
        for (Slot s : slots.values()) {
            workers.add("worker " + s.worker.id() + " (queued " + s.queue.size() + (s.inFlight != null ? ", 1 unanswered" : "") + ")");
        }
        return "StickyDispatcher[" + context.address() + ", waiting " + waiting.size() + ", workers " + workers
                + (closed ? ", closed" : "") + "]";
    }
}
