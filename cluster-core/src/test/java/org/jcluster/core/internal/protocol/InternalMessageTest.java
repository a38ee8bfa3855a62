package org.jcluster.core.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenAddress;
import org.jcluster.core.internal.protocol.InternalMessage.Health;
import org.jcluster.core.internal.protocol.InternalMessage.Ping;
import org.junit.jupiter.api.Test;

/**
 * The ping and its answer gained fields (what each server took): a worker forked by a primary of the version
 * before, in a rolling reload, must still understand its pings and be understood.
 */
class InternalMessageTest {
    private static final ListenAddress HTTP = new ListenAddress("::", 8080, AddressType.TCP6);

    @Test
    void aPingAndItsAnswerCarryWhatEachServerTook() throws Exception {
        assertThat(roundTrip(new Ping(7, true))).isEqualTo(new Ping(7, true));
        Health health = new Health(7, 100, 50, 3, 12, Map.of(HTTP, 12L));
        assertThat(roundTrip(health)).isEqualTo(health);
    }

    @Test
    void aPingOfThePreviousVersionAsksForNoServersAndIsAnsweredInThatVersionsForm() throws Exception {
        assertThat(decode(bytes(InternalMessage.PING, 7))).isEqualTo(new Ping(7, false));
        byte[] answer = InternalMessage.encode(new Health(7, 100, 50, 3, 12, null));
        ByteArrayOutputStream previous = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(previous)) {
            out.writeByte(InternalMessage.HEALTH);
            out.writeInt(7);
            out.writeLong(100);
            out.writeLong(50);
            out.writeLong(3);
            out.writeLong(12);
        }
        assertThat(answer).as("what the previous version reads, to the last byte").isEqualTo(previous.toByteArray());
        assertThat(((Health) decode(answer)).connectionsByServer()).isEmpty();
    }

    @Test
    void countsThatDoNotFitOrNameNoAddressTypeAreRefused() throws Exception {
        byte[] good = InternalMessage.encode(new Health(7, 100, 50, 3, 12, Map.of(HTTP, 12L)));
        int sizeAt = 1 + 4 + 4 * 8;
        for (int size : new int[] {-1, 2, Integer.MAX_VALUE}) {
            byte[] bad = good.clone();
            ByteBuffer.wrap(bad).putInt(sizeAt, size);
            assertThatThrownBy(() -> decode(bad)).as("size %d", size).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("server counts where");
        }
        byte[] unknownType = InternalMessage.encode(new Health(7, 100, 50, 3, 12,
                Map.of(new ListenAddress("::", 8080, AddressType.TCP4), 12L)));
        String text = new String(unknownType, java.nio.charset.StandardCharsets.ISO_8859_1).replace("TCP4", "TCPX");
        assertThatThrownBy(() -> decode(text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("unknown address type TCPX");
    }

    private static InternalMessage roundTrip(InternalMessage message) throws ProtocolException {
        return decode(InternalMessage.encode(message));
    }

    private static InternalMessage decode(byte[] payload) throws ProtocolException {
        return InternalMessage.decode(ByteBuffer.wrap(payload));
    }

    private static byte[] bytes(byte type, int seq) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(type);
            out.writeInt(seq);
        }
        return bytes.toByteArray();
    }
}
