package org.jcluster.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class ServerOptionsTest {
    @Test
    void maxConnectionsIsUnsetByDefaultAndKeptByTheOtherWithers() {
        assertThat(ServerOptions.tcp(8000).maxConnections()).isEmpty();
        ServerOptions limited = ServerOptions.tcp("127.0.0.1", 8000).withMaxConnections(0).withBacklog(7).withIpv6Only(true);
        assertThat(limited.maxConnections()).hasValue(0);
        assertThat(limited.backlog()).isEqualTo(7);
        assertThat(limited.toString()).isEqualTo("127.0.0.1:8000 ipv6Only backlog 7 maxConnections 0");
        assertThat(ServerOptions.unix(Path.of("s.sock")).withMaxConnections(3).maxConnections()).hasValue(3);
    }

    @Test
    void aNonBlockingHandlerIsNotPromisedByDefaultAndTheWithersKeepThePromise() {
        assertThat(ServerOptions.tcp(8000).nonBlockingHandler()).isFalse();
        assertThat(ServerOptions.unix(Path.of("s.sock")).nonBlockingHandler()).isFalse();
        ServerOptions promised = ServerOptions.tcp("::1", 0).withNonBlockingHandler(true).withMaxConnections(2)
                .withBacklog(9).withIpv6Only(true);
        assertThat(promised.nonBlockingHandler()).isTrue();
        assertThat(promised.toString()).isEqualTo("::1:0 ipv6Only backlog 9 maxConnections 2 nonBlockingHandler");
        assertThat(promised.withNonBlockingHandler(false).nonBlockingHandler()).isFalse();
    }

    @Test
    void badValuesAreRefusedWithTheFix() {
        assertThatThrownBy(() -> ServerOptions.tcp(8000).withMaxConnections(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxConnections -1 is negative").hasMessageContaining("leave it out for no limit");
        assertThatThrownBy(() -> ServerOptions.tcp(70000)).hasMessageContaining("use 0 to 65535");
        assertThatThrownBy(() -> ServerOptions.tcp(8000).withBacklog(-2)).hasMessageContaining("backlog -2 is negative");
    }
}
