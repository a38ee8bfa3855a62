package org.jcluster.core.internal.primary;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.core.internal.protocol.InternalMessage.QueryServer;
import org.jcluster.core.internal.protocol.InternalMessage.ServerReply;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.junit.jupiter.api.Test;

/** The primary's shared servers, driven as workers' channels drive them, over a real socket. */
class SharedHandlesTest {
    private static final long DEADLINE_MS = 20_000;

    @Test
    void aWorkerThatClosedItsServerAndThenDiedTakesWhatItHeldUnansweredWithIt() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        SchedulingPolicy rr = RoundRobinHandleTest.probed(new RoundRobinHandleTest.ProbedDispatcher[1]);
        SharedHandles handles = new SharedHandles(() -> rr, timer);
        RecordingPeer peer = new RecordingPeer(1); // never answers a hand-off
        RecordingPeer stays = new RecordingPeer(2); // keeps the handle open, never listens
        try {
            QueryServer query = new QueryServer(1, 0, "tcp", "127.0.0.1", 0, "", 16, false, false);
            handles.onQuery(peer, query);
            ServerReply reply = peer.next(ServerReply.class, DEADLINE_MS);
            assertThat(reply.errorCode()).isEmpty();
            handles.onQuery(stays, new QueryServer(1, 0, "tcp", "127.0.0.1", 0, "", 16, false, false));
            stays.next(ServerReply.class, DEADLINE_MS);
            handles.onListening(peer, reply.handleId());

            try (SocketChannel client = SocketChannel.open(new InetSocketAddress("127.0.0.1", reply.port()))) {
                peer.next(InternalMessage.NewConnection.class, DEADLINE_MS); // handed to it; it will never answer
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
