package org.jcluster.ipc.advanced;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.ipc.advanced.Fixtures.ADVANCED;
import static org.jcluster.ipc.advanced.Fixtures.roundTrip;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import org.jcluster.ipc.advanced.Fixtures.AllKinds;
import org.jcluster.ipc.advanced.Fixtures.Circle;
import org.jcluster.ipc.advanced.Fixtures.Color;
import org.jcluster.ipc.advanced.Fixtures.Drawing;
import org.jcluster.ipc.advanced.Fixtures.Person;
import org.jcluster.ipc.advanced.Fixtures.Point;
import org.jcluster.ipc.advanced.Fixtures.Square;
import org.junit.jupiter.api.Test;

class RoundTripTest {

    private static void assertRoundTrips(Object value, Object expected) {
        Object back = roundTrip(value);
        assertThat(Deep.difference(expected, back)).as("round trip of %s", value).isNull();
    }

    private static void assertRoundTrips(Object value) {
        assertRoundTrips(value, value);
    }

    @Test
    void jsonValueModel() {
        assertRoundTrips(null);
        assertRoundTrips(true);
        assertRoundTrips(false);
        assertRoundTrips("");
        assertRoundTrips("hello, world");
        assertRoundTrips("ü 水 𐅑 😀 \u0000 \uFFFF");
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("zeta", 1L);
        ordered.put("alpha", List.of("x", 2L, 3.5, false));
        ordered.put("mid", null);
        ordered.put("nested", Map.of("k", List.of()));
        Object back = roundTrip(ordered);
        assertRoundTrips(ordered);
        assertThat(back).isInstanceOf(LinkedHashMap.class);
        assertThat(List.copyOf(((Map<?, ?>) back).keySet())).isEqualTo(List.of("zeta", "alpha", "mid", "nested"));
    }

    @Test
    void integersDecodeAsLongExactly() {
        for (long v : new long[] {0, 1, 23, 24, 255, 256, 65535, 65536, 4294967295L, 4294967296L, Long.MAX_VALUE,
                -1, -24, -25, -256, -257, -65536, -65537, -4294967296L, -4294967297L, Long.MIN_VALUE}) {
            assertRoundTrips(v);
        }
        assertRoundTrips(7, 7L);
        assertRoundTrips((short) -300, -300L);
        assertRoundTrips((byte) 12, 12L);
    }

    @Test
    void doublesKeepEveryBitThatMatters() {
        for (double d : new double[] {0.0, -0.0, 1.0, 1.5, -4.1, 1.1, 1.0e300, -1.0e-300, Double.MIN_VALUE,
                Double.MAX_VALUE, Double.MIN_NORMAL, 65504.0, 65505.0, 5.960464477539063e-8, 6.103515625e-5,
                100000.0, 3.4028234663852886e38, 1.0 / 3, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY}) {
            assertRoundTrips(d);
        }
        assertRoundTrips(1.1f, (double) 1.1f);
        assertRoundTrips(Float.NaN, Double.NaN);
    }

    @Test
    void bigNumbersExactly() {
        for (String s : new String[] {"0", "1", "-1", "18446744073709551615", "18446744073709551616",
                "-18446744073709551616", "-18446744073709551617", "123456789012345678901234567890123456789"}) {
            assertRoundTrips(new BigInteger(s));
        }
        assertRoundTrips(BigInteger.ONE.shiftLeft(4000).subtract(BigInteger.TEN));
        for (String s : new String[] {"0", "0.0", "1.10", "-123.456E-20", "1E+10", "3.14159265358979323846264338327950288",
                "-99999999999999999999999999999.99999999"}) {
            BigDecimal d = new BigDecimal(s);
            Object back = roundTrip(d);
            assertThat(back).isInstanceOf(BigDecimal.class).isEqualTo(d); // equals: value and scale
        }
        assertRoundTrips(new BigDecimal(BigInteger.TEN, Integer.MIN_VALUE));
        assertRoundTrips(new BigDecimal(BigInteger.TEN, Integer.MAX_VALUE));
    }

