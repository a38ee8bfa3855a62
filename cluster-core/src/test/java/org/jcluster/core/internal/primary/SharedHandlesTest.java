package org.jcluster.core.internal.primary;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.Worker;
import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.core.internal.nativeio.Syscalls;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.protocol.InternalMessage.QueryServer;
import org.jcluster.core.internal.protocol.InternalMessage.ServerReply;
import org.junit.jupiter.api.Test;

/** The primary's shared servers, driven as workers' channels drive them, over a real socket. */
class SharedHandlesTest {
    private static final long DEADLINE_MS = 20_000;

    /** A worker's channel as the shared servers see it; it never answers a hand-off. */
    static final class SilentPeer implements ServerPeer {
        final Worker worker;
        final LinkedBlockingQueue<InternalMessage> sent = new LinkedBlockingQueue<>();

        SilentPeer(int id) {
            worker = new RoundRobinHandleTest.AnsweringPeer(id).worker;
        }

        @Override
        public Worker worker() {
            return worker;
        }

        @Override
        public boolean isConnected() {
            return true;
        }

        @Override
        public void sendInternal(InternalMessage message, int fd) {
            if (fd >= 0) {
                Syscalls.close(fd); // the worker's copy: this stand-in serves nothing
            }
            sent.add(message);
        }

        <M extends InternalMessage> M next(Class<M> type) throws InterruptedException {
            InternalMessage m = sent.poll(DEADLINE_MS, TimeUnit.MILLISECONDS);
            assertThat(m).as("a " + type.getSimpleName() + " within " + DEADLINE_MS + " ms").isInstanceOf(type);
            return type.cast(m);
        }
    }

    @Test
    void aWorkerThatClosedItsServerAndThenDiedTakesWhatItHeldUnansweredWithIt() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        SchedulingPolicy rr = new SchedulingPolicy() {
            @Override
            public String name() {
                return "probed";
            }

            @Override
            public boolean primaryAccepts() {
                return true;
            }

            @Override
            public ConnectionDispatcher newDispatcher(DispatchContext context) {
                return new RoundRobinHandleTest.ProbedDispatcher(context);
            }
        };
        SharedHandles handles = new SharedHandles(() -> rr, timer);
        SilentPeer peer = new SilentPeer(1);
        SilentPeer stays = new SilentPeer(2); // keeps the handle open, never listens
        try {
            QueryServer query = new QueryServer(1, 0, "tcp", "127.0.0.1", 0, "", 16, false);
            handles.onQuery(peer, query);
            ServerReply reply = peer.next(ServerReply.class);
            assertThat(reply.errorCode()).isEmpty();
            handles.onQuery(stays, new QueryServer(1, 0, "tcp", "127.0.0.1", 0, "", 16, false));
            stays.next(ServerReply.class);
            handles.onListening(peer, reply.handleId());

            try (SocketChannel client = SocketChannel.open(new InetSocketAddress("127.0.0.1", reply.port()))) {
                peer.next(InternalMessage.NewConnection.class); // handed to it; it will never answer
                handles.onClose(peer, reply.handleId()); // it closed its server, still connected...
                handles.workerGone(peer.worker()); // ...then died without a word
                // The primary's copy is closed: the client sees the end (before the fix it waited forever).
                // A time-out (SocketTimeoutException) fails the test: the connection was left open.
                client.socket().setSoTimeout((int) DEADLINE_MS);
                int read;
                try {
                    read = client.socket().getInputStream().read();
                } catch (SocketException reset) {
                    read = -1;
                }
                assertThat(read).as("the client's connection ended").isEqualTo(-1);
            }
        } finally {
            handles.workerGone(stays.worker());
            timer.shutdown();
        }
        assertThat(handles.openHandles()).isZero();
    }
}
