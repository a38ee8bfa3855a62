package org.jcluster.ipc.advanced;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.ipc.advanced.Fixtures.ADVANCED;
import static org.jcluster.ipc.advanced.Fixtures.create;
import static org.jcluster.ipc.advanced.Fixtures.decode;
import static org.jcluster.ipc.advanced.Fixtures.replaceAscii;

import java.nio.ByteBuffer;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jcluster.api.spi.MalformedMessageException;
import org.jcluster.ipc.advanced.Fixtures.Circle;
import org.jcluster.ipc.advanced.Fixtures.Color;
import org.jcluster.ipc.advanced.Fixtures.Point;
import org.jcluster.ipc.advanced.Fixtures.V1;
import org.jcluster.ipc.advanced.Fixtures.V2;
import org.jcluster.ipc.advanced.Fixtures.V3;
import org.jcluster.ipc.advanced.Fixtures.V4;
import org.jcluster.ipc.advanced.Fixtures.Validated;
import org.junit.jupiter.api.Test;

class RegistrationTest {

    public record Unregistered(int a) {
    }

    public enum Mood { HAPPY }

    public record WithIntList(List<Integer> ids) {
    }

    public record WithException(RuntimeException error) {
    }

    public record WithUnregisteredComponent(Unregistered inner) {
    }

    public record WithArray(long[] values) {
    }

    public static final class NotARecord {
    }

