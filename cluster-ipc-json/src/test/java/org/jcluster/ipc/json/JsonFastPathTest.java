package org.jcluster.ipc.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jcluster.api.spi.SerializationOptions;
import org.junit.jupiter.api.Test;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * TrivialJson must answer exactly as Jackson would, or not at all: every value and payload here goes
 * through both the public path (fast path first) and the Jackson-only path, and the outcomes must be
 * identical (same bytes; same value and class, or the same refusal).
 */
class JsonFastPathTest {

    private final JsonSerialization json = new JsonSerialization(SerializationOptions.defaults());
    private final JsonEncoder encoder = new JsonEncoder(JsonSerialization.newFactory(256, true), 256);
    private final JsonDecoder decoder = new JsonDecoder(JsonSerialization.newFactory(256, true), 256);
    /** Jackson's own factory, configured alike: what LeanJsonFactory must not differ from. */
    private final JsonEncoder stockEncoder = new JsonEncoder(JsonSerialization.newFactory(256, false), 256);
    private final JsonDecoder stockDecoder = new JsonDecoder(JsonSerialization.newFactory(256, false), 256);

    @Provide
    Arbitrary<Object> trivialCandidates() {
        return Arbitraries.oneOf(
                // Mostly plain ASCII, with the characters just outside the fast path mixed in.
                Arbitraries.strings().withCharRange(' ', '~').withChars('"', '\\', '\u001f', '\u007f', '\u0080',
                        '\u00e9', '\t', '\u2028', '\uD800', '\uDC00').ofMaxLength(30).map(s -> (Object) s),
                Arbitraries.strings().all().ofMaxLength(10).map(s -> (Object) s),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.longs().between(-1_000_000_000_000_000_000L, 1_000_000_000_000_000_000L).map(l -> (Object) l),
                Arbitraries.integers().map(i -> (Object) i),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.of(0L, -1L, 1L, 999_999_999_999_999_999L, -999_999_999_999_999_999L,
                        1_000_000_000_000_000_000L, Long.MIN_VALUE, Long.MAX_VALUE, "", " ", "~").map(v -> (Object) v))
                .injectNull(0.05);
    }

    @Property(tries = 2000)
    void encodeGivesJacksonsBytes(@ForAll("trivialCandidates") Object value) {
        assertThat(new String(json.encode(value), StandardCharsets.UTF_8))
                .isEqualTo(new String(encoder.encodeWithJackson(value), StandardCharsets.UTF_8));
    }

    @Property(tries = 2000)
    void decodingWhatWasEncodedGivesJacksonsValue(@ForAll("trivialCandidates") Object value) {
        assertSameOutcome(encoder.encodeWithJackson(value));
    }

