package org.jcluster.core.internal.primary;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.jcluster.api.ListenAddress;
import org.jcluster.api.ListenException;
import org.jcluster.api.ProviderNotFoundException;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.core.internal.nativeio.NativeSockets;
import org.jcluster.core.internal.nativeio.Posix;
import org.jcluster.core.internal.nativeio.Syscalls;
import org.jcluster.core.internal.protocol.InternalMessage.QueryServer;
import org.jcluster.core.internal.protocol.InternalMessage.ServerReply;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.servers.Addresses;

/**
 * The primary's shared handles (Node's RoundRobinHandle and SharedHandle): one per distinct listen
 * query, bound on the first query, closed when its last worker leaves.
 *
 * <p>Threads: queries, closes and acks come on the workers' reader threads; each round-robin handle
 * accepts on a thread of its own. Creating, joining and removing handles is serialized by this
 * object's lock (binds are rare); the per-connection path (accept, hand-off, ack) takes no lock here,
 * only the dispatcher's own concurrency.
 */
public final class SharedHandles {
    private static final System.Logger LOG = System.getLogger("org.jcluster");

    private final Supplier<SchedulingPolicy> policy;
    private final Map<String, Handle> byKey = new HashMap<>(); // guarded by this
    private final Map<Integer, Handle> byId = new ConcurrentHashMap<>();
    /** Connections handed to a worker and not yet acknowledged, by id. */
    private final Map<Long, Connection> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger handleIds = new AtomicInteger();
    private final AtomicLong connectionIds = new AtomicLong();

    public SharedHandles(Supplier<SchedulingPolicy> policy) {
        this.policy = policy;
    }