    @Test
    void bytesAndBuffers() {
        assertRoundTrips(new byte[0]);
        assertRoundTrips(new byte[] {0, -1, 127});
        byte[] mb = new byte[1 << 20];
        new Random(1).nextBytes(mb);
        assertRoundTrips(mb);

        ByteBuffer heap = ByteBuffer.wrap(new byte[] {9, 8, 7, 6, 5}, 1, 3);
        assertRoundTrips(heap, new byte[] {8, 7, 6});
        assertThat(heap.position()).as("the sender's buffer is left alone").isEqualTo(1);
        ByteBuffer direct = ByteBuffer.allocateDirect(4).put(new byte[] {1, 2, 3, 4}).flip();
        assertRoundTrips(direct, new byte[] {1, 2, 3, 4});
        assertRoundTrips(heap.asReadOnlyBuffer(), new byte[] {8, 7, 6});
    }

    @Test
    void decodesFromAnyBufferKind() {
        byte[] encoded = ADVANCED.encode(Map.of("k", List.of(1L, "two", new byte[] {3})));
        ByteBuffer direct = ByteBuffer.allocateDirect(encoded.length + 10);
        direct.position(5);
        direct.put(encoded);
        direct.flip().position(5);
        Object fromDirect = ADVANCED.decode(direct);
        assertThat(direct.position()).as("decode leaves the position alone").isEqualTo(5);
        byte[] padded = new byte[encoded.length + 7];
        System.arraycopy(encoded, 0, padded, 3, encoded.length);
        Object fromSlice = ADVANCED.decode(ByteBuffer.wrap(padded, 3, encoded.length).slice());
        Object fromHeap = ADVANCED.decode(ByteBuffer.wrap(padded, 3, encoded.length));
        assertThat(Deep.difference(fromHeap, fromDirect)).isNull();
        assertThat(Deep.difference(fromHeap, fromSlice)).isNull();
    }

    @Test
    void largeStringArrivesIntact() {
        // Node rule 28's 800,004-character string.
        String big = "x".repeat(800_000) + "\u00e9\u6c34" + "yz";
        assertThat(big).hasSize(800_004);
        assertRoundTrips(big);
    }

    @Test
    void timesAndIds() {
        assertRoundTrips(Instant.EPOCH);
        assertRoundTrips(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
        assertRoundTrips(Instant.ofEpochSecond(-1, 1));
        assertRoundTrips(Instant.MIN);
        assertRoundTrips(Instant.MAX);
        assertRoundTrips(OffsetDateTime.of(2024, 2, 29, 23, 59, 0, 0, ZoneOffset.ofHours(5)));
        assertRoundTrips(OffsetDateTime.of(2024, 2, 29, 23, 59, 58, 1, ZoneOffset.UTC));
        assertRoundTrips(OffsetDateTime.of(1, 1, 1, 0, 0, 0, 120_000_000, ZoneOffset.ofHoursMinutesSeconds(-3, -30, -15)));
        assertRoundTrips(LocalDate.of(2024, 2, 29));
        assertRoundTrips(LocalDate.MIN);
        assertRoundTrips(LocalDate.MAX);
        assertRoundTrips(Duration.ZERO);
        assertRoundTrips(Duration.ofNanos(1));
        assertRoundTrips(Duration.ofSeconds(-5, 3));
        assertRoundTrips(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999));
        assertRoundTrips(UUID.randomUUID());
        assertRoundTrips(new UUID(0, 0));
    }

    @Test
    void setsStayDistinctFromLists() {
        Set<Object> set = new LinkedHashSet<>(List.of("b", "a", 3L, List.of(1L, 2L)));
        Object back = roundTrip(set);
        assertThat(back).isInstanceOf(Set.class);
        assertRoundTrips(set);
        assertThat(roundTrip(List.of("b", "a"))).isInstanceOf(List.class);
        assertThat(roundTrip(Set.of())).isEqualTo(Set.of());
    }

    @Test
    void mapsWithKeysOfAnyCarriedType() {
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put(1L, "one");
        map.put("two", 2L);
        map.put(UUID.fromString("3f0c5f3c-ec2e-4b5e-9b4e-39b5f7c7e2a1"), true);
        map.put(List.of(1L, 2L), "a list key");
        map.put(Set.of("s"), "a set key");
        map.put(Map.of("inner", 1L), "a map key");
        map.put(null, "null key");
        map.put(new Point(1, 2), "a record key");
        map.put(Color.BLUE, "an enum key");
        map.put(2.5, "double key");
        assertRoundTrips(map);
    }

