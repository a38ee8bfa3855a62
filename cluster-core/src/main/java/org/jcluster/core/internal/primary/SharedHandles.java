package org.jcluster.core.internal.primary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.jcluster.api.ListenAddress;
import org.jcluster.api.ListenException;
import org.jcluster.api.ProviderNotFoundException;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.core.internal.protocol.InternalMessage.QueryServer;
import org.jcluster.core.internal.protocol.InternalMessage.ServerReply;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.servers.Addresses;
import org.jcluster.core.internal.transport.Descriptor;
import org.jcluster.core.internal.transport.NativeSockets;

/**
 * The primary's shared servers (Node's SharedHandle and RoundRobinHandle; {@link Handle}): one per
 * distinct listen query, bound on the first query, closed when its last worker leaves.
 *
 * <p>Threads: queries, closes and acks come on the workers' reader threads; each round-robin handle
 * accepts on a thread of its own. Creating, joining and removing handles is serialized by this
 * object's lock (binds are rare). The per-connection path takes no lock: each round-robin handle runs
 * its dispatcher in turns of its own ({@link RoundRobinHandle}).
 */
public final class SharedHandles {
    private static final System.Logger LOG = System.getLogger("org.jcluster");

    private final Supplier<SchedulingPolicy> policy;
    /** Runs the dispatchers' timers (due tasks then take their dispatcher's turn). */
    private final ScheduledExecutorService timer;
    private final Map<String, Handle> byKey = new HashMap<>(); // guarded by this
    private final Map<Integer, Handle> byId = new ConcurrentHashMap<>();
    /** Connections handed to a worker and not yet answered, by id; changed only in their handle's turn. */
    private final Map<Long, HeldConnection> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger handleIds = new AtomicInteger();
    private final AtomicLong connectionIds = new AtomicLong();

    public SharedHandles(Supplier<SchedulingPolicy> policy, ScheduledExecutorService timer) {
        this.policy = policy;
        this.timer = timer;
    }