    /** Near-misses of the trivial forms: pieces of them glued together at random. */
    @Provide
    Arbitrary<byte[]> nearMisses() {
        List<String> pieces = List.of("\"", "\\", "a", "Z", " ", "\t", "-", "0", "1", "9", "00", "123456789",
                "null", "true", "false", "nul", "tru", "fals", "e", "E", ".", "+", "[", "]", "{", "}", ",", ":",
                "\u007f", "\u001f", "\u00e9", "\uFEFF", "x", "/", "\\u0041", "\\n");
        return Arbitraries.of(pieces).list().ofMinSize(1).ofMaxSize(8)
                .map(list -> String.join("", list).getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 3000)
    void nearMissesDecodeOrFailExactlyAsJacksonDoes(@ForAll("nearMisses") byte[] payload) {
        assertSameOutcome(payload);
    }

    @Property(tries = 1000)
    void arbitraryBytesDecodeOrFailExactlyAsJacksonDoes(@ForAll byte[] payload) {
        if (payload.length > 0) {
            assertSameOutcome(payload);
        }
    }

    @Test
    void edgesOfTheTrivialForms() {
        List<String> cases = new ArrayList<>(List.of("\"\"", "\"a\"", "\"", "\"a", "a\"", "\"a\"\"", "\"a\"b\"",
                "\"\\\"\"", "\"a\\nb\"", "\"\u007f\"", "\"\t\"", " \"a\"", "\"a\" ", "\"a\"\n",
                "0", "-0", "-", "--1", "00", "01", "-01", "1.0", "1e2", "1 ", " 1", "+1", "0x1",
                "123456789012345678", "-123456789012345678", "1234567890123456789", "-1234567890123456789",
                "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                "null", "true", "false", "nul", "nulll", "True", "truee", "fals", "falsex", "\uFEFF\"a\""));
        for (String c : cases) {
            assertSameOutcome(c.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The property tests above only mean something if these take the fast path. */
    @Test
    void theFastPathTakesTheCommonTrivialMessages() {
        for (String c : List.of("\"\"", "\"xxxxxxxxxxxx\"", "\"hello, world: {1} [2] /~\"", "0", "-0", "42",
                "-123456789012345678", "null", "true", "false")) {
            byte[] b = c.getBytes(StandardCharsets.UTF_8);
            assertThat(TrivialJson.decode(b, 0, b.length)).as(c).isNotSameAs(TrivialJson.NOT_TRIVIAL);
        }
        for (Object v : new Object[] {"xxxxxxxxxxxx", "", 42L, -7, Long.MIN_VALUE, true, false, null}) {
            assertThat(TrivialJson.encode(v)).as(String.valueOf(v)).isNotNull();
        }
        assertThat(TrivialJson.encode("a\"b")).isNull();
        assertThat(TrivialJson.encode("caf\u00e9")).isNull();
        assertThat(TrivialJson.encode(1.5)).isNull();
        assertThat(TrivialJson.encode((short) 1)).isNull();
    }

    @Test
    void theFastPathReadsInPlaceAtTheBuffersPosition() {
        byte[] framed = "xx\"abc\"yy".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer payload = ByteBuffer.wrap(framed, 2, 5).slice();
        assertThat(json.decode(payload)).isEqualTo("abc");
        assertThat(payload.position()).isZero();
        ByteBuffer direct = ByteBuffer.allocateDirect(8).put("-1234567".getBytes(StandardCharsets.US_ASCII)).flip();
        assertThat(json.decode(direct)).isEqualTo(-1234567L);
        assertThat(direct.position()).isZero();
    }

    @Provide
    Arbitrary<Object> trees() {
        return new JsonPropertyTest().trees();
    }

    @Property(tries = 500)
    void leanFactoryWritesAsJacksonsOwn(@ForAll("trees") Object value) {
        assertThat(encoder.encodeWithJackson(value)).isEqualTo(stockEncoder.encodeWithJackson(value));
    }

    @Property(tries = 1000)
    void leanFactoryReadsAndFailsAsJacksonsOwn(@ForAll("trees") Object value, @ForAll int cut, @ForAll byte corruption,
            @ForAll boolean bom) {
        byte[] bytes = encoder.encodeWithJackson(value);
        if (bom) {
            byte[] withBom = new byte[bytes.length + 3];
            withBom[0] = (byte) 0xEF;
            withBom[1] = (byte) 0xBB;
            withBom[2] = (byte) 0xBF;
            System.arraycopy(bytes, 0, withBom, 3, bytes.length);
            bytes = withBom;
        }
        int at = Math.floorMod(cut, bytes.length);
        byte[] corrupted = bytes.clone();
        corrupted[at] = corruption;
        for (byte[] payload : List.of(bytes, corrupted, java.util.Arrays.copyOf(bytes, Math.max(1, at)))) {
            Object[] lean = outcome(decoder, payload);
            Object[] stock = outcome(stockDecoder, payload);
            String text = new String(payload, StandardCharsets.ISO_8859_1);
            assertThat(lean[1]).as(text).isEqualTo(stock[1]);
            if (lean[1] == null) {
                assertThat(lean[0]).as(text).isEqualTo(stock[0]);
            }
        }
    }

    /** {value, null} or {null, the refusal's class and message}. */
    private static Object[] outcome(JsonDecoder d, byte[] payload) {
        try {
            return new Object[] {d.decodeWithJackson(payload, 0, payload.length), null};
        } catch (RuntimeException e) {
            return new Object[] {null, e.getClass().getName() + ": " + e.getMessage()};
        }
    }

    private void assertSameOutcome(byte[] payload) {
        Throwable fastFailure = catchThrowable(() -> json.decode(ByteBuffer.wrap(payload)));
        Throwable generalFailure = catchThrowable(() -> decoder.decodeWithJackson(payload, 0, payload.length));
        String text = new String(payload, StandardCharsets.ISO_8859_1);
        if (generalFailure != null) {
            assertThat(fastFailure).as(text).isNotNull();
            assertThat(fastFailure.getClass()).as(text).isEqualTo(generalFailure.getClass());
            assertThat(fastFailure.getMessage()).as(text).isEqualTo(generalFailure.getMessage());
            return;
        }
        assertThat(fastFailure).as(text).isNull();
        Object fast = json.decode(ByteBuffer.wrap(payload));
        Object general = decoder.decodeWithJackson(payload, 0, payload.length);
        assertThat(fast).as(text).isEqualTo(general);
        if (general != null) {
            assertThat(fast.getClass()).as(text).isEqualTo(general.getClass());
        }
    }
}
