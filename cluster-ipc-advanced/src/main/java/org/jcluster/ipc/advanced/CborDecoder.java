package org.jcluster.ipc.advanced;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.jcluster.api.spi.MalformedMessageException;

/**
 * Reads one message, one CBOR data item, from a frame payload. One instance per message.
 *
 * <p>Hostile or broken input is the design case: every length and count is checked against the bytes
 * that remain before anything is allocated for it (an item takes at least one byte, so a count beyond
 * the remaining bytes is refused and a count within them can size a collection); nesting is bounded;
 * only registered types are created; and every failure is a {@link MalformedMessageException} naming
 * what was wrong and the byte offset (from the payload's first byte).
 *
 * <p>Reads use the buffer's absolute methods, so a direct buffer works without first copying the
 * payload, and the caller's position is never moved.
 */
final class CborDecoder {
    /** A shareable slot whose value is still being built and cannot be referred to yet. */
    private static final Object PENDING = new Object();
    private static final Object[] NO_SLOTS = new Object[0];

    private final ByteBuffer in;
    private final byte[] array;
    private final int arrayOffset;
    private final int start;
    private final int end;
    private final TypeRegistry types;
    private final int maxDepth;
    private int pos;
    private int depth;
    /** Above zero inside a map key or set element: references (tag 29) are refused there. */
    private int keyDepth;
    private Object[] slots = NO_SLOTS;
    private int slotCount;

    CborDecoder(ByteBuffer payload, TypeRegistry types, int maxDepth) {
        this.in = payload;
        this.array = payload.hasArray() ? payload.array() : null;
        this.arrayOffset = payload.hasArray() ? payload.arrayOffset() : 0;
        this.start = payload.position();
        this.end = payload.limit();
        this.pos = start;
        this.types = types;
        this.maxDepth = maxDepth;
    }

    Object decode() {
        if (pos == end) {
            throw malformed(pos, "the payload is empty; a message is one CBOR data item");
        }
        // Tag 55799 only says "this is CBOR"; allowed in front of the message, where other encoders put it.
        while (remaining() >= 3 && u8(pos) == 0xD9 && u8(pos + 1) == 0xD9 && u8(pos + 2) == 0xF7) {
            pos += 3;
        }
        Object value = readItem(-1);
        if (pos != end) {
            throw malformed(pos, (end - pos) + " bytes follow the end of the message's data item");
        }
        return value;
    }

    // ---------------------------------------------------------------- items

    /**
     * Reads any data item.
     *
     * @param slot the shareable index the item defines (tag 28 in front of it), or -1: a container
     *     fills its slot as soon as it exists, before its contents, so that they can refer back to it
     */
    private Object readItem(int slot) {
        int at = pos;
        int initial = next(at);
        int major = initial >>> 5;
        int info = initial & 0x1F;
        switch (major) {
            case Cbor.MAJOR_UNSIGNED: {
                long v = argument(info, at);
                return v >= 0 ? (Object) v : new BigInteger(Long.toUnsignedString(v));
            }
            case Cbor.MAJOR_NEGATIVE: {
                long v = argument(info, at);
                // -1 - v: a Long unless v is 2^63 or more (unsigned), then only a BigInteger holds it.
                return v >= 0 ? (Object) (-1 - v) : new BigInteger(Long.toUnsignedString(v)).not();
            }
            case Cbor.MAJOR_BYTES:
                return readBytes(info, at);
            case Cbor.MAJOR_TEXT:
                return readText(info, at);
            case Cbor.MAJOR_ARRAY:
                return readArray(info, at, slot);
            case Cbor.MAJOR_MAP:
                return readMap(info, at, slot);
            case Cbor.MAJOR_TAG:
                return readTagged(argument(info, at), at, slot);
            default:
                return readSimple(info, at);
        }
    }

    private Object readSimple(int info, int at) {
        switch (info) {
            case 20:
                return Boolean.FALSE;
            case 21:
                return Boolean.TRUE;
            case 22:
            case 23: // undefined: Java has one absent value
                return null;
            case 24: {
                int v = u8(take(1, at, "a simple value"));
                throw malformed(at, v < 32
                        ? "a two-byte simple value below 32 (" + v + ") is not well-formed CBOR"
                        : "unassigned simple value " + v);
            }
            case 25: {
                int p = take(2, at, "a half-precision float");
                return Cbor.halfToDouble(u16(p));
            }
            case 26: {
                int p = take(4, at, "a single-precision float");
                return (double) Float.intBitsToFloat(s32(p));
            }
            case 27: {
                int p = take(8, at, "a double-precision float");
                return Double.longBitsToDouble(s64(p));
            }
            case 28:
            case 29:
            case 30:
                throw malformed(at, "reserved additional information " + info + " in major type 7");
            case Cbor.INDEFINITE:
                throw malformed(at, "a \"break\" (0xFF) outside an indefinite-length item");
            default:
                throw malformed(at, "unassigned simple value " + info);
        }
    }

