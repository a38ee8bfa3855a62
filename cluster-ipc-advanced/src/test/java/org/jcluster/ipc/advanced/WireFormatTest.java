package org.jcluster.ipc.advanced;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.ipc.advanced.Fixtures.ADVANCED;
import static org.jcluster.ipc.advanced.Fixtures.decode;
import static org.jcluster.ipc.advanced.Fixtures.hex;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jcluster.ipc.advanced.Fixtures.Color;
import org.jcluster.ipc.advanced.Fixtures.Point;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bytes on the wire: RFC 8949's own examples (Appendix A), and the tags the README documents. */
class WireFormatTest {

    @Test
    void rfc8949AppendixAExamples() {
        Object[][] examples = {
            {0L, "00"}, {1L, "01"}, {10L, "0a"}, {23L, "17"}, {24L, "1818"}, {25L, "1819"}, {100L, "1864"},
            {1000L, "1903e8"}, {1000000L, "1a000f4240"}, {1000000000000L, "1b000000e8d4a51000"},
            {new BigInteger("18446744073709551616"), "c249010000000000000000"},
            {new BigInteger("-18446744073709551617"), "c349010000000000000000"},
            {-1L, "20"}, {-10L, "29"}, {-100L, "3863"}, {-1000L, "3903e7"},
            {0.0, "f90000"}, {-0.0, "f98000"}, {1.0, "f93c00"}, {1.1, "fb3ff199999999999a"}, {1.5, "f93e00"},
            {65504.0, "f97bff"}, {100000.0, "fa47c35000"}, {3.4028234663852886e+38, "fa7f7fffff"},
            {1.0e+300, "fb7e37e43c8800759c"}, {5.960464477539063e-8, "f90001"}, {0.00006103515625, "f90400"},
            {-4.0, "f9c400"}, {-4.1, "fbc010666666666666"}, {Double.POSITIVE_INFINITY, "f97c00"},
            {Double.NaN, "f97e00"}, {Double.NEGATIVE_INFINITY, "f9fc00"},
            {false, "f4"}, {true, "f5"}, {null, "f6"},
            {Instant.ofEpochSecond(1363896240), "c11a514b67b0"},
            {new byte[0], "40"}, {new byte[] {1, 2, 3, 4}, "4401020304"},
            {"", "60"}, {"a", "6161"}, {"IETF", "6449455446"}, {"\"\\", "62225c"}, {"\u00fc", "62c3bc"},
            {"\u6c34", "63e6b0b4"}, {"\ud800\udd51", "64f0908591"},
            {List.of(), "80"}, {List.of(1L, 2L, 3L), "83010203"},
            {List.of(1L, List.of(2L, 3L), List.of(4L, 5L)), "8301820203820405"},
            {Map.of(), "a0"},
        };
        for (Object[] example : examples) {
            assertThat(hex(ADVANCED.encode(example[0]))).as("encoding of %s", example[0]).isEqualTo(example[1]);
            assertThat(Deep.difference(example[0], decode(hex((String) example[1])))).isNull();
        }
    }

    @ParameterizedTest
    @CsvSource({
        // Forms this encoder never writes but other encoders may: indefinite lengths, wider integers.
        "5f42010243030405ff, 0102030405",
        "9fff, ''",
        "9f018202039f0405ffff, ''",
        "bf61610161629f0203ffff, ''",
        "7f657374726561646d696e67ff, ''",
        "1b0000000000000001, ''",
        "fa3fc00000, ''",
    })
    void readsEveryWellFormedEncodingOfAValue(String input, String bytesExpected) {
        Object value = decode(hex(input));
        if (!bytesExpected.isEmpty()) {
            assertThat((byte[]) value).isEqualTo(hex(bytesExpected));
        } else {
            assertThat(value).isNotNull();
        }
        assertThat(decode(hex("9f018202039f0405ffff"))).isEqualTo(List.of(1L, List.of(2L, 3L), List.of(4L, 5L)));
        assertThat(decode(hex("bf61610161629f0203ffff"))).isEqualTo(Map.of("a", 1L, "b", List.of(2L, 3L)));
        assertThat(decode(hex("7f657374726561646d696e67ff"))).isEqualTo("streaming");
        assertThat(decode(hex("fa3fc00000"))).isEqualTo(1.5);
        assertThat(decode(hex("d9d9f7 83010203"))).isEqualTo(List.of(1L, 2L, 3L));
    }