    /** Reader thread: a worker wants to listen. Always answered, with the handle or the bind's error. */
    public void onQuery(ServerPeer peer, QueryServer query) {
        ServerReply reply;
        int fd = -1;
        synchronized (this) {
            Handle handle = byKey.get(query.key());
            if (handle == null) {
                try {
                    handle = open(query);
                } catch (ListenException e) {
                    // Nothing is kept of a failed bind, so the next query binds afresh (Node rule 33).
                    peer.sendInternal(new ServerReply(query.seq(), 0, e.code(), e.getMessage(), "", 0, ""), -1);
                    return;
                } catch (ProviderNotFoundException e) {
                    peer.sendInternal(new ServerReply(query.seq(), 0, "EINVAL", e.getMessage(), "", 0, ""), -1);
                    return;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "jcluster: the primary failed to listen for " + query, e);
                    peer.sendInternal(new ServerReply(query.seq(), 0, "EIO", "the primary failed to listen: " + e, "", 0, ""), -1);
                    return;
                }
                byKey.put(query.key(), handle);
                byId.put(handle.id, handle);
                if (query.port() == 0 && handle.address.port() > 0) {
                    // listen(0) then listen(thatPort) in another worker is the same server: share it too.
                    String alias = new QueryServer(0, query.index(), query.kind(), query.host(), handle.address.port(),
                            query.path(), query.backlog(), query.ipv6Only()).key();
                    if (byKey.putIfAbsent(alias, handle) == null) {
                        handle.alias = alias;
                    }
                }
            }
            handle.members.put(peer.worker(), peer);
            if (handle instanceof SharedHandle shared) {
                fd = Syscalls.dupCloexec(shared.fd);
                if (fd < 0) {
                    peer.sendInternal(new ServerReply(query.seq(), 0, "EMFILE", "the primary cannot copy the listening"
                            + " socket: " + Syscalls.describe(-fd), "", 0, ""), -1);
                    handle.members.remove(peer.worker());
                    closeIfUnused(handle);
                    return;
                }
            }
            ListenAddress a = handle.address;
            reply = new ServerReply(query.seq(), handle.id, "", "", a.address(), a.port(), a.addressType().name());
        }
        peer.sendInternal(reply, fd);
    }

    private Handle open(QueryServer q) throws ListenException {
        String host = q.host().isEmpty() ? null : q.host();
        int id = handleIds.incrementAndGet();
        return switch (q.kind()) {
            case "udp4", "udp6" -> {
                NativeSockets.BoundSocket s = NativeSockets.bindUdp(q.kind().equals("udp6"), host, q.port(), q.ipv6Only());
                yield new SharedHandle(id, q.key(), s.fd(), Addresses.listenAddress(s.localAddress(), true), Optional.empty());
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
                    yield new SharedHandle(id, q.key(), s.fd(), address, path);
                }
                try {
                    yield new RoundRobinHandle(id, q.key(), s.fd(), address, path, p);
                } catch (RuntimeException e) {
                    Syscalls.close(s.fd()); // the policy failed to make its dispatcher: nothing may stay bound
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
            rr.join(peer.worker());
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
            }
        }
    }

    /** Reader thread: the worker took, or refused, a connection it was handed. */
    public void onConnectionAck(ServerPeer peer, InternalMessage.ConnectionAck ack) {
        Connection c = inFlight.get(ack.connectionId());
        if (c == null || c.handedTo != peer.worker() || !inFlight.remove(ack.connectionId(), c)) {
            return; // already written off (the worker left meanwhile)
        }
        c.handle.answered(peer.worker(), c, ack.accepted());
    }

    private void leave(Handle handle, Worker worker, boolean gone) {
        synchronized (this) {
            if (handle.members.remove(worker) == null) {
                return;
            }
        }
        if (handle instanceof RoundRobinHandle rr) {
            rr.leave(worker, gone);
        }
        synchronized (this) {
            closeIfUnused(handle);
        }
    }

    private void closeIfUnused(Handle handle) {
        if (handle.members.isEmpty() && byKey.remove(handle.key, handle)) {
            if (handle.alias != null) {
                byKey.remove(handle.alias, handle);
            }
            byId.remove(handle.id);
            handle.close();
        }
    }

    /** Number of handles open, for tests. */
    public int openHandles() {
        return byId.size();
    }

    private abstract static class Handle {
        final int id;
        final String key;
        final ListenAddress address;
        final Optional<Path> unixPath;
        final Map<Worker, ServerPeer> members = new ConcurrentHashMap<>();
        /** The key with the real port, for a handle first asked for with port 0; guarded by SharedHandles.this. */
        String alias;

        Handle(int id, String key, ListenAddress address, Optional<Path> unixPath) {
            this.id = id;
            this.key = key;
            this.address = address;
            this.unixPath = unixPath;
        }

        void answered(Worker worker, Connection c, boolean accepted) {
        }

        abstract void close();

        void removeSocketFile() {
            unixPath.ifPresent(p -> {
                try {
                    Files.deleteIfExists(p); // Node rule 38: the file goes with the server
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "jcluster: cannot remove the socket file " + p + ": " + e);
                }
            });
        }
    }

    /** "none" and UDP: the primary binds; every worker gets a copy of the socket. */
    private static final class SharedHandle extends Handle {
        final int fd;

        SharedHandle(int id, String key, int fd, ListenAddress address, Optional<Path> unixPath) {
            super(id, key, address, unixPath);
            this.fd = fd;
        }

        @Override
        void close() {
            Posix.closeQuietly(fd);
            removeSocketFile();
        }
    }

    /** A connection the primary holds: its own copy stays open until a worker took it. */
    private static final class Connection implements PendingConnection {
        final long id;
        final int fd;
        final SocketAddress remote;
        final RoundRobinHandle handle;
        final AtomicBoolean closed = new AtomicBoolean();
        volatile Worker handedTo;

        Connection(long id, int fd, SocketAddress remote, RoundRobinHandle handle) {
            this.id = id;
            this.fd = fd;
            this.remote = remote;
            this.handle = handle;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public SocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                Syscalls.close(fd); // once only: a second close could hit a reused descriptor
            }
        }

        @Override
        public String toString() {
            return "connection " + id + " from " + remote;
        }
    }

    /** Under a policy whose primary accepts: an accept thread feeding the policy's dispatcher. */
    private final class RoundRobinHandle extends Handle implements DispatchContext {
        private final int fd;
        private final ConnectionDispatcher dispatcher;
        /** Workers the dispatcher was told about (joined, not yet left). */
        private final Set<Worker> joined = ConcurrentHashMap.newKeySet();
        private final Thread acceptThread;
        private volatile boolean open = true;

        RoundRobinHandle(int id, String key, int fd, ListenAddress address, Optional<Path> unixPath, SchedulingPolicy policy) {
            super(id, key, address, unixPath);
            this.fd = fd;
            this.dispatcher = policy.newDispatcher(this);
            this.acceptThread = new Thread(this::acceptLoop, "jcluster-primary-accept-" + Addresses.describe(address));
            this.acceptThread.setDaemon(true);
            this.acceptThread.start();
        }

        @Override
        public ListenAddress address() {
            return address;
        }

        private void acceptLoop() {
            try {
                while (open) {
                    NativeSockets.AcceptedConnection a;
                    try {
                        a = NativeSockets.accept(fd);
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
                    Connection c = new Connection(connectionIds.incrementAndGet(), a.fd(), a.remoteAddress(), this);
                    if (!open) {
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
            } finally {
                Syscalls.close(fd);
            }
        }

        void join(Worker worker) {
            if (joined.add(worker)) {
                dispatcher.workerJoined(worker);
            }
        }

        /**
         * @param gone the worker's channel is closed: connections handed to it and not acknowledged went
         *     with it (Node loses them too). A worker that only closed its server still answers for them:
         *     it refuses them, and they go to another worker.
         */
        void leave(Worker worker, boolean gone) {
            if (!joined.remove(worker)) {
                return;
            }
            if (gone) {
                for (Connection c : inFlight.values()) {
                    if (c.handle == this && c.handedTo == worker && inFlight.remove(c.id, c)) {
                        c.close();
                    }
                }
            }
            dispatcher.workerLeft(worker);
        }

        @Override
        public boolean handOff(Worker worker, PendingConnection connection) {
            if (!(connection instanceof Connection c) || c.handle != this) {
                throw new IllegalArgumentException(connection + " is not a connection of the server on "
                        + Addresses.describe(address));
            }
            if (c.closed.get()) {
                throw new IllegalArgumentException(c + " was already closed; a closed connection cannot be handed off");
            }
            ServerPeer peer = members.get(worker);
            if (peer == null || !joined.contains(worker) || !peer.isConnected()) {
                return false;
            }
            c.handedTo = worker;
            inFlight.put(c.id, c);
            // leave() may have swept inFlight before the put: look again, so nothing is stranded.
            if (!joined.contains(worker)) {
                return !inFlight.remove(c.id, c); // if leave() took it meanwhile, it also closed it
            }
            int copy = Syscalls.dupCloexec(c.fd);
            if (copy < 0) {
                inFlight.remove(c.id, c);
                LOG.log(System.Logger.Level.WARNING, "jcluster: cannot copy " + c + " to hand it over: "
                        + Syscalls.describe(-copy));
                return false;
            }
            peer.sendInternal(new InternalMessage.NewConnection(id, c.id), copy);
            return true;
        }

        @Override
        void answered(Worker worker, Connection c, boolean accepted) {
            if (!open) {
                c.close();
                return;
            }
            if (accepted) {
                c.close(); // the worker has its own copy now
                dispatcher.connectionAcknowledged(worker, c);
            } else {
                dispatcher.connectionRefused(worker, c);
            }
        }

        @Override
        void close() {
            open = false;
            Syscalls.shutdown(fd, Syscalls.SHUT_RDWR); // wakes the accept thread, which closes the fd
            for (Worker w : List.copyOf(joined)) {
                leave(w, true);
            }
            for (Connection c : inFlight.values()) {
                if (c.handle == this && inFlight.remove(c.id, c)) {
                    c.close();
                }
            }
            dispatcher.close();
            removeSocketFile();
        }
    }
}
