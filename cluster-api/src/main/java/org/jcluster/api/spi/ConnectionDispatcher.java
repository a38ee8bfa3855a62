package org.jcluster.api.spi;

import org.jcluster.api.Worker;

/**
 * Decides which worker gets each connection of one shared server, for a policy whose primary accepts.
 * The primary tells it what happens (workers join and leave, connections are accepted, then
 * acknowledged or refused by the worker they went to); it places connections with
 * {@link DispatchContext#handOff}.
 *
 * <p>Threads: the primary calls a dispatcher one call at a time, each call seeing everything the earlier
 * ones did (as if on one thread), so a dispatcher keeps plain fields and collections, with no lock. The
 * calls run on the threads that move every connection (the accept thread, the workers' channel readers,
 * the timer of {@link DispatchContext#schedule}): they must not block.
 *
 * <p>Identity: the primary passes back the very {@link PendingConnection} instance the dispatcher was
 * given, so a dispatcher may match answers to hand-offs by identity.
 *
 * <p>Ownership: a connection passed to {@link #connectionAccepted} or {@link #connectionRefused} is the
 * dispatcher's until it hands it off (successfully) or closes it. One that is acknowledged is the
 * worker's.
 */
public interface ConnectionDispatcher {
    /** {@code worker} listens on this server and can be handed connections. */
    void workerJoined(Worker worker);

    /**
     * {@code worker} stopped listening, disconnected or died. Connections queued for it must go to
     * others. For a worker that disconnected or died, a connection handed to it and not yet answered is
     * lost with it (the primary closes its copy; no answer follows). A worker that only closed its server
     * is still connected and still answers for what it was handed: those answers (refusals, normally)
     * arrive after this call, and a refused connection must go to another worker as usual.
     */
    void workerLeft(Worker worker);

    /** The primary accepted a new connection. */
    void connectionAccepted(PendingConnection connection);

    /** {@code worker} took the connection last handed to it: it is ready for another. */
    void connectionAcknowledged(Worker worker, PendingConnection connection);

    /**
     * {@code worker} refused the connection (at its connection limit, or closing its server): it is
     * back with the dispatcher, still open, to hand to another worker or close. {@code worker} is ready
     * for another connection unless it has left.
     */
    void connectionRefused(Worker worker, PendingConnection connection);

    /** The server closed: close every connection still held. No call follows. */
    void close();
}