    @Test
    void otherCollectionsAndCharactersTravelAsTheirJsonShape() {
        assertRoundTrips(new ArrayDeque<>(List.of(1L, 2L)), new ArrayList<>(List.of(1L, 2L)));
        assertRoundTrips(Map.of("k", 1L).values(), List.of(1L));
        assertRoundTrips('x', "x");
        assertRoundTrips(Arrays.asList(1L, null), Arrays.asList(1L, null));
    }

    @Test
    void registeredRecordsAndEnums() {
        Person p = new Person("Ada", 36, List.of("math", "engines"), new Point(3, -4), Color.BLUE,
                Map.of("since", 1843L));
        assertThat(roundTrip(p)).isEqualTo(p);
        assertThat(roundTrip(Color.BLUE)).isSameAs(Color.BLUE);
        assertThat(roundTrip(List.of(Color.RED, Color.GREEN))).isEqualTo(List.of(Color.RED, Color.GREEN));
        Drawing d = new Drawing("shapes", List.of(new Circle(1.5), new Square(2)));
        assertThat(roundTrip(d)).isEqualTo(d);
    }

    @Test
    void recordWithEveryComponentKind() {
        AllKinds all = new AllKinds(true, (byte) -7, (short) 300, 'é', Integer.MIN_VALUE, Long.MAX_VALUE, 1.25f,
                Double.NaN, null, ByteBuffer.wrap(new byte[] {1, 2}), new byte[] {3, 4},
                BigInteger.TWO.pow(100), new BigDecimal("1.50"), new UUID(1, 2), Instant.ofEpochSecond(5, 6),
                LocalDate.of(2000, 1, 1), OffsetDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC),
                Duration.ofMillis(1500), List.of(1L, 2L), Set.of("a"), Map.of("p", new Point(1, 1)),
                new RemoteError("java.lang.Error", "boom"), List.of("anything"), Color.GREEN);
        AllKinds back = (AllKinds) roundTrip(all);
        assertThat(Deep.difference(all, back)).isNull();
        assertThat(back.bytes()).containsExactly(3, 4);
        assertThat(back.buffer()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2}));
        assertThat(back.c()).isEqualTo('é');
    }

    @Test
    void exceptionsArriveAsRemoteErrors() {
        IllegalStateException cause = new IllegalStateException("inner");
        UncheckedIOException e = new UncheckedIOException("outer", new FileNotFoundException("missing.txt"));
        e.addSuppressed(cause);
        RemoteError back = (RemoteError) roundTrip(e);
        assertThat(back.className()).isEqualTo(UncheckedIOException.class.getName());
        assertThat(back.message()).isEqualTo("outer");
        assertThat(back.stackTrace()).containsExactly(e.getStackTrace());
        assertThat(back.cause().className()).isEqualTo(FileNotFoundException.class.getName());
        assertThat(back.cause().message()).isEqualTo("missing.txt");
        assertThat(back.suppressed()).singleElement().satisfies(s -> assertThat(s.message()).isEqualTo("inner"));
        assertThat(back).isEqualTo(RemoteError.of(e));
        // Sent again, a received error (or the exception made from it) stays the same error.
        assertThat(roundTrip(back)).isEqualTo(back);
        assertThat(roundTrip(back.toException())).isEqualTo(back);
        RemoteException rethrown = back.toException();
        assertThat(rethrown).hasMessage(UncheckedIOException.class.getName() + ": outer");
        assertThat(rethrown.getStackTrace()).containsExactly(e.getStackTrace());
        assertThat(rethrown.getCause()).hasMessage(FileNotFoundException.class.getName() + ": missing.txt");
        assertThat(rethrown.getSuppressed()).hasSize(1);
    }

    @Test
    void exceptionWithCyclicCausesIsCut() {
        Exception a = new Exception("a");
        Exception b = new Exception("b", a);
        a.initCause(b);
        RemoteError back = (RemoteError) roundTrip(a);
        assertThat(back.message()).isEqualTo("a");
        assertThat(back.cause().message()).isEqualTo("b");
        assertThat(back.cause().cause()).isNull();
    }

    @Test
    void errorTextWithUnpairedSurrogatesIsStillSent() {
        RemoteError back = (RemoteError) roundTrip(new IllegalArgumentException("bad \uD800 input"));
        assertThat(back.message()).isEqualTo("bad \uFFFD input");
    }

    @Test
    void errorAsMapValueAndNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", new RemoteError("x.Y", null));
        assertRoundTrips(m);
    }
}
