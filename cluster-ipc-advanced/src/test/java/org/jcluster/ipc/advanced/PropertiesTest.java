package org.jcluster.ipc.advanced;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.ipc.advanced.Fixtures.ADVANCED;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.jcluster.api.spi.MalformedMessageException;
import org.jcluster.ipc.advanced.Fixtures.Color;
import org.jcluster.ipc.advanced.Fixtures.Person;
import org.jcluster.ipc.advanced.Fixtures.Point;

/**
 * Generated data: every value tree round-trips; and no byte sequence, random or a mutated valid
 * encoding, makes decode throw anything but MalformedMessageException or allocate more than its
 * size justifies.
 */
class PropertiesTest {

    @Property(tries = 1000)
    void everyValueTreeRoundTrips(@ForAll("trees") Object value) {
        byte[] encoded = ADVANCED.encode(value);
        Object back = ADVANCED.decode(ByteBuffer.wrap(encoded));
        assertThat(Deep.difference(value, back)).isNull();
    }

    @Property(tries = 200)
    void sharedSubtreesStayShared(@ForAll("containers") Object value) {
        List<?> back = (List<?>) ADVANCED.decode(ByteBuffer.wrap(ADVANCED.encode(List.of(value, "x", value))));
        assertThat(back.get(2)).isSameAs(back.get(0));
        assertThat(Deep.difference(value, back.get(0))).isNull();
    }

    @Property(tries = 1000, edgeCases = net.jqwik.api.EdgeCasesMode.NONE)
    void arbitraryBytesOnlyEverFailAsMalformed(@ForAll("cborish") byte[] bytes) {
        decodeSafely(bytes);
    }

    @Property(tries = 1000)
    void mutatedEncodingsOnlyEverFailAsMalformed(@ForAll("trees") Object value, @ForAll long seed) {
        byte[] encoded = ADVANCED.encode(value);
        Random random = new Random(seed);
        byte[] mutated = encoded;
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations && mutated.length > 0; m++) {
            int at = random.nextInt(mutated.length);
            switch (random.nextInt(4)) {
                case 0 -> mutated[at] = (byte) random.nextInt(256);
                case 1 -> mutated[at] ^= (byte) (1 << random.nextInt(8));
                case 2 -> mutated = Arrays.copyOf(mutated, at);
                default -> {
                    byte[] longer = new byte[mutated.length + 1];
                    System.arraycopy(mutated, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(mutated, at, longer, at + 1, mutated.length - at);
                    mutated = longer;
                }
            }
        }
        decodeSafely(mutated);
    }

    private static void decodeSafely(byte[] bytes) {
        long allocated = decodeMeasured(bytes);
        long limit = 512 * 1024 + 1024L * bytes.length;
        if (allocated >= limit) {
            // The first decode of some path also pays for class initialisation: judge a second run.
            allocated = decodeMeasured(bytes);
        }
        // Generous per-byte headroom (a 1-byte empty map is a ~60-byte LinkedHashMap, a date string is
        // parsed), yet far below what trusting a declared length would cost.
        assertThat(allocated).as("bytes allocated decoding %s", Fixtures.hex(bytes)).isLessThan(limit);
    }

