package org.jcluster.core.internal.transport;

import org.jcluster.core.internal.transport.IpcTesting.Pair;
import org.jcluster.core.internal.transport.IpcTesting.Recorder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.core.internal.transport.IpcTesting.DEADLINE;

class IpcServerTest {
    @Test
    void theSocketLivesInAFreshPrivateDirectoryThatCloseRemoves() throws Exception {
        IpcServer server = IpcServer.open(IpcTesting.DEFAULT);
        Path socket = server.socketPath();
        Path directory = socket.getParent();
        assertThat(directory).isEqualTo(server.directory());
        assertThat(socket.getFileName()).hasToString("ipc.sock");
        assertThat(directory.getFileName().toString()).startsWith("jcluster-");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-------");
        assertThat(Files.getOwner(directory).getName()).isEqualTo(System.getProperty("user.name"));
        String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
        if (runtimeDir == null || !Files.isWritable(Path.of(runtimeDir))) {
            assertThat(directory.getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
        } else {
            assertThat(directory.getParent()).isEqualTo(Path.of(runtimeDir));
        }

        server.close();
        assertThat(socket).doesNotExist();
        assertThat(directory).doesNotExist();
        server.close(); // idempotent
    }

    @Test
    void closingRemovesTheDirectoryWithTheWorkersIdClaimsInIt() throws Exception {
        IpcServer server = IpcServer.open(IpcTesting.DEFAULT);
        // what WorkerEnvironment.claimId writes beside the socket
        Path claim = Files.createFile(server.socketPath().resolveSibling("worker-1.claimed"));
        server.close();
        assertThat(claim).doesNotExist();
        assertThat(claim.getParent()).doesNotExist();
    }

    @Test
    void twoServersGetTwoDirectories() throws Exception {
        try (IpcServer one = IpcServer.open(IpcTesting.DEFAULT); IpcServer two = IpcServer.open(IpcTesting.DEFAULT)) {
            assertThat(one.directory()).isNotEqualTo(two.directory());
        }
    }

    @Test
    void channelsAlreadyAcceptedOutliveTheServer() throws Exception {
        Pair pair = Pair.open();
        try {
            Recorder atPrimary = new Recorder();
            pair.primary.start(atPrimary);
            pair.worker.start(new Recorder());
            pair.server.close();
            assertThat(pair.server.socketPath()).doesNotExist();
            pair.worker.send(1, "still here".getBytes(StandardCharsets.UTF_8), null, null);
            assertThat(new String(atPrimary.next().payload(), StandardCharsets.UTF_8)).isEqualTo("still here");
            assertThat(pair.primary.isOpen()).isTrue();
        } finally {
            pair.close();
        }
    }

    @Test
    void noConnectionAfterClose() throws Exception {
        IpcServer server = IpcServer.open(IpcTesting.DEFAULT);
        server.start((channel, peer) -> channel.close());
        Path socket = server.socketPath();
        server.close();
        assertThatThrownBy(() -> IpcChannel.connect(socket, IpcTesting.DEFAULT))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining(socket.toString());
        assertThatThrownBy(() -> server.start((channel, peer) -> { }))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theHandlerGetsThePeerCredentialsAndAThrowingHandlerGetsTheChannelClosed() throws Exception {
        try (IpcServer server = IpcServer.open(IpcTesting.DEFAULT)) {
            CompletableFuture<PeerCredentials> seen = new CompletableFuture<>();
            server.start((channel, peer) -> {
                seen.complete(peer);
                throw new IllegalStateException("handler refuses");
            });
            IpcChannel worker = IpcChannel.connect(server.socketPath(), IpcTesting.DEFAULT);
            Recorder atWorker = new Recorder();
            worker.start(atWorker);
            assertThat(seen.get(DEADLINE.toSeconds(), TimeUnit.SECONDS).pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(atWorker.awaitClose()).isNull(); // the primary side was closed: end of stream
            assertThatThrownBy(() -> server.start((channel, peer) -> { })).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void configIsValidated() {
        assertThatThrownBy(() -> new ChannelConfig(-1, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxFrameBytes");
        assertThatThrownBy(() -> new ChannelConfig(10, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("highWaterMarkBytes");
        assertThat(new ChannelConfig(ChannelConfig.MAX_FRAME_BYTES_LIMIT, 1).maxFrameBytes())
                .isEqualTo(Integer.MAX_VALUE - 1);
    }
}
