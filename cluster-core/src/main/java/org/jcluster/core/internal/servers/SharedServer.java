package org.jcluster.core.internal.servers;

import java.nio.channels.ServerSocketChannel;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;

import org.jcluster.api.ConnectionHandler;
import org.jcluster.api.ListenAddress;

/**
 * A worker's server under "none": a copy of the primary's listening socket, on which this worker
 * accepts for itself and the kernel decides which worker gets each connection. Accepts on a blocking
 * thread: the design brief measured blocking accepts across workers as balanced, selector-driven ones
 * not. The thread is not a daemon: a listening server keeps the worker alive, as in Node. Without a
 * handler there is no thread: the program accepts on the channel itself.
 */
final class SharedServer extends AcceptingServer implements WorkerServers.Share {
    private final WorkerServers servers;
    private final int handleId;
    private final ServerSocketChannel listening;
    private final Runnable releaseIndex;
    private final Thread acceptThread;

    SharedServer(WorkerServers servers, int handleId, ListenAddress address, ServerSocketChannel listening,
            ConnectionHandler handler, OptionalInt maxConnections, Runnable releaseIndex) {
        super(address, handler, maxConnections, servers.primary()::reportError);
        this.servers = servers;
        this.handleId = handleId;
        this.listening = listening;
        this.releaseIndex = releaseIndex;
        if (handler == null) {
            acceptThread = null; // the program accepts on listeningChannel() itself
            acceptLoopEnded.complete(null);
        } else {
            acceptThread = new Thread(() -> acceptLoop(listening), "jcluster-accept-" + Addresses.describe(address));
        }
    }

    void startAccepting() {
        if (acceptThread != null) {
            acceptThread.start();
        }
    }

    @Override
    public int handleId() {
        return handleId;
    }

    @Override
    public Optional<ServerSocketChannel> listeningChannel() {
        return Optional.of(listening);
    }


    @Override
    CompletionStage<Void> stopListening() {
        // Closing this copy only: the socket stays open in the primary and in the other workers.
        LocalServer.closeQuietly(listening);
        // The close is over once the accept thread has handed on what it accepted last, too.
        return servers.leave(this, releaseIndex).thenCombine(acceptLoopEnded, (left, ended) -> null);
    }
}
