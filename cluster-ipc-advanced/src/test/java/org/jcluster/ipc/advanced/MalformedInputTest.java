package org.jcluster.ipc.advanced;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.ipc.advanced.Fixtures.ADVANCED;
import static org.jcluster.ipc.advanced.Fixtures.decode;
import static org.jcluster.ipc.advanced.Fixtures.hex;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.jcluster.api.spi.MalformedMessageException;
import org.jcluster.api.spi.SerializationOptions;
import org.jcluster.ipc.advanced.Fixtures.Color;
import org.jcluster.ipc.advanced.Fixtures.Point;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every kind of bad payload is one clear MalformedMessageException naming what and where. */
class MalformedInputTest {

    private static void assertMalformed(String hex, String... fragments) {
        byte[] bytes = hex(hex);
        assertThatThrownBy(() -> decode(bytes))
                .as("decoding %s", hex)
                .isInstanceOf(MalformedMessageException.class)
                .satisfies(e -> {
                    for (String f : fragments) {
                        assertThat(e.getMessage()).contains(f);
                    }
                    assertThat(e.getMessage()).doesNotContain("bug in jcluster");
                });
    }

    @Test
    void emptyPayload() {
        assertMalformed("", "empty");
    }

    @Test
    void everyTruncationOfAValidMessageIsRefused() {
        Map<String, Object> rich = new LinkedHashMap<>();
        rich.put("text", "héllo");
        rich.put("n", List.of(1L, -300L, 70000L, Long.MIN_VALUE, 1.5, 1.1, new BigDecimal("12.5")));
        rich.put("bytes", new byte[] {1, 2, 3});
        rich.put("set", Set.of("a"));
        rich.put("keys", Map.of(7L, UUID.randomUUID()));
        rich.put("when", Instant.ofEpochSecond(1, 2));
        rich.put("point", new Point(1, 2));
        rich.put("color", Color.GREEN);
        rich.put("error", new IllegalStateException("x"));
        List<Object> loop = new java.util.ArrayList<>();
        loop.add(loop);
        rich.put("loop", loop);
        byte[] full = ADVANCED.encode(rich);
        for (int cut = 0; cut < full.length; cut++) {
            byte[] prefix = Arrays.copyOf(full, cut);
            int at = cut;
            assertThatThrownBy(() -> decode(prefix))
                    .as("prefix of %d bytes", at)
                    .isInstanceOf(MalformedMessageException.class)
                    .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("truncated", "remain", "empty"));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "5b 7fffffffffffffff 00       | byte string declares 9223372036854775807 bytes but only 1 remain | byte 0",
        "5b ffffffffffffffff          | declares 18446744073709551615 bytes                               | byte 0",
        "5a ffffffff 0102             | byte string declares 4294967295 bytes but only 2 remain          | byte 0",
        "7a 10000000 61               | text string declares 268435456 bytes                             | byte 0",
        "82 01 9b 0000010000000000 01 | array declares 1099511627776 items but only 1 bytes remain       | byte 2",
        "ba ffffffff 6161 01          | map declares 4294967295 items                                    | byte 0",
        "a2 6161 01                   | map declares 2 items but only 3 bytes remain                     | byte 0",
        "d9 0102 9a 7fffffff          | set declares 2147483647 items                                    | byte 3",
        "5f 5a ffffffff 00 ff         | string chunk declares 4294967295 bytes                           | byte 1",
    })
    void declaredLengthsBeyondTheBytesPresent(String hex, String what, String where) {
        byte[] bytes = hex(hex);
        assertMalformed(hex, what.trim(), where.trim());
        long allocated = Allocation.of(() -> decode(bytes));
        assertThat(allocated).as("bytes allocated decoding %s", hex).isLessThan(64 * 1024);
    }

    @Test
    void nestingDeeperThanTheLimit() {
        assertMalformed("81".repeat(300) + "00", "deeper than maxNestingDepth (256", "byte 256");
        AdvancedSerialization shallow = (AdvancedSerialization) new AdvancedSerializationProvider()
                .create(new SerializationOptions(Fixtures.TYPES, 3));
        assertThat(shallow.decode(ByteBuffer.wrap(hex("818181 00")))).isEqualTo(List.of(List.of(List.of(0L))));
        for (String deep : new String[] {"81818181 00", "a1 6161 a1 6161 a1 6161 a1 6161 00", "d90102 81 d90102 81 d90102 81 d90102 80"}) {
            assertThatThrownBy(() -> shallow.decode(ByteBuffer.wrap(hex(deep))))
                    .isInstanceOf(MalformedMessageException.class)
                    .hasMessageContaining("deeper than maxNestingDepth (3");
        }
        assertThatThrownBy(() -> shallow.encode(List.of(List.of(List.of(List.of())))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deeper than maxNestingDepth (3")
                .hasMessageContaining("at message[0][0][0]");
        // A deep chain whose depth is held only by the thread stack never escapes as StackOverflowError.
        AdvancedSerialization unlimited = (AdvancedSerialization) new AdvancedSerializationProvider()
                .create(new SerializationOptions(List.of(), Integer.MAX_VALUE));
        byte[] abyss = hex("81".repeat(2_000_000) + "00");
        assertThatThrownBy(() -> unlimited.decode(ByteBuffer.wrap(abyss)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("too deeply");
    }

    @Test
    void encoderAndDecoderCountNestingAlike() {
        AdvancedSerialization depth3 = (AdvancedSerialization) new AdvancedSerializationProvider()
                .create(new SerializationOptions(Fixtures.TYPES, 3));
        List<Object> atLimit = List.of(
                List.of(List.of(List.of(Color.RED, "s", new byte[0], 1L))),
                List.of(Map.of("k", Set.of("v"))),
                List.of(List.of(new Point(1, 2))),
                Map.of("p", new Fixtures.Person("n", 1, List.of(), new Point(0, 0), Color.RED, Map.of())),
                List.of(List.of(new IllegalStateException("e", new RuntimeException("cause")))),
                List.of(List.of(suppressing())));
        for (Object value : atLimit) {
            assertThat(depth3.decode(ByteBuffer.wrap(depth3.encode(value)))).as("%s", value).isNotNull();
        }
        RemoteError cut = (RemoteError) ((List<?>) ((List<?>) depth3.decode(ByteBuffer.wrap(depth3.encode(
                atLimit.get(4))))).get(0)).get(0);
        assertThat(cut.cause()).as("the cause chain is cut at the nesting limit").isNull();
        assertThatThrownBy(() -> depth3.encode(List.of(List.of(List.of(List.of())))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> depth3.encode(List.of(List.of(List.of(new Point(1, 2))))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Exception suppressing() {
        Exception e = new Exception("outer");
        e.addSuppressed(new Exception("inner"));
        return e;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "c5 82 01 01                 | unknown tag 5               | byte 0",
        "82 00 d9 ffff 00            | unknown tag 65535           | byte 2",
        "db ffffffffffffffff 00      | unknown tag 18446744073709551615 | byte 0",
        "d8 20 6161                  | unknown tag 32              | byte 0",
        "81 d9d9f7 00                | unknown tag 55799           | byte 1",
    })
    void unknownTags(String hex, String what, String where) {
        assertMalformed(hex, what.trim(), where.trim(), "reads tags 0, 1, 2");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "62 c328                 | not valid UTF-8                          | byte 0",
        "82 00 62 c080           | not valid UTF-8                          | byte 2",
        "63 eda080               | not valid UTF-8                          | byte 0",
        "64 f4908080             | not valid UTF-8                          | byte 0",
        "01 02                   | 1 bytes follow the end                   | byte 1",
        "ff                      | break                                    | byte 0",
        "1c                      | reserved additional information 28       | byte 0",
        "5d                      | reserved additional information 29       | byte 0",
        "fc                      | reserved additional information 28       | byte 0",
        "f8 10                   | not well-formed                          | byte 0",
        "f8 ff                   | unassigned simple value 255              | byte 0",
        "e0                      | unassigned simple value 0                | byte 0",
        "1f                      | indefinite length is not allowed         | byte 0",
        "5f 61 61 ff             | must be a definite-length string         | byte 1",
        "7f 5f ff ff             | must be a definite-length string         | byte 1",
        "a2 6161 01 6161 02      | duplicate map key                        | byte 4",
        "d9 0102 82 01 01        | duplicate set element                    | byte 5",
        "d9 0102 01              | tag 258 (set) must hold an array         | byte 3",
        "d8 25 41 00             | UUID (tag 37) must be 16 bytes           | byte 2",
        "d8 25 01                | must hold a byte string                  | byte 2",
        "c0 63 616263            | not an RFC 3339 date-time                | byte 1",
        "d9 03ec 63 616263       | not an RFC 3339 full-date                | byte 3",
        "c1 63 616263            | must hold an integer or a float          | byte 1",
        "c1 fb 7ff0000000000000  | not a time Java can hold                 | byte 1",
        "c1 1b 7fffffffffffffff  | beyond the instants Java holds           | byte 1",
        "d9 03e9 a1 01 61 61     | map values must be integers              | byte 5",
        "d9 03e9 a1 20 01        | map key -1 is not understood             | byte 4",
        "d9 03e9 a1 28 01        | lacks key 1                              | byte 3",
        "d9 03e9 a2 01 01 28 1a3b9aca00 | out of range                      | byte 7",
        "c4 82 01 61 61          | mantissa of a decimal fraction           | byte 3",
        "c4 81 01                | two-element array                        | byte 1",
        "c4 82 1b 7fffffffffffffff 01 | exponent out of the range           | byte 2",
        "c2 01                   | must hold a byte string                  | byte 1",
        "d8 1b 80                | empty array                              | byte 2",
        "d8 1b 81 01             | type name as text                        | byte 3",
        "d8 1b 01                | must hold an array                       | byte 2",
        "d8 1b 82 6e 6a636c75737465722f6572726f72 a0 | without its className | byte 18",
        "d8 1b 83 6e 6a636c75737465722f6572726f72 a0 a0 | holds 2 arguments | byte 3",
        "d8 1b 82 6e 6a636c75737465722f6572726f72 a1 65 6361757365 01 | cause must be an error | byte 25",
        "d8 1d 61                | must hold an unsigned integer index      | byte 2",
    })
    void otherMalformations(String hex, String what, String where) {
        assertMalformed(hex, what.trim(), where.trim());
    }

    @Test
    void refusalsNameTheOffsetWithinTheBuffersRemainingBytes() {
        byte[] framed = hex("ffffff 82 01 ff");
        ByteBuffer payload = ByteBuffer.wrap(framed, 3, 3);
        assertThatThrownBy(() -> ADVANCED.decode(payload))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("at byte 2");
        assertThat(payload.position()).as("a refused payload is not consumed").isEqualTo(3);
    }
}