    private byte[] readBytes(int info, int at) {
        if (info == Cbor.INDEFINITE) {
            return readChunks(Cbor.MAJOR_BYTES, at);
        }
        int length = length(argument(info, at), at, "byte string");
        byte[] b = new byte[length];
        copy(pos, b, 0, length);
        pos += length;
        return b;
    }

    private String readText(int info, int at) {
        if (info == Cbor.INDEFINITE) {
            byte[] utf8 = readChunks(Cbor.MAJOR_TEXT, at);
            return utf8(utf8, 0, utf8.length, at);
        }
        int length = length(argument(info, at), at, "text string");
        String s;
        if (array != null) {
            s = utf8(array, arrayOffset + pos, length, at);
        } else {
            byte[] tmp = new byte[length];
            copy(pos, tmp, 0, length);
            s = utf8(tmp, 0, length, at);
        }
        pos += length;
        return s;
    }

    /** An indefinite-length string: definite chunks of the same major type until "break". */
    private byte[] readChunks(int major, int at) {
        byte[] out = new byte[Math.min(remaining(), 64)];
        int size = 0;
        while (true) {
            int chunkAt = pos;
            int initial = next(chunkAt);
            if (initial == Cbor.BREAK) {
                return size == out.length ? out : Arrays.copyOf(out, size);
            }
            if (initial >>> 5 != major || (initial & 0x1F) == Cbor.INDEFINITE) {
                throw malformed(chunkAt, "a chunk of an indefinite-length " + (major == Cbor.MAJOR_BYTES ? "byte" : "text")
                        + " string (started at byte " + offset(at) + ") must be a definite-length string of the"
                        + " same type");
            }
            int length = length(argument(initial & 0x1F, chunkAt), chunkAt, "string chunk");
            if (out.length - size < length) {
                // Growth is bounded by the input: the chunk's bytes have been checked to be present.
                out = Arrays.copyOf(out, (int) Math.min(Integer.MAX_VALUE - 16, Math.max((long) size + length,
                        2L * out.length)));
            }
            copy(pos, out, size, length);
            size += length;
            pos += length;
        }
    }

    private List<Object> readArray(int info, int at, int slot) {
        enter(at);
        List<Object> list;
        if (info == Cbor.INDEFINITE) {
            list = new ArrayList<>();
            define(slot, list);
            while (!atBreak()) {
                list.add(readItem(-1));
            }
        } else {
            int count = count(argument(info, at), at, 1, "array");
            list = new ArrayList<>(count);
            define(slot, list);
            for (int i = 0; i < count; i++) {
                list.add(readItem(-1));
            }
        }
        depth--;
        return list;
    }

    private Map<Object, Object> readMap(int info, int at, int slot) {
        enter(at);
        Map<Object, Object> map;
        if (info == Cbor.INDEFINITE) {
            map = new LinkedHashMap<>();
            define(slot, map);
            while (!atBreak()) {
                readEntry(map);
            }
        } else {
            int count = count(argument(info, at), at, 2, "map");
            map = new LinkedHashMap<>(capacity(count));
            define(slot, map);
            for (int i = 0; i < count; i++) {
                readEntry(map);
            }
        }
        depth--;
        return map;
    }

    private void readEntry(Map<Object, Object> map) {
        int keyAt = pos;
        Object key = readKey();
        Object value = readItem(-1);
        int size = map.size();
        map.put(key, value);
        if (map.size() == size) {
            throw malformed(keyAt, "duplicate map key " + EncodeRefusal.brief(key));
        }
    }

    /**
     * A map key or set element. Strings, the usual keys, go straight through. Anything else is read with
     * references refused: a hashed key must be a finished tree, never a structure still being built or
     * one that contains itself (hashing it would never end).
     */
    private Object readKey() {
        int p = pos;
        if (p < end && u8(p) >>> 5 == Cbor.MAJOR_TEXT) {
            int info = u8(p) & 0x1F;
            pos = p + 1;
            if (array != null && info < 24 && info <= end - pos) {
                String cached = KeyCache.ascii(array, arrayOffset + pos, info);
                if (cached != null) {
                    pos += info;
                    return cached;
                }
            }
            return readText(info, p);
        }
        keyDepth++;
        Object key = readItem(-1);
        keyDepth--;
        return key;
    }