    @Test
    void unregisteredRecordIsRefusedAtEncodeNamingItAndTheFix() {
        assertThatThrownBy(() -> ADVANCED.encode(Map.of("payload", List.of(new Unregistered(1)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Unregistered.class.getName())
                .hasMessageContaining("ClusterSettings.builder().messageTypes(")
                .hasMessageContaining("at message.payload[0]");
        assertThatThrownBy(() -> ADVANCED.encode(Mood.HAPPY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Mood.class.getName())
                .hasMessageContaining("messageTypes");
    }

    @Test
    void typesOutsideTheModelAreRefusedWithAHint() {
        assertThatThrownBy(() -> ADVANCED.encode(new Date()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.util.Date")
                .hasMessageContaining("toInstant()");
        assertThatThrownBy(() -> ADVANCED.encode(List.of(Optional.empty())))
                .hasMessageContaining("java.util.Optional").hasMessageContaining("at message[0]");
        assertThatThrownBy(() -> ADVANCED.encode(new int[] {1}))
                .hasMessageContaining("[I").hasMessageContaining("as a List");
        assertThatThrownBy(() -> ADVANCED.encode(new NotARecord()))
                .hasMessageContaining(NotARecord.class.getName());
        assertThatThrownBy(() -> ADVANCED.encode(new java.util.concurrent.atomic.AtomicLong()))
                .hasMessageContaining("AtomicLong");
        assertThatThrownBy(() -> ADVANCED.encode("lone \uD800 surrogate"))
                .hasMessageContaining("unpaired UTF-16 surrogate");
    }

    @Test
    void unregisteredNameIsRefusedOnReceiptAndNothingIsCreated() {
        AdvancedSerialization sender = create(List.of(Unregistered.class));
        byte[] encoded = sender.encode(new Unregistered(5));
        assertThatThrownBy(() -> decode(encoded))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("java/" + Unregistered.class.getName())
                .hasMessageContaining("not registered")
                .hasMessageContaining("byte 3");
        // A name that is a real, loadable class is still refused: names are never used to load classes.
        byte[] hostile = Fixtures.hex("d81b82" + "78" + String.format("%02x", "java/java.lang.ProcessBuilder".length())
                + Fixtures.hex("java/java.lang.ProcessBuilder".getBytes()) + "a0");
        assertThatThrownBy(() -> decode(hostile))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("java.lang.ProcessBuilder")
                .hasMessageContaining("not registered");
    }

    @Test
    void registrationIsCheckedWhenTheSerializationIsCreated() {
        assertThatThrownBy(() -> create(List.of(NotARecord.class)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(NotARecord.class.getName())
                .hasMessageContaining("neither a record nor an enum");
        assertThatThrownBy(() -> create(List.of(WithIntList.class)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ids'")
                .hasMessageContaining("declare the element type Long");
        assertThatThrownBy(() -> create(List.of(WithException.class)))
                .hasMessageContaining("'error'").hasMessageContaining("RemoteError");
        assertThatThrownBy(() -> create(List.of(WithUnregisteredComponent.class)))
                .hasMessageContaining("'inner'").hasMessageContaining(Unregistered.class.getName())
                .hasMessageContaining("not registered");
        assertThatThrownBy(() -> create(List.of(WithArray.class)))
                .hasMessageContaining("'values'").hasMessageContaining("declare it a List");
        assertThat(create(List.of(WithUnregisteredComponent.class, Unregistered.class))).isNotNull();
    }

    @Test
    void sealedInterfaceRegistersItsPermittedRecords() {
        assertThat(Fixtures.roundTrip(new Circle(2))).isEqualTo(new Circle(2));
    }

    @Test
    void recordWithAnExtraComponentIsRefusedNamingIt() {
        byte[] v2 = create(List.of(V2.Item.class)).encode(new V2.Item("bolt", 3, true));
        byte[] asV1 = replaceAscii(v2, "V2$Item", "V1$Item");
        assertThatThrownBy(() -> decode(asV1))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining(V1.Item.class.getName())
                .hasMessageContaining("'extra'")
                .hasMessageContaining("different versions");
    }

    @Test
    void recordWithAMissingComponentIsRefusedNamingIt() {
        byte[] v4 = create(List.of(V4.Item.class)).encode(new V4.Item("bolt"));
        assertThatThrownBy(() -> decode(replaceAscii(v4, "V4$Item", "V1$Item")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining(V1.Item.class.getName())
                .hasMessageContaining("without the component(s) count");
    }

    @Test
    void recordWithAComponentOfAnotherTypeIsRefusedNamingIt() {
        byte[] v3 = create(List.of(V3.Item.class)).encode(new V3.Item("bolt", "three"));
        assertThatThrownBy(() -> decode(replaceAscii(v3, "V3$Item", "V1$Item")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("'count'")
                .hasMessageContaining(V1.Item.class.getName())
                .hasMessageContaining("is a int but the message carries java.lang.String");
    }

    @Test
    void intComponentOutOfRangeIsRefused() {
        byte[] v1 = ADVANCED.encode(new V1.Item("bolt", 3));
        // count: 3 (0x03) -> 2^32 (1b 0000000100000000)
        String hex = Fixtures.hex(v1).replace("65636f756e7403", "65636f756e741b0000000100000000");
        assertThatThrownBy(() -> decode(Fixtures.hex(hex)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("'count'")
                .hasMessageContaining("Long 4294967296");
    }

    @Test
    void recordConstructorRefusalIsAMalformedMessage() {
        byte[] ok = ADVANCED.encode(new Validated(5));
        String hex = Fixtures.hex(ok).replace("706f73697469766505", "706f73697469766520"); // 5 -> -1
        assertThatThrownBy(() -> decode(Fixtures.hex(hex)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining(Validated.class.getName())
                .hasMessageContaining("positive must be > 0");
    }

    @Test
    void unknownEnumConstantIsRefused() {
        byte[] red = ADVANCED.encode(Color.RED);
        byte[] pink = Fixtures.hex(Fixtures.hex(red).replace("63524544", "6450494e4b")); // "RED" -> "PINK"
        assertThatThrownBy(() -> decode(pink))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining(Color.class.getName())
                .hasMessageContaining("PINK");
    }

    @Test
    void recordsAndEnumsInKeysAndNesting() {
        Map<Object, Object> m = Map.of(new Point(1, 1), List.of(Color.RED));
        assertThat(Fixtures.roundTrip(m)).isEqualTo(m);
        assertThat(ADVANCED.decode(ByteBuffer.wrap(ADVANCED.encode(List.of(Color.BLUE))))).isEqualTo(List.of(Color.BLUE));
    }
}