    /** Reader thread: a worker wants to listen. Always answered, with the handle or the bind's error. */
    public void onQuery(ServerPeer peer, QueryServer query) {
        ServerReply reply;
        Descriptor copy = null;
        synchronized (this) {
            Handle handle = byKey.get(query.key());
            if (handle == null) {
                try {
                    handle = open(query);
                } catch (ListenException e) {
                    // Nothing is kept of a failed bind, so the next query binds afresh (Node rule 33).
                    peer.sendInternal(new ServerReply(query.seq(), 0, e.code(), e.getMessage(), "", 0, ""), null);
                    return;
                } catch (ProviderNotFoundException e) {
                    peer.sendInternal(new ServerReply(query.seq(), 0, "EINVAL", e.getMessage(), "", 0, ""), null);
                    return;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "jcluster: the primary failed to listen for " + query, e);
                    peer.sendInternal(new ServerReply(query.seq(), 0, "EIO", "the primary failed to listen: " + e, "", 0, ""), null);
                    return;
                }
                byKey.put(query.key(), handle);
                byId.put(handle.id, handle);
                if (query.port() == 0 && handle.address.port() > 0) {
                    // listen(0) then listen(thatPort) in another worker is the same server: share it too.
                    String alias = new QueryServer(0, query.index(), query.kind(), query.host(), handle.address.port(),
                            query.path(), query.backlog(), query.ipv6Only(), false).key();
                    if (byKey.putIfAbsent(alias, handle) == null) {
                        handle.alias = alias;
                    }
                }
            }
            if (query.acceptsItself() && handle instanceof RoundRobinHandle) {
                peer.sendInternal(new ServerReply(query.seq(), 0, "ENOTSUP", "listen(options) without a handler needs"
                        + " a scheduling policy under which workers accept (\"none\"); under \"" + policy.get().name()
                        + "\" the primary accepts and hands connections to listen(options, handler)", "", 0, ""), null);
                closeIfUnused(handle);
                return;
            }
            handle.members.put(peer.worker(), peer);
            if (handle instanceof SharedHandle shared) {
                try {
                    copy = shared.socket.duplicate();
                } catch (IOException e) {
                    peer.sendInternal(new ServerReply(query.seq(), 0, "EMFILE", "the primary cannot copy the listening"
                            + " socket: " + e.getMessage(), "", 0, ""), null);
                    handle.members.remove(peer.worker());
                    closeIfUnused(handle);
                    return;
                }
            }
            ListenAddress a = handle.address;
            reply = new ServerReply(query.seq(), handle.id, "", "", a.address(), a.port(), a.addressType().name());
        }
        peer.sendInternal(reply, copy);
    }

    private Handle open(QueryServer q) throws ListenException {
        String host = q.host().isEmpty() ? null : q.host();
        int id = handleIds.incrementAndGet();
        return switch (q.kind()) {
            case "udp4", "udp6" -> {
                NativeSockets.BoundSocket s = NativeSockets.bindUdp(q.kind().equals("udp6"), host, q.port(), q.ipv6Only());
                yield new SharedHandle(id, q.key(), s.socket(), Addresses.listenAddress(s.localAddress(), true), Optional.empty());
            }
            case "tcp", "unix" -> {
                SchedulingPolicy p = policy.get(); // before binding: a bad policy name must not leak a socket
                boolean unix = q.kind().equals("unix");
                NativeSockets.BoundSocket s = unix
                        ? NativeSockets.listenUnix(Path.of(q.path()), q.backlog())
                        : NativeSockets.listenTcp(host, q.port(), q.backlog(), q.ipv6Only());
                ListenAddress address = Addresses.listenAddress(s.localAddress(), false);
                Optional<Path> path = unix ? Optional.of(Path.of(q.path())) : Optional.empty();
                if (!p.primaryAccepts()) {
                    yield new SharedHandle(id, q.key(), s.socket(), address, path);
                }
                try {
                    yield new RoundRobinHandle(id, q.key(), s.socket(), address, path, p, inFlight, connectionIds, timer);
                } catch (RuntimeException e) {
                    s.socket().close(); // the policy failed to make its dispatcher: nothing may stay bound
                    path.ifPresent(f -> f.toFile().delete());
                    throw e;
                }
            }
            default -> throw new ListenException("EINVAL", "unknown kind of server '" + q.kind() + "'");
        };
    }

    /** Reader thread: the worker's server on {@code handleId} listens; under round-robin it now gets connections. */
    public void onListening(ServerPeer peer, int handleId) {
        Handle handle = byId.get(handleId);
        if (handle instanceof RoundRobinHandle rr && handle.members.containsKey(peer.worker())) {
            rr.add(peer.worker());
        }
    }

    /** Reader thread: a worker closed its server on {@code handleId}. */
    public void onClose(ServerPeer peer, int handleId) {
        Handle handle = byId.get(handleId);
        if (handle != null) {
            // Still connected: connections on their way to it come back refused and go elsewhere.
            leave(handle, peer.worker(), false);
        }
    }

    /** A worker disconnected or died: it leaves every handle (Node's removeHandlesForWorker). */
    public void workerGone(Worker worker) {
        for (Handle handle : List.copyOf(byId.values())) {
            if (handle.members.containsKey(worker)) {
                leave(handle, worker, true);
            } else if (handle instanceof RoundRobinHandle rr) {
                // It closed its server here before: what it was handed and never answered went with it.
                rr.remove(worker, true);
            }
        }
    }

    /** Reader thread: the worker took, or refused, a connection it was handed. */
    public void onConnectionAck(ServerPeer peer, InternalMessage.ConnectionAck ack) {
        HeldConnection c = inFlight.get(ack.connectionId());
        if (c != null) { // else already written off (the worker left meanwhile)
            c.handle.answer(peer.worker(), c, ack.accepted());
        }
    }

    private void leave(Handle handle, Worker worker, boolean gone) {
        synchronized (this) {
            if (handle.members.remove(worker) == null) {
                return;
            }
        }
        if (handle instanceof RoundRobinHandle rr) {
            rr.remove(worker, gone);
        }
        synchronized (this) {
            closeIfUnused(handle);
        }
    }

    /**
     * Closed under the lock, so that a query for the same address that comes next binds afresh; a
     * handle's close only releases its socket here (a round-robin handle closes its dispatcher later, in turn).
     */
    private void closeIfUnused(Handle handle) {
        if (handle.members.isEmpty() && byKey.remove(handle.key, handle)) {
            if (handle.alias != null) {
                byKey.remove(handle.alias, handle);
            }
            byId.remove(handle.id);
            handle.close();
        }
    }

    /** Every open server's figures, in the order they were first listened on. */
    List<ServerFigures> figures() {
        return byId.values().stream().sorted(Comparator.comparingInt(h -> h.id)).map(Handle::figures).toList();
    }

    /** Number of handles open, for tests. */
    public int openHandles() {
        return byId.size();
    }
}