    private boolean atBreak() {
        if (pos >= end) {
            throw truncated(pos, "the end (\"break\") of an indefinite-length item");
        }
        if (u8(pos) == Cbor.BREAK) {
            pos++;
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- tags

    private Object readTagged(long tag, int at, int slot) {
        if (tag == Cbor.TAG_SHAREABLE) {
            return readShareable(at);
        } else if (tag == Cbor.TAG_SHARED_REF) {
            return readReference(at);
        } else if (tag == Cbor.TAG_TYPED_OBJECT) {
            return readTyped(at, slot);
        } else if (tag == Cbor.TAG_SET) {
            return readSet(at, slot);
        } else if (tag == Cbor.TAG_POSITIVE_BIGNUM || tag == Cbor.TAG_NEGATIVE_BIGNUM) {
            return readBignum(tag, at);
        } else if (tag == Cbor.TAG_DECIMAL_FRACTION) {
            return readDecimal(at);
        } else if (tag == Cbor.TAG_UUID) {
            int contentAt = pos;
            byte[] b = readBytesContent(tag, at);
            if (b.length != 16) {
                throw malformed(contentAt, "a UUID (tag 37) must be 16 bytes, not " + b.length);
            }
            ByteBuffer bb = ByteBuffer.wrap(b);
            return new UUID(bb.getLong(), bb.getLong());
        } else if (tag == Cbor.TAG_EPOCH_TIME) {
            return readEpochTime(at);
        } else if (tag == Cbor.TAG_EXTENDED_TIME || tag == Cbor.TAG_DURATION) {
            return readTimeMap(tag, at);
        } else if (tag == Cbor.TAG_DATE_TIME_STRING) {
            int contentAt = pos;
            String s = readTextContent(tag, at);
            try {
                return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            } catch (DateTimeException e) {
                throw malformed(contentAt, "tag 0 holds \"" + clip(s) + "\", not an RFC 3339 date-time", e);
            }
        } else if (tag == Cbor.TAG_FULL_DATE) {
            int contentAt = pos;
            String s = readTextContent(tag, at);
            try {
                return LocalDate.parse(s);
            } catch (DateTimeException e) {
                throw malformed(contentAt, "tag 1004 holds \"" + clip(s) + "\", not an RFC 3339 full-date", e);
            }
        } else if (tag == Cbor.TAG_EPOCH_DAYS) {
            int contentAt = pos;
            long days = readIntegerContent(tag, at);
            try {
                return LocalDate.ofEpochDay(days);
            } catch (DateTimeException e) {
                throw malformed(contentAt, "tag 100 holds " + days + " days, beyond the dates Java holds", e);
            }
        }
        throw malformed(at, "unknown tag " + Long.toUnsignedString(tag) + "; the advanced serialization reads tags "
                + Cbor.KNOWN_TAGS);
    }

    private Object readShareable(int at) {
        int contentAt = pos;
        int initial = next(contentAt);
        if (initial >>> 5 == Cbor.MAJOR_TAG) {
            long inner = argument(initial & 0x1F, contentAt);
            if (inner == Cbor.TAG_SHAREABLE || inner == Cbor.TAG_SHARED_REF) {
                // Refused rather than followed: a chain of them would recurse once per three bytes.
                throw malformed(contentAt, "tag 28 (shareable) must mark a value, not another tag 28 or 29");
            }
        }
        pos = contentAt;
        if (slotCount == slots.length) {
            // Each slot costs at least two input bytes, so the table is bounded by the payload.
            slots = Arrays.copyOf(slots, Math.max(8, slotCount * 2));
        }
        int slot = slotCount++;
        slots[slot] = PENDING;
        Object value = readItem(slot);
        slots[slot] = value;
        return value;
    }

    private Object readReference(int at) {
        if (keyDepth > 0) {
            throw malformed(at, "a shared reference (tag 29) inside a map key or set element; keys and set"
                    + " elements must be plain values, since a shared or circular key cannot be hashed");
        }
        int contentAt = pos;
        int initial = next(contentAt);
        if (initial >>> 5 != Cbor.MAJOR_UNSIGNED) {
            throw malformed(contentAt, "tag 29 (sharedref) must hold an unsigned integer index");
        }
        long index = argument(initial & 0x1F, contentAt);
        if (index < 0 || index >= slotCount) {
            throw malformed(at, "shared reference to value #" + Long.toUnsignedString(index) + ", but only "
                    + slotCount + " shareable values (tag 28) come before it");
        }
        Object value = slots[(int) index];
        if (value == PENDING) {
            throw malformed(at, "shared reference to value #" + index + ", which is still being decoded: a record,"
                    + " error or scalar cannot contain itself (only lists, maps and sets can)");
        }
        return value;
    }

    private Set<Object> readSet(int at, int slot) {
        int contentAt = pos;
        int initial = next(contentAt);
        if (initial >>> 5 != Cbor.MAJOR_ARRAY) {
            throw malformed(contentAt, "tag 258 (set) must hold an array");
        }
        enter(at);
        int info = initial & 0x1F;
        Set<Object> set;
        keyDepth++;
        if (info == Cbor.INDEFINITE) {
            set = new LinkedHashSet<>();
            define(slot, set);
            while (!atBreak()) {
                addElement(set);
            }
        } else {
            int count = count(argument(info, contentAt), contentAt, 1, "set");
            set = new LinkedHashSet<>(capacity(count));
            define(slot, set);
            for (int i = 0; i < count; i++) {
                addElement(set);
            }
        }
        keyDepth--;
        depth--;
        return set;
    }

    private void addElement(Set<Object> set) {
        int elementAt = pos;
        Object element = readItem(-1);
        if (!set.add(element)) {
            throw malformed(elementAt, "duplicate set element " + EncodeRefusal.brief(element));
        }
    }

    private BigInteger readBignum(long tag, int at) {
        byte[] magnitude = readBytesContent(tag, at);
        BigInteger n = magnitude.length == 0 ? BigInteger.ZERO : new BigInteger(1, magnitude);
        return tag == Cbor.TAG_NEGATIVE_BIGNUM ? n.not() : n;
    }

    private BigDecimal readDecimal(int at) {
        int contentAt = pos;
        int initial = next(contentAt);
        if (initial != 0x82) {
            throw malformed(contentAt, "tag 4 (decimal fraction) must hold a two-element array [exponent, mantissa]");
        }
        int exponentAt = pos;
        int e = next(exponentAt);
        if (e >>> 5 > Cbor.MAJOR_NEGATIVE) {
            throw malformed(exponentAt, "the exponent of a decimal fraction must be an integer");
        }
        long raw = argument(e & 0x1F, exponentAt);
        // scale = -exponent must fit an int: exponent in [-(2^31 - 1), 2^31].
        long exponent = e >>> 5 == Cbor.MAJOR_UNSIGNED ? raw : -1 - raw;
        if (raw < 0 || exponent > 1L << 31 || exponent < -Integer.MAX_VALUE) {
            throw malformed(exponentAt, "decimal fraction exponent out of the range BigDecimal can hold");
        }
        int mantissaAt = pos;
        Object mantissa = readItemNoContainers(mantissaAt);
        int scale = (int) -exponent;
        if (mantissa instanceof Long l) {
            return BigDecimal.valueOf(l, scale);
        }
        if (mantissa instanceof BigInteger b) {
            return new BigDecimal(b, scale);
        }
        throw malformed(mantissaAt, "the mantissa of a decimal fraction must be an integer or a bignum");
    }

    /** An integer or a bignum (tag 2/3), for a decimal's mantissa; anything else is read no further. */
    private Object readItemNoContainers(int at) {
        int initial = next(at);
        int major = initial >>> 5;
        if (major == Cbor.MAJOR_UNSIGNED || major == Cbor.MAJOR_NEGATIVE) {
            pos = at;
            return readItem(-1);
        }
        if (major == Cbor.MAJOR_TAG) {
            long tag = argument(initial & 0x1F, at);
            if (tag == Cbor.TAG_POSITIVE_BIGNUM || tag == Cbor.TAG_NEGATIVE_BIGNUM) {
                return readBignum(tag, at);
            }
        }
        return null;
    }

    private Instant readEpochTime(int at) {
        int contentAt = pos;
        int initial = next(contentAt);
        int major = initial >>> 5;
        try {
            if (major == Cbor.MAJOR_UNSIGNED || major == Cbor.MAJOR_NEGATIVE) {
                long v = argument(initial & 0x1F, contentAt);
                if (v < 0) {
                    throw malformed(contentAt, "tag 1 holds a time beyond the instants Java holds");
                }
                return Instant.ofEpochSecond(major == Cbor.MAJOR_UNSIGNED ? v : -1 - v);
            }
            if (major == Cbor.MAJOR_SIMPLE && (initial & 0x1F) >= 25 && (initial & 0x1F) <= 27) {
                double seconds = (Double) readSimple(initial & 0x1F, contentAt);
                if (!Double.isFinite(seconds) || Math.abs(seconds) > 3.1e16) {
                    throw malformed(contentAt, "tag 1 holds " + seconds + ", not a time Java can hold");
                }
                double whole = Math.floor(seconds);
                return Instant.ofEpochSecond((long) whole, Math.round((seconds - whole) * 1e9));
            }
        } catch (DateTimeException | ArithmeticException e) {
            throw malformed(contentAt, "tag 1 holds a time beyond the instants Java holds", e);
        }
        throw malformed(contentAt, "tag 1 (epoch time) must hold an integer or a float");
    }

    /** RFC 9581 tag 1001 (Instant) or 1002 (Duration): {1: seconds, and at most one of -3, -6, -9: fraction}. */
    private Object readTimeMap(long tag, int at) {
        int contentAt = pos;
        int initial = next(contentAt);
        if (initial >>> 5 != Cbor.MAJOR_MAP || (initial & 0x1F) == Cbor.INDEFINITE) {
            throw malformed(contentAt, "tag " + tag + " must hold a map {1: seconds, -9: nanoseconds}");
        }
        int count = count(argument(initial & 0x1F, contentAt), contentAt, 2, "map");
        Long seconds = null;
        long nanos = 0;
        boolean fraction = false;
        for (int i = 0; i < count; i++) {
            int keyAt = pos;
            if (!(readItemNoContainers(keyAt) instanceof Long k)) {
                throw malformed(keyAt, "tag " + tag + " map keys must be integers (1, -3, -6 or -9)");
            }
            int valueAt = pos;
            if (!(readItemNoContainers(valueAt) instanceof Long v)) {
                throw malformed(valueAt, "tag " + tag + " map values must be integers");
            }
            if (k == Cbor.TIME_KEY_SECONDS && seconds == null) {
                seconds = v;
            } else if (!fraction && (k == Cbor.TIME_KEY_NANOS || k == Cbor.TIME_KEY_MICROS
                    || k == Cbor.TIME_KEY_MILLIS)) {
                long unit = k == Cbor.TIME_KEY_NANOS ? 1 : k == Cbor.TIME_KEY_MICROS ? 1_000 : 1_000_000;
                if (v < 0 || v >= 1_000_000_000L / unit) {
                    throw malformed(valueAt, "tag " + tag + " fraction " + v + " out of range for key " + k);
                }
                nanos = v * unit;
                fraction = true;
            } else {
                throw malformed(keyAt, "tag " + tag + " map key " + k + " is not understood or repeats (this"
                        + " decoder reads keys 1, -3, -6 and -9)");
            }
        }
        if (seconds == null) {
            throw malformed(contentAt, "tag " + tag + " map lacks key 1 (seconds)");
        }
        try {
            return tag == Cbor.TAG_EXTENDED_TIME ? Instant.ofEpochSecond(seconds, nanos)
                    : Duration.ofSeconds(seconds, nanos);
        } catch (DateTimeException | ArithmeticException e) {
            throw malformed(contentAt, "tag " + tag + " holds a time beyond what Java holds", e);
        }
    }

    private byte[] readBytesContent(long tag, int at) {
        int contentAt = pos;
        int initial = next(contentAt);
        if (initial >>> 5 != Cbor.MAJOR_BYTES) {
            throw malformed(contentAt, "tag " + Cbor.tagName(tag) + " must hold a byte string");
        }
        return readBytes(initial & 0x1F, contentAt);
    }

    private String readTextContent(long tag, int at) {
        int contentAt = pos;
        int initial = next(contentAt);
        if (initial >>> 5 != Cbor.MAJOR_TEXT) {
            throw malformed(contentAt, "tag " + Cbor.tagName(tag) + " must hold a text string");
        }
        return readText(initial & 0x1F, contentAt);
    }

    private long readIntegerContent(long tag, int at) {
        int contentAt = pos;
        int initial = next(contentAt);
        int major = initial >>> 5;
        if (major > Cbor.MAJOR_NEGATIVE) {
            throw malformed(contentAt, "tag " + Cbor.tagName(tag) + " must hold an integer");
        }
        long v = argument(initial & 0x1F, contentAt);
        if (v < 0) {
            throw malformed(contentAt, "tag " + Cbor.tagName(tag) + " holds an integer out of range");
        }
        return major == Cbor.MAJOR_UNSIGNED ? v : -1 - v;
    }

    // ---------------------------------------------------------------- typed objects (tag 27)

    private Object readTyped(int at, int slot) {
        int contentAt = pos;
        int initial = next(contentAt);
        if (initial >>> 5 != Cbor.MAJOR_ARRAY) {
            throw malformed(contentAt, "tag 27 (typed object) must hold an array [type name, arguments...]");
        }
        int info = initial & 0x1F;
        boolean indefinite = info == Cbor.INDEFINITE;
        int count = indefinite ? -1 : count(argument(info, contentAt), contentAt, 1, "typed object");
        if (count == 0) {
            throw malformed(contentAt, "tag 27 (typed object) holds an empty array; it needs a type name");
        }
        int nameAt = pos;
        int nameInitial = next(nameAt);
        if (nameInitial >>> 5 != Cbor.MAJOR_TEXT) {
            throw malformed(nameAt, "a typed object (tag 27) must start with its type name as text");
        }
        String name = readText(nameInitial & 0x1F, nameAt);
        int arguments = count - 1;
        if (indefinite) {
            // Definite is what this encoder writes; an indefinite array must still hold exactly one argument.
            arguments = u8OrTruncated(pos) == Cbor.BREAK ? 0 : 1;
        }
        Object value;
        if (name.equals(Cbor.ERROR_TYPE_NAME)) {
            expectArguments(1, arguments, name, nameAt);
            enter(at);
            value = readError(pos);
            depth--;
        } else {
            TypeCodec codec = types.forWireName(name);
            if (codec == null) {
                throw malformed(nameAt, "the message holds a typed object \"" + clip(name) + "\", which is not"
                        + " registered in this process: nothing is created on receipt unless its type is registered ("
                        + TypeRegistry.HOW_TO_REGISTER + "); the two sides must register the same types");
            }
            expectArguments(1, arguments, codec.type.getName(), nameAt);
            if (codec instanceof EnumCodec ec) {
                value = readEnum(ec); // a constant, like a string: no nesting level (as in the encoder)
            } else {
                enter(at);
                value = readRecord((RecordCodec) codec, at);
                depth--;
            }
        }
        if (indefinite && !atBreak()) {
            throw malformed(pos, "a typed object (tag 27) " + clip(name) + " holds more than one argument");
        }
        return value;
    }

    private void expectArguments(int expected, int actual, String type, int at) {
        if (actual != expected) {
            throw malformed(at, "a typed object (tag 27) " + clip(type) + " holds " + actual + " arguments after its"
                    + " name; expected " + expected);
        }
    }

    private Enum<?> readEnum(EnumCodec codec) {
        int at = pos;
        int initial = next(at);
        if (initial >>> 5 != Cbor.MAJOR_TEXT) {
            throw malformed(at, "the enum " + codec.type.getName() + " must arrive as its constant's name (text)");
        }
        String name = readText(initial & 0x1F, at);
        Enum<?> constant = codec.constant(name);
        if (constant == null) {
            throw malformed(at, "the enum " + codec.type.getName() + " has no constant " + clip(name) + " in this process"
                    + " (it has " + clip(codec.constantNames()) + "); the sender's version of the enum differs");
        }
        return constant;
    }

    private Object readRecord(RecordCodec codec, int at) {
        String type = codec.type.getName();
        int mapAt = pos;
        int initial = next(mapAt);
        if (initial >>> 5 != Cbor.MAJOR_MAP) {
            throw malformed(mapAt, "the record " + type + " must arrive as a map of its components");
        }
        int info = initial & 0x1F;
        int count = info == Cbor.INDEFINITE ? Integer.MAX_VALUE : count(argument(info, mapAt), mapAt, 2, "map");
        Object[] args = new Object[codec.size()];
        boolean[] present = new boolean[codec.size()];
        for (int i = 0; i < count; i++) {
            if (info == Cbor.INDEFINITE && atBreak()) {
                break;
            }
            int keyAt = pos;
            int keyInitial = next(keyAt);
            if (keyInitial >>> 5 != Cbor.MAJOR_TEXT) {
                throw malformed(keyAt, "the record " + type + " must arrive with its component names as text keys");
            }
            String name = readText(keyInitial & 0x1F, keyAt);
            int index = codec.indexOf(name);
            if (index < 0) {
                throw malformed(keyAt, "the record " + type + " arrived with a component '" + clip(name) + "' that this"
                        + " process's " + type + " lacks (it has " + String.join(", ", codec.names) + "): the two"
                        + " sides run different versions of " + type);
            }
            if (present[index]) {
                throw malformed(keyAt, "the record " + type + " arrived with the component '" + name + "' twice");
            }
            present[index] = true;
            int valueAt = pos;
            Object value = readItem(-1);
            try {
                args[index] = Shapes.convert(value, codec.rawTypes[index], codec.genericTypes[index]);
            } catch (Shapes.Mismatch m) {
                throw malformed(valueAt, "the component '" + name + "' of the record " + type + " " + m.getMessage()
                        + ": the two sides run different versions of " + type);
            }
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < present.length; i++) {
            if (!present[i]) {
                missing.add(codec.names[i]);
            }
        }
        if (!missing.isEmpty()) {
            throw malformed(mapAt, "the record " + type + " arrived without the component(s) " + String.join(", ", missing)
                    + ": the two sides run different versions of " + type);
        }
        try {
            return codec.construct(args);
        } catch (Error e) {
            throw e;
        } catch (Throwable t) {
            throw malformed(at, "the constructor of the record " + type + " refused the message's values: " + t, t);
        }
    }

    /** The body of a {@code "jcluster/error"} typed object; see CborEncoder.writeError for the layout. */
    private RemoteError readError(int at) {
        int initial = next(at);
        if (initial >>> 5 != Cbor.MAJOR_MAP) {
            throw malformed(at, "an error (tag 27 \"jcluster/error\") must hold a map");
        }
        int info = initial & 0x1F;
        int count = info == Cbor.INDEFINITE ? Integer.MAX_VALUE : count(argument(info, at), at, 2, "map");
        String className = null;
        String message = null;
        List<StackTraceElement> frames = List.of();
        RemoteError cause = null;
        List<RemoteError> suppressed = List.of();
        for (int i = 0; i < count; i++) {
            if (info == Cbor.INDEFINITE && atBreak()) {
                break;
            }
            int keyAt = pos;
            int keyInitial = next(keyAt);
            if (keyInitial >>> 5 != Cbor.MAJOR_TEXT) {
                throw malformed(keyAt, "an error's keys must be text");
            }
            String key = readText(keyInitial & 0x1F, keyAt);
            int valueAt = pos;
            switch (key) {
                case "className" -> className = readNullableText(valueAt, "className");
                case "message" -> message = readNullableText(valueAt, "message");
                case "stackTrace" -> frames = readFrames(valueAt);
                case "cause" -> {
                    Object c = readItem(-1);
                    if (c != null && !(c instanceof RemoteError)) {
                        throw malformed(valueAt, "an error's cause must be an error or null, not " + Shapes.describe(c));
                    }
                    cause = (RemoteError) c;
                }
                case "suppressed" -> suppressed = readSuppressed(valueAt);
                default -> readItem(-1); // a later version's field: skipped, so errors can grow compatibly
            }
        }
        if (className == null) {
            throw malformed(at, "an error (tag 27 \"jcluster/error\") arrived without its className");
        }
        return new RemoteError(className, message, frames, cause, suppressed);
    }

    /** An array of errors; like the encoder, the array itself is no nesting level (each error is). */
    private List<RemoteError> readSuppressed(int at) {
        int initial = next(at);
        if (initial >>> 5 != Cbor.MAJOR_ARRAY || (initial & 0x1F) == Cbor.INDEFINITE) {
            throw malformed(at, "an error's suppressed errors must be an array of errors");
        }
        int count = count(argument(initial & 0x1F, at), at, 1, "suppressed errors");
        List<RemoteError> errors = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int errorAt = pos;
            if (!(readItem(-1) instanceof RemoteError e)) {
                throw malformed(errorAt, "an error's suppressed errors must all be errors");
            }
            errors.add(e);
        }
        return errors;
    }

    private List<StackTraceElement> readFrames(int at) {
        int initial = next(at);
        if (initial >>> 5 != Cbor.MAJOR_ARRAY || (initial & 0x1F) == Cbor.INDEFINITE) {
            throw malformed(at, "an error's stackTrace must be an array of frames");
        }
        int count = count(argument(initial & 0x1F, at), at, 8, "stack trace");
        List<StackTraceElement> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int frameAt = pos;
            if (next(frameAt) != 0x87) {
                throw malformed(frameAt, "a stack frame must be an array [classLoaderName, moduleName, moduleVersion,"
                        + " declaringClass, methodName, fileName, lineNumber]");
            }
            String loader = readNullableText(pos, "classLoaderName");
            String module = readNullableText(pos, "moduleName");
            String version = readNullableText(pos, "moduleVersion");
            int classAt = pos;
            String declaringClass = readNullableText(classAt, "declaringClass");
            String method = readNullableText(pos, "methodName");
            String file = readNullableText(pos, "fileName");
            int lineAt = pos;
            Object line = readItemNoContainers(lineAt);
            if (declaringClass == null || method == null) {
                throw malformed(classAt, "a stack frame needs its declaringClass and methodName");
            }
            if (!(line instanceof Long l) || l != l.intValue()) {
                throw malformed(lineAt, "a stack frame's lineNumber must be an int");
            }
            frames.add(new StackTraceElement(loader, module, version, declaringClass, method, file, l.intValue()));
        }
        return frames;
    }

