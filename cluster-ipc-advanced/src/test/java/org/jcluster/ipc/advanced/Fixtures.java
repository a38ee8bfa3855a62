package org.jcluster.ipc.advanced;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Records and enums the tests register, and the serializations that know them. */
final class Fixtures {
    private Fixtures() {
    }

    public record Point(int x, int y) {
    }

    public enum Color {
        RED, GREEN,
        /** A constant with a body is a subclass of Color: it must still travel as a Color. */
        BLUE {
            @Override
            public String toString() {
                return "blue!";
            }
        }
    }

    public record Person(String name, long age, List<String> tags, Point home, Color favourite,
            Map<String, Object> extra) {
    }

    public record AllKinds(boolean b, byte by, short s, char c, int i, long l, float f, double d, Integer boxed,
            ByteBuffer buffer, byte[] bytes, BigInteger big, BigDecimal dec, UUID id, Instant at, LocalDate day,
            OffsetDateTime odt, Duration dur, List<Long> longs, Set<String> names, Map<String, Point> points,
            RemoteError error, Object anything, Color color) {
    }

    /** A record holding a list, so a cycle can run through the list (allowed) back to the record (refused). */
    public record Node(String name, List<Object> children) {
    }

    public record Validated(int positive) {
        public Validated {
            if (positive <= 0) {
                throw new IllegalArgumentException("positive must be > 0, got " + positive);
            }
        }
    }

    public sealed interface Shape permits Circle, Square {
    }

    public record Circle(double r) implements Shape {
    }

    public record Square(double side) implements Shape {
    }

    public record Drawing(String title, List<Shape> shapes) {
    }

    /** Two versions of "the same" record: same-length binary names, so a test can swap one for the other on the wire. */
    static final class V1 {
        public record Item(String name, int count) {
        }
    }

    static final class V2 {
        public record Item(String name, int count, boolean extra) {
        }
    }

    static final class V3 {
        public record Item(String name, String count) {
        }
    }

    static final class V4 {
        public record Item(String name) {
        }
    }

    static final List<Class<?>> TYPES = List.of(Point.class, Color.class, Person.class, AllKinds.class, Node.class,
            Validated.class, Shape.class, Drawing.class, V1.Item.class);

    static final AdvancedSerialization ADVANCED = create(TYPES);

    static AdvancedSerialization create(List<Class<?>> types) {
        return (AdvancedSerialization) new AdvancedSerializationProvider()
                .create(new org.jcluster.api.spi.SerializationOptions(types, 256));
    }

    static Object roundTrip(Object value) {
        return ADVANCED.decode(ByteBuffer.wrap(ADVANCED.encode(value)));
    }

    static Object decode(byte[] bytes) {
        return ADVANCED.decode(ByteBuffer.wrap(bytes));
    }

    static byte[] hex(String hex) {
        String h = hex.replaceAll("\\s", "");
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte x : bytes) {
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.toString();
    }

    /** Replaces one same-length ASCII string in an encoding (to impersonate another type on the wire). */
    static byte[] replaceAscii(byte[] data, String from, String to) {
        if (from.length() != to.length()) {
            throw new IllegalArgumentException("same length only");
        }
        String latin = new String(data, java.nio.charset.StandardCharsets.ISO_8859_1);
        int i = latin.indexOf(from);
        if (i < 0) {
            throw new IllegalArgumentException(from + " not found");
        }
        byte[] copy = data.clone();
        System.arraycopy(to.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, copy, i, to.length());
        return copy;
    }
}
