package org.jcluster.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ListenAddressTest {
    @Test
    void describesItselfAsAUrlWritesIt() {
        assertThat(new ListenAddress("127.0.0.1", 8000, AddressType.TCP4).describe()).isEqualTo("127.0.0.1:8000");
        assertThat(new ListenAddress("::", 8000, AddressType.TCP6).describe()).isEqualTo("[::]:8000");
        assertThat(new ListenAddress("::1", 53, AddressType.UDP6).describe()).isEqualTo("[::1]:53");
        assertThat(new ListenAddress("/tmp/demo.sock", -1, AddressType.UNIX).describe()).isEqualTo("/tmp/demo.sock");
    }
}