    private String readNullableText(int at, String what) {
        int initial = next(at);
        if (initial == Cbor.NULL) {
            return null;
        }
        if (initial >>> 5 != Cbor.MAJOR_TEXT) {
            throw malformed(at, "an error's " + what + " must be text or null");
        }
        return readText(initial & 0x1F, at);
    }

    // ---------------------------------------------------------------- helpers

    private void define(int slot, Object container) {
        if (slot >= 0) {
            slots[slot] = container;
        }
    }

    private void enter(int at) {
        if (++depth > maxDepth) {
            throw malformed(at, "the message nests deeper than maxNestingDepth (" + maxDepth + " levels of lists,"
                    + " maps, sets, records and errors)");
        }
    }

    /** Reads the byte at {@code at} (which must be pos) and moves past it. */
    private int next(int at) {
        if (at >= end) {
            throw truncated(at, "a data item");
        }
        pos = at + 1;
        return u8(at);
    }

    private int u8OrTruncated(int at) {
        if (at >= end) {
            throw truncated(at, "a data item");
        }
        return u8(at);
    }

    /** Reserves {@code n} bytes at pos and returns where they start. */
    private int take(int n, int at, String what) {
        if (end - pos < n) {
            throw truncated(at, what + " (" + n + " bytes, " + (end - pos) + " left)");
        }
        int p = pos;
        pos += n;
        return p;
    }