    private static long decodeMeasured(byte[] bytes) {
        long before = Allocation.current();
        try {
            ADVANCED.decode(ByteBuffer.wrap(bytes));
        } catch (MalformedMessageException e) {
            assertThat(e.getMessage()).startsWith("Malformed advanced (CBOR) message").doesNotContain("bug in jcluster");
        }
        return Allocation.current() - before;
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<Object> trees() {
        return Arbitraries.recursive(this::leaves, this::containersOf, 0, 3);
    }

    @Provide
    Arbitrary<Object> containers() {
        return containersOf(trees());
    }

    @Provide
    Arbitrary<byte[]> cborish() {
        Arbitrary<Byte> interesting = Arbitraries.of((byte) 0x18, (byte) 0x1b, (byte) 0x1c, (byte) 0x1f, (byte) 0x3b,
                (byte) 0x5a, (byte) 0x5b, (byte) 0x5f, (byte) 0x7a, (byte) 0x7f, (byte) 0x9a, (byte) 0x9b, (byte) 0x9f,
                (byte) 0xba, (byte) 0xbb, (byte) 0xbf, (byte) 0xc1, (byte) 0xc2, (byte) 0xc4, (byte) 0xd8, (byte) 0x1b,
                (byte) 0x1d, (byte) 0x25, (byte) 0xd9, (byte) 0x01, (byte) 0x02, (byte) 0x03, (byte) 0xe9,
                (byte) 0xf9, (byte) 0xfb, (byte) 0xff, (byte) 0x00, (byte) 0x7f, (byte) 0x80, (byte) 0x81, (byte) 0xa1);
        return Arbitraries.oneOf(Arbitraries.bytes(), interesting).list().ofMaxSize(64).map(list -> {
            byte[] b = new byte[list.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = list.get(i);
            }
            return b;
        });
    }

    private Arbitrary<Object> containersOf(Arbitrary<Object> inner) {
        Arbitrary<Object> lists = inner.list().ofMaxSize(4).map(ArrayList::new);
        Arbitrary<Object> stringMaps = Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(6), inner)
                .ofMaxSize(4).map(LinkedHashMap::new);
        Arbitrary<Object> anyKeyMaps = Arbitraries.maps(keys(), inner).ofMaxSize(3).map(LinkedHashMap::new);
        Arbitrary<Object> sets = keys().set().ofMaxSize(4).map(LinkedHashSet::new);
        Arbitrary<Object> people = Combinators.combine(strings(), Arbitraries.longs(),
                strings().list().ofMaxSize(3), points(), Arbitraries.of(Color.class),
                Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(4), inner).ofMaxSize(2))
                .as((n, a, t, h, c, e) -> new Person(n, a, t, h, c, e));
        return Arbitraries.oneOf(lists, stringMaps, anyKeyMaps, sets, people);
    }

    /** Values with value equality, fit for map keys and set elements. */
    private Arbitrary<Object> keys() {
        return Arbitraries.oneOf(Arbitraries.longs(), strings(), uuids(), points(),
                Arbitraries.longs().list().ofMaxSize(2).map(ArrayList::new));
    }

    private Arbitrary<Object> leaves() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.just(null)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(true, false)),
                net.jqwik.api.Tuple.of(5, Arbitraries.longs()),
                net.jqwik.api.Tuple.of(3, doubles()),
                net.jqwik.api.Tuple.of(5, strings()),
                net.jqwik.api.Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(20)),
                net.jqwik.api.Tuple.of(2, Arbitraries.bigIntegers().between(
                        BigInteger.TWO.pow(200).negate(), BigInteger.TWO.pow(200))),
                net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.bigIntegers().between(
                        BigInteger.TWO.pow(100).negate(), BigInteger.TWO.pow(100)),
                        Arbitraries.integers().between(-40, 40)).as(BigDecimal::new)),
                net.jqwik.api.Tuple.of(1, uuids()),
                net.jqwik.api.Tuple.of(1, Combinators.combine(
                        Arbitraries.longs().between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond()),
                        Arbitraries.integers().between(0, 999_999_999)).as(Instant::ofEpochSecond)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(LocalDate.MIN.toEpochDay(),
                        LocalDate.MAX.toEpochDay()).map(LocalDate::ofEpochDay)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(
                        Arbitraries.longs().between(-62_000_000_000L, 250_000_000_000L),
                        Arbitraries.integers().between(0, 999_999_999),
                        Arbitraries.integers().between(-18 * 3600, 18 * 3600))
                        .as((s, n, o) -> OffsetDateTime.ofInstant(Instant.ofEpochSecond(s, n),
                                ZoneOffset.ofTotalSeconds(o)))),
                net.jqwik.api.Tuple.of(1, Combinators.combine(Arbitraries.longs(),
                        Arbitraries.integers().between(0, 999_999_999)).as(Duration::ofSeconds)),
                net.jqwik.api.Tuple.of(1, points()),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(Color.class)));
    }

    private static Arbitrary<Object> doubles() {
        return Arbitraries.oneOf(Arbitraries.doubles(), Arbitraries.floats().map(Float::doubleValue),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0,
                        Double.MIN_VALUE, Double.MAX_VALUE, 65504.0, 5.960464477539063e-8),
                Arbitraries.longs().map(l -> Double.longBitsToDouble(l)));
    }

    private static Arbitrary<String> strings() {
        Arbitrary<String> bmp = Arbitraries.strings().withCharRange('\u0000', '\uD7FF')
                .withCharRange('\uE000', '\uFFFF').ofMaxLength(12);
        Arbitrary<String> astral = Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString);
        Arbitrary<String> ascii = Arbitraries.strings().ascii().ofMaxLength(30);
        return Arbitraries.oneOf(ascii, bmp, Combinators.combine(bmp, astral).as(String::concat));
    }

    private static Arbitrary<Object> uuids() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs()).as(UUID::new);
    }

    private static Arbitrary<Point> points() {
        return Combinators.combine(Arbitraries.integers(), Arbitraries.integers()).as(Point::new);
    }
}
