package org.jcluster.ipc.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.junit.jupiter.api.Test;

class JsonRoundTripTest {

    private final Serialization json = new JsonSerializationProvider().create(SerializationOptions.defaults());

    enum Color { RED, GREEN { @Override public String toString() { return "green!"; } } }

    record Point(int x, int y) {}

    record Shape(String name, List<Point> points, Color color, Map<String, Object> extra) {}

    /** An error carrying a code the way Node's system errors do. */
    static final class CodedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String code;

        CodedException(String message, String code) {
            super(message);
            this.code = code;
        }

        public String getCode() {
            return code;
        }
    }

    static final class FieldCodeException extends Exception {
        private static final long serialVersionUID = 1L;
        final int code = 42;

        FieldCodeException(String message) {
            super(message);
        }
    }

    static final class RecordStyleCodeException extends Exception {
        private static final long serialVersionUID = 1L;

        RecordStyleCodeException() {
            super((String) null);
        }

        Color code() {
            return Color.GREEN;
        }
    }

    private Object roundTrip(Object value) {
        return json.decode(ByteBuffer.wrap(json.encode(value)));
    }

    private String text(Object value) {
        return new String(json.encode(value), StandardCharsets.UTF_8);
    }

    @Test
    void nameIsJson() {
        assertThat(json.name()).isEqualTo("json");
    }

    @Test
    void scalars() {
        assertThat(roundTrip(null)).isNull();
        assertThat(roundTrip(true)).isEqualTo(Boolean.TRUE);
        assertThat(roundTrip(false)).isEqualTo(Boolean.FALSE);
        assertThat(roundTrip("héllo \"wörld\"\n\t\u0000 \uD83D\uDE00")).isEqualTo("héllo \"wörld\"\n\t\u0000 \uD83D\uDE00");
        assertThat(roundTrip("")).isEqualTo("");
        assertThat(roundTrip('c')).isEqualTo("c");
        assertThat(roundTrip(Color.RED)).isEqualTo("RED");
        assertThat(roundTrip(Color.GREEN)).isEqualTo("GREEN");
    }

    @Test
    void loneSurrogatesSurviveAsEscapes() {
        String odd = "a\uD800b\uDC00c";
        assertThat(text(odd)).isEqualTo("\"a\\uD800b\\uDC00c\"");
        assertThat(roundTrip(odd)).isEqualTo(odd);
    }

    @Test
    void integralNumbersDecodeAsLong() {
        assertThat(roundTrip((byte) -7)).isEqualTo(-7L);
        assertThat(roundTrip((short) 300)).isEqualTo(300L);
        assertThat(roundTrip(42)).isEqualTo(42L);
        assertThat(roundTrip(Integer.MIN_VALUE)).isEqualTo((long) Integer.MIN_VALUE);
        assertThat(roundTrip(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(roundTrip(Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
        assertThat(roundTrip(BigInteger.valueOf(5))).isEqualTo(5L);
    }

    @Test
    void integersBeyondLongDecodeAsBigInteger() {
        BigInteger big = BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE);
        assertThat(roundTrip(big)).isEqualTo(big);
        // 1000 digits, the most a number may have, plus the sign.
        BigInteger huge = BigInteger.TEN.pow(999).negate();
        assertThat(text(huge)).hasSize(1001);
        assertThat(roundTrip(huge)).isEqualTo(huge);
    }

    @Test
    void floatingNumbersDecodeAsDoubleEvenWhenWhole() {
        assertThat(roundTrip(1.0)).isInstanceOf(Double.class).isEqualTo(1.0);
        assertThat(roundTrip(-0.0)).isEqualTo(-0.0);
        assertThat(roundTrip(0.1)).isEqualTo(0.1);
        assertThat(roundTrip(Double.MAX_VALUE)).isEqualTo(Double.MAX_VALUE);
        assertThat(roundTrip(Double.MIN_VALUE)).isEqualTo(Double.MIN_VALUE);
        assertThat(roundTrip(1e20)).isEqualTo(1e20);
        // A float travels as its shortest decimal text, not as the double nearest its binary value.
        assertThat(roundTrip(0.1f)).isEqualTo(0.1);
        assertThat(roundTrip(Float.MAX_VALUE)).isEqualTo(3.4028235E38);
    }

    @Test
    void bigDecimalIsWrittenExactlyAndDecodesByItsText() {
        assertThat(text(new BigDecimal("3.14159265358979323846264338327950288"))).isEqualTo("3.14159265358979323846264338327950288");
        assertThat(roundTrip(new BigDecimal("2.5"))).isEqualTo(2.5);
        assertThat(roundTrip(new BigDecimal("100"))).isEqualTo(100L);
        assertThat(roundTrip(new BigDecimal("1E+3"))).isEqualTo(1000.0);
    }

    @Test
    void collectionsAndArraysBecomeLists() {
        assertThat(roundTrip(List.of(1, "two", 3.0))).isEqualTo(List.of(1L, "two", 3.0));
        assertThat(roundTrip(new LinkedList<>(List.of("a", "b")))).isEqualTo(List.of("a", "b"));
        assertThat(roundTrip(new LinkedHashSet<>(List.of("z", "a")))).isEqualTo(List.of("z", "a"));
        assertThat(roundTrip(new ArrayDeque<>(List.of(1, 2)))).isEqualTo(List.of(1L, 2L));
        assertThat(roundTrip(Arrays.asList(null, null))).isEqualTo(Arrays.asList(null, null));
        assertThat(roundTrip(new Object[] {"a", 1, null})).isEqualTo(Arrays.asList("a", 1L, null));
        assertThat(roundTrip(new String[0])).isEqualTo(List.of());
        assertThat(roundTrip(new int[] {1, -2})).isEqualTo(List.of(1L, -2L));
        assertThat(roundTrip(new long[] {Long.MIN_VALUE})).isEqualTo(List.of(Long.MIN_VALUE));
        assertThat(roundTrip(new short[] {7})).isEqualTo(List.of(7L));
        assertThat(roundTrip(new byte[] {-1, 2})).isEqualTo(List.of(-1L, 2L));
        assertThat(roundTrip(new double[] {0.5, 2})).isEqualTo(List.of(0.5, 2.0));
        assertThat(roundTrip(new float[] {0.25f})).isEqualTo(List.of(0.25));
        assertThat(roundTrip(new boolean[] {true, false})).isEqualTo(List.of(true, false));
        assertThat(roundTrip(new char[] {'h', 'i'})).isEqualTo(List.of("h", "i"));
        assertThat(roundTrip(new int[][] {{1}, {}})).isEqualTo(List.of(List.of(1L), List.of()));
    }

    @Test
    void decodedContainersAreMutableArrayListAndLinkedHashMap() {
        Object decoded = roundTrip(Map.of("list", List.of(1)));
        assertThat(decoded).isInstanceOf(LinkedHashMap.class);
        assertThat(((Map<?, ?>) decoded).get("list")).isInstanceOf(ArrayList.class);
        assertThat(roundTrip(List.of())).isInstanceOf(ArrayList.class);
        assertThat(roundTrip(Map.of())).isInstanceOf(LinkedHashMap.class);
    }

    @Test
    void mapsKeepInsertionOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            m.put("k" + (49 - i) * 7 % 50, i);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> decoded = (Map<String, Object>) roundTrip(m);
        assertThat(decoded.keySet()).containsExactlyElementsOf(m.keySet());
        assertThat(roundTrip(new TreeMap<>(Map.of("b", 1, "a", 2))))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsExactly(Map.entry("a", 2L), Map.entry("b", 1L));
    }

    @Test
    void repeatedKeysKeepFirstPositionAndLastValue() {
        Object decoded = json.decode(ByteBuffer.wrap("{\"a\":1,\"b\":2,\"a\":3}".getBytes(StandardCharsets.UTF_8)));
        assertThat(decoded).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsExactly(Map.entry("a", 3L), Map.entry("b", 2L));
    }

    @Test
    void recordsBecomeMapsOfTheirComponentsInDeclarationOrder() {
        Shape shape = new Shape("tri", List.of(new Point(0, 0), new Point(1, 2)), Color.GREEN, Map.of("z", true));

        assertThat(text(shape)).isEqualTo("{\"name\":\"tri\",\"points\":[{\"x\":0,\"y\":0},{\"x\":1,\"y\":2}],"
                + "\"color\":\"GREEN\",\"extra\":{\"z\":true}}");
        // Typed conversion back (MessageValues) needs the package opened to jcluster.api: JsonModuleAccessTest.
        assertThat(roundTrip(shape)).isEqualTo(mapOf("name", "tri",
                "points", List.of(mapOf("x", 0L, "y", 0L), mapOf("x", 1L, "y", 2L)),
                "color", "GREEN", "extra", mapOf("z", true)));
    }

    @Test
    void localAndNullComponentRecords() {
        record Local(String a, Object b) {}
        assertThat(roundTrip(new Local(null, List.of()))).isEqualTo(mapOf("a", null, "b", List.of()));
    }

    @Test
    void an800004CharacterStringArrivesIntact() {
        StringBuilder sb = new StringBuilder(800_004);
        for (int i = 0; i < 800_004; i++) {
            sb.append((char) ('a' + i % 26));
        }
        String big = sb.toString();
        assertThat(roundTrip(big)).isEqualTo(big);
        Map<String, Object> wrapped = mapOf("cmd", "echo", "payload", big);
        assertThat(roundTrip(wrapped)).isEqualTo(wrapped);
        String multiByte = "é\uD83D\uDE00".repeat(100_000);
        assertThat(roundTrip(multiByte)).isEqualTo(multiByte);
    }

    @Test
    void aThrowableArrivesAsAMapKeepingNameMessageCodeAndStack() {
        CodedException error = new CodedException("permission denied", "EACCES");

        @SuppressWarnings("unchecked")
        Map<String, Object> decoded = (Map<String, Object>) roundTrip(error);

        assertThat(decoded.keySet()).containsExactly("name", "message", "code", "stack");
        assertThat(decoded.get("name")).isEqualTo(CodedException.class.getName());
        assertThat(decoded.get("message")).isEqualTo("permission denied");
        assertThat(decoded.get("code")).isEqualTo("EACCES");
        assertThat((String) decoded.get("stack")).startsWith(CodedException.class.getName() + ": permission denied")
                .contains("aThrowableArrivesAsAMapKeepingNameMessageCodeAndStack");
    }

    @Test
    void throwableCodeComesFromAFieldOrACodeMethodAndIsAbsentOtherwise() {
        assertThat(roundTrip(new FieldCodeException("x"))).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("code", 42L);
        assertThat(roundTrip(new RecordStyleCodeException())).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("code", "GREEN")
                .containsEntry("message", null);
        Exception cause = new IllegalStateException("inner");
        @SuppressWarnings("unchecked")
        Map<String, Object> plain = (Map<String, Object>) roundTrip(new java.io.IOException("outer", cause));
        assertThat(plain).doesNotContainKey("code");
        assertThat((String) plain.get("stack")).contains("Caused by: java.lang.IllegalStateException: inner");
    }

    @Test
    void throwableInsideAMessage() {
        Object decoded = roundTrip(mapOf("ok", false, "error", new CodedException("gone", "ENOENT")));
        assertThat(decoded).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .extractingByKey("error")
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("message", "gone").containsEntry("code", "ENOENT");
    }

    @Test
    void decodeReadsOnlyTheRemainingBytesAndLeavesThePositionAlone() {
        byte[] frame = "XXXX[1,2]YYYY".getBytes(StandardCharsets.UTF_8);
        ByteBuffer slice = ByteBuffer.wrap(frame, 4, 5);
        assertThat(json.decode(slice)).isEqualTo(List.of(1L, 2L));
        assertThat(slice.position()).isEqualTo(4);
        assertThat(json.decode(ByteBuffer.wrap(frame, 4, 5).slice())).isEqualTo(List.of(1L, 2L));
        assertThat(json.decode(ByteBuffer.wrap(frame, 4, 5).asReadOnlyBuffer())).isEqualTo(List.of(1L, 2L));
    }

    @Test
    void decodeReadsDirectBuffers() {
        byte[] bytes = json.encode(mapOf("a", List.of("b", 1.5)));
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length + 3);
        direct.put((byte) ' ').put(bytes).flip().position(1);
        assertThat(json.decode(direct)).isEqualTo(mapOf("a", List.of("b", 1.5)));
        assertThat(direct.position()).isEqualTo(1);
    }

    @Test
    void whitespaceAroundTheValueIsAccepted() {
        assertThat(json.decode(ByteBuffer.wrap(" \n\t{ \"a\" : [ 1 , 2 ] }\r\n ".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo(mapOf("a", List.of(1L, 2L)));
    }

    @Test
    void nestingUpToTheLimitRoundTrips() {
        Serialization shallow = new JsonSerialization(new SerializationOptions(List.of(), 3));
        Object three = List.of(mapOf("a", List.of(1)));
        assertThat(shallow.decode(ByteBuffer.wrap(shallow.encode(three)))).isEqualTo(List.of(mapOf("a", List.of(1L))));
    }

    @Test
    void encodingIsCompactUtf8() {
        assertThat(json.encode(mapOf("k", "é", "n", Arrays.asList(1, true, null))))
                .isEqualTo("{\"k\":\"é\",\"n\":[1,true,null]}".getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, Object> mapOf(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