    /** The argument of a header; unsigned, so values of 2^63 and up come back negative. */
    private long argument(int info, int at) {
        if (info < 24) {
            return info;
        }
        switch (info) {
            case 24:
                return u8(take(1, at, "an argument"));
            case 25:
                return u16(take(2, at, "an argument"));
            case 26:
                return s32(take(4, at, "an argument")) & 0xFFFF_FFFFL;
            case 27:
                return s64(take(8, at, "an argument"));
            case Cbor.INDEFINITE:
                throw malformed(at, "indefinite length is not allowed for this item (initial byte 0x"
                        + Integer.toHexString(u8(at)) + ")");
            default:
                throw malformed(at, "reserved additional information " + info + " (initial byte 0x"
                        + Integer.toHexString(u8(at)) + ")");
        }
    }

    /** A string length, checked against the bytes present before anything is allocated. */
    private int length(long declared, int at, String what) {
        int left = end - pos;
        if (declared < 0 || declared > left) {
            throw malformed(at, "a " + what + " declares " + Long.toUnsignedString(declared) + " bytes but only " + left
                    + " remain in the payload");
        }
        return (int) declared;
    }

    /** An item count: each item takes at least {@code minBytes}, so more than the rest could hold is refused. */
    private int count(long declared, int at, int minBytes, String what) {
        int left = end - pos;
        if (declared < 0 || declared > left / minBytes) {
            throw malformed(at, "a " + what + " declares " + Long.toUnsignedString(declared) + " items but only " + left
                    + " bytes remain in the payload");
        }
        return (int) declared;
    }