    @Test
    void aMegabyteByteArrayCostsFiveBytesAndOneCopy() {
        byte[] payload = new byte[1 << 20];
        payload[0] = 42;
        payload[payload.length - 1] = 7;
        byte[] encoded = ADVANCED.encode(payload);
        // Major type 2 with a 4-byte length: never base64, 5 bytes over (+5 for the frame header = 10 <= 16).
        assertThat(encoded.length - payload.length).isEqualTo(5);
        assertThat(hex(java.util.Arrays.copyOf(encoded, 6))).isEqualTo("5a001000002a");
        // The estimate was exact: the buffer written is the one returned (no trimming copy). Checked by
        // allocation: one array of ~1 MB, not two.
        ADVANCED.encode(payload);
        long allocated = Allocation.of(() -> ADVANCED.encode(payload));
        assertThat(allocated).isLessThan(payload.length + 64 * 1024L);
        long decodeAllocated = Allocation.of(() -> ADVANCED.decode(ByteBuffer.wrap(encoded)));
        assertThat(decodeAllocated).isLessThan(payload.length + 64 * 1024L);
        assertThat((byte[]) decode(encoded)).isEqualTo(payload);
    }

    @Test
    void documentedTags() {
        UUID id = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");
        assertThat(hex(ADVANCED.encode(id))).isEqualTo("d825" + "50" + "00112233445566778899aabbccddeeff");
        assertThat(hex(ADVANCED.encode(new LinkedHashSet<>(List.of(1L, 2L))))).isEqualTo("d90102" + "820102");
        assertThat(hex(ADVANCED.encode(new BigDecimal("273.15")))).isEqualTo("c4" + "82" + "21" + "196ab3");
        assertThat(hex(ADVANCED.encode(BigInteger.ONE))).isEqualTo("c2" + "4101");
        assertThat(hex(ADVANCED.encode(Instant.ofEpochSecond(1, 500)))).isEqualTo("d903e9" + "a2" + "0101" + "281901f4");
        assertThat(hex(ADVANCED.encode(Duration.ofSeconds(90)))).isEqualTo("d903ea" + "a1" + "01185a");
        assertThat(hex(ADVANCED.encode(LocalDate.of(2024, 2, 29)))).isEqualTo("d903ec" + "6a" + hex("2024-02-29".getBytes()));
        assertThat(hex(ADVANCED.encode(OffsetDateTime.of(2024, 2, 29, 12, 0, 0, 0, ZoneOffset.ofHours(2)))))
                .isEqualTo("c0" + "78" + "19" + hex("2024-02-29T12:00:00+02:00".getBytes()));
        String pointName = "java/" + Point.class.getName();
        assertThat(hex(ADVANCED.encode(new Point(1, -2)))).isEqualTo("d81b" + "82" + "78" + String.format("%02x",
                pointName.length()) + hex(pointName.getBytes()) + "a2" + "6178" + "01" + "6179" + "21");
        String colorName = "java/" + Color.class.getName();
        assertThat(hex(ADVANCED.encode(Color.BLUE))).isEqualTo("d81b" + "82" + "78" + String.format("%02x",
                colorName.length()) + hex(colorName.getBytes()) + "64" + hex("BLUE".getBytes()));
        assertThat(hex(ADVANCED.encode(new RemoteError("E", null))))
                .isEqualTo("d81b82" + "6e" + hex("jcluster/error".getBytes()) + "a5"
                        + "69" + hex("className".getBytes()) + "6145"
                        + "67" + hex("message".getBytes()) + "f6"
                        + "6a" + hex("stackTrace".getBytes()) + "80"
                        + "65" + hex("cause".getBytes()) + "f6"
                        + "6a" + hex("suppressed".getBytes()) + "80");
    }
}
