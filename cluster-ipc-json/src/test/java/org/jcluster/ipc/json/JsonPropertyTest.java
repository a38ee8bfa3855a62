package org.jcluster.ipc.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jcluster.api.spi.MalformedMessageException;
import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class JsonPropertyTest {

    private final Serialization json = new JsonSerializationProvider().create(SerializationOptions.defaults());

    @Provide
    Arbitrary<Object> trees() {
        return Arbitraries.recursive(JsonPropertyTest::scalars, JsonPropertyTest::containersOf, 0, 5);
    }

    private static Arbitrary<Object> scalars() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(20).map(s -> (Object) s),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.bigIntegers().between(BigInteger.TWO.pow(63), BigInteger.TEN.pow(40))
                        .map(b -> (Object) (b.testBit(0) ? b.negate().subtract(BigInteger.ONE) : b)),
                Arbitraries.of(true, false).map(b -> (Object) b))
                .injectNull(0.1);
    }

    private static Arbitrary<Object> containersOf(Arbitrary<Object> inner) {
        return Arbitraries.oneOf(
                inner.list().ofMaxSize(5).map(l -> (Object) l),
                Arbitraries.maps(Arbitraries.strings().all().ofMaxLength(8), inner).ofMaxSize(5).map(m -> (Object) m));
    }

    @Property(tries = 300)
    void valueModelTreesRoundTripExactlyAndInOrder(@ForAll("trees") Object value) {
        Object decoded = json.decode(ByteBuffer.wrap(json.encode(value)));
        assertSameTree(value, decoded, "$");
    }

    /** Map equality ignores order; the value model promises order, so compare entry by entry. */
    private static void assertSameTree(Object expected, Object actual, String path) {
        if (expected instanceof Map<?, ?> m) {
            assertThat(actual).as(path).isInstanceOf(Map.class);
            Map<?, ?> a = (Map<?, ?>) actual;
            assertThat(new ArrayList<>(a.keySet())).as(path + " keys in order").isEqualTo(new ArrayList<>(m.keySet()));
            for (Map.Entry<?, ?> e : m.entrySet()) {
                assertSameTree(e.getValue(), a.get(e.getKey()), path + "." + e.getKey());
            }
        } else if (expected instanceof List<?> l) {
            assertThat(actual).as(path).isInstanceOf(List.class);
            List<?> a = (List<?>) actual;
            assertThat(a).as(path).hasSameSizeAs(l);
            for (int i = 0; i < l.size(); i++) {
                assertSameTree(l.get(i), a.get(i), path + "[" + i + "]");
            }
        } else {
            // Double.equals, unlike ==, tells -0.0 from 0.0.
            assertThat(actual).as(path).isEqualTo(expected);
        }
    }

    @Property(tries = 500)
    void arbitraryBytesDecodeOrAreRefusedAsMalformed(@ForAll @Size(max = 40) byte[] bytes) {
        try {
            json.decode(ByteBuffer.wrap(bytes));
        } catch (MalformedMessageException expected) {
            assertThat(expected.getMessage()).startsWith("Malformed JSON message: ");
        }
    }

    @Property(tries = 200)
    void truncatedOrCorruptedMessagesAreRefusedAsMalformed(@ForAll("trees") Object value,
            @ForAll @IntRange(min = 0, max = 10_000) int cut, @ForAll byte corruption) {
        byte[] bytes = json.encode(value);
        int at = cut % bytes.length;
        byte[] corrupted = bytes.clone();
        corrupted[at] = corruption;
        for (ByteBuffer payload : List.of(ByteBuffer.wrap(bytes, 0, at), ByteBuffer.wrap(corrupted))) {
            try {
                json.decode(payload);
            } catch (MalformedMessageException expected) {
                assertThat(expected.getMessage()).startsWith("Malformed JSON message: ");
            }
        }
    }
}