    private static int capacity(int count) {
        return (int) Math.min((count * 4L) / 3 + 1, 1 << 30);
    }

    private int remaining() {
        return end - pos;
    }

    private int u8(int at) {
        return array != null ? array[arrayOffset + at] & 0xFF : in.get(at) & 0xFF;
    }

    private int u16(int at) {
        return (u8(at) << 8) | u8(at + 1);
    }

    private int s32(int at) {
        if (array != null) {
            int i = arrayOffset + at;
            return (array[i] << 24) | ((array[i + 1] & 0xFF) << 16) | ((array[i + 2] & 0xFF) << 8) | (array[i + 3] & 0xFF);
        }
        return in.getInt(at); // ByteBuffer order is big-endian unless the caller changed it
    }

    private long s64(int at) {
        return ((long) s32(at) << 32) | (s32(at + 4) & 0xFFFF_FFFFL);
    }

    private void copy(int at, byte[] dst, int offset, int length) {
        if (array != null) {
            System.arraycopy(array, arrayOffset + at, dst, offset, length);
        } else {
            in.get(at, dst, offset, length);
        }
    }

    /** Strict UTF-8 (RFC 3629): CBOR text must be valid, and a silent U+FFFD would hide a broken peer. */
    private String utf8(byte[] b, int offset, int length, int at) {
        int i = offset;
        int stop = offset + length;
        while (i < stop && b[i] >= 0) {
            i++;
        }
        while (i < stop) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                min = 0x10000;
            } else {
                throw invalidUtf8(at, i - offset);
            }
            if (stop - i <= need) {
                throw invalidUtf8(at, i - offset);
            }
            int cp = c & (0x3F >> need);
            for (int k = 1; k <= need; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    throw invalidUtf8(at, i - offset);
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                throw invalidUtf8(at, i - offset);
            }
            i += need + 1;
        }
        return new String(b, offset, length, StandardCharsets.UTF_8);
    }

    private MalformedMessageException invalidUtf8(int at, int index) {
        return malformed(at, "a text string is not valid UTF-8 (at its byte " + index + ")");
    }

    private int offset(int at) {
        return at - start;
    }

    private MalformedMessageException truncated(int at, String expected) {
        return new MalformedMessageException("Malformed advanced (CBOR) message: truncated at byte " + offset(at)
                + " of " + (end - start) + ": expected " + expected + " but the payload ends");
    }

    MalformedMessageException malformed(int at, String what) {
        return new MalformedMessageException("Malformed advanced (CBOR) message at byte " + offset(at) + ": " + what);
    }

    private MalformedMessageException malformed(int at, String what, Throwable cause) {
        return new MalformedMessageException("Malformed advanced (CBOR) message at byte " + offset(at) + ": " + what,
                cause);
    }

    private static String clip(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
