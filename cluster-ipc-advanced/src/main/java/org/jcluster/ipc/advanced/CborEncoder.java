package org.jcluster.ipc.advanced;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.Set;
import java.util.UUID;

/**
 * Writes one message as one CBOR data item. One instance per message: not thread-safe, never shared.
 *
 * <p>Only an object met twice gets tag 28 ("shareable") on its first occurrence and tag 29
 * ("sharedref", index) on the later ones, so messages without sharing pay nothing on the wire. Which
 * objects those are is known only once the whole message has been seen, so encoding is optimistic:
 * one pass writes while recording each container's identity, and only when it meets one a second time
 * does it start over in two passes, a first ({@link #scan}) that finds the shared objects (and sizes
 * the output) and a second that writes. Most messages share nothing and are walked once.
 *
 * <p>A lone byte[] (the bulk-data case), or a lone ASCII string, is written into an array of exactly its
 * encoded size: one copy of the bytes, no trimming copy.
 */
final class CborEncoder {
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;
    private static final Object ONCE = new Object();
    private static final byte[] ERROR_PREFIX;
    private static final byte[] K_CLASS_NAME = TypeCodec.textItem("className");
    private static final byte[] K_MESSAGE = TypeCodec.textItem("message");
    private static final byte[] K_STACK_TRACE = TypeCodec.textItem("stackTrace");
    private static final byte[] K_CAUSE = TypeCodec.textItem("cause");
    private static final byte[] K_SUPPRESSED = TypeCodec.textItem("suppressed");

    static {
        byte[] name = TypeCodec.textItem(Cbor.ERROR_TYPE_NAME);
        ERROR_PREFIX = new byte[3 + name.length];
        ERROR_PREFIX[0] = (byte) 0xD8;
        ERROR_PREFIX[1] = (byte) Cbor.TAG_TYPED_OBJECT;
        ERROR_PREFIX[2] = (byte) 0x82;
        System.arraycopy(name, 0, ERROR_PREFIX, 3, name.length);
    }

    static final String CARRIED = "null, Boolean, Long/Integer/Short/Byte, Double/Float, BigInteger, BigDecimal,"
            + " String, Character, byte[], ByteBuffer, UUID, Instant, OffsetDateTime, LocalDate, Duration, List (and"
            + " other Collections, as lists), Set, Map, exceptions (as RemoteError), and the records and enums"
            + " registered with " + TypeRegistry.HOW_TO_REGISTER;

    /** An object the message holds more than once. */
    private static final class Share {
        int index = -1;
        /**
         * True while a record's (or error's) components are written: it is created on receipt only
         * once they are decoded, so a reference back to it from inside cannot be rebuilt.
         */
        boolean building;
    }

    /** Thrown by the optimistic pass when it meets an object for the second time. */
    private static final class SharingFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SharingFound() {
            super(null, null, false, false);
        }
    }

    private static final SharingFound SHARING_FOUND = new SharingFound();
    private static final int FIRST_BUFFER = 256;

    private final TypeRegistry types;
    private final int maxDepth;
    /** True during the single optimistic pass, when shares are not known yet. */
    private boolean optimistic;
    private byte[] buf;
    private int pos;
    /** Identity -> ONCE or Share; made only when the message holds a container. */
    private IdentityHashMap<Object, Object> seen;
    private int shareCount;
    private int depth;
    /** Above zero while writing a map key or set element: written as plain copies, see writeKeyed. */
    private int keyDepth;
    private IdentityHashMap<Object, Boolean> keyPath;
    private long estimate;

    CborEncoder(TypeRegistry types, int maxDepth) {
        this.types = types;
        this.maxDepth = maxDepth;
    }

    byte[] encode(Object message) {
        if (message instanceof byte[] b) {
            buf = new byte[Cbor.headerSize(b.length) + b.length];
            writeBytes(b, 0, b.length);
            return buf;
        }
        optimistic = true;
        // A lone string is sized for ASCII (exact then); anything else starts small and grows.
        buf = new byte[message instanceof String s && s.length() < MAX_ARRAY - 9
                ? Cbor.headerSize(s.length()) + s.length()
                : FIRST_BUFFER];
        try {
            write(message);
        } catch (SharingFound restart) {
            optimistic = false;
            seen = null;
            depth = 0;
            keyDepth = 0;
            keyPath = null;
            pos = 0;
            scan(message, 0);
            buf = new byte[(int) Math.min(Math.max(estimate, 16), MAX_ARRAY)];
            write(message);
        }
        return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
    }

    // ---------------------------------------------------------------- pass 1: sharing and size

    /** True the first time {@code o} is met; marks it shared the second time. */
    private boolean firstVisit(Object o) {
        if (seen == null) {
            seen = new IdentityHashMap<>(8); // grows as needed; most messages hold a few containers
        }
        Object previous = seen.put(o, ONCE);
        if (previous == null) {
            return true;
        }
        seen.put(o, previous == ONCE ? new Share() : previous);
        return false;
    }

    /**
     * Walks the message in the same order as {@link #write}. It stops at depth {@code maxDepth}
     * (without refusing: the write pass refuses there, naming the path) and at the second visit of an
     * object, so cycles end.
     */
    private void scan(Object v, int level) {
        if (v == null || v instanceof Boolean) {
            estimate += 1;
        } else if (v instanceof String s) {
            estimate += Cbor.headerSize(s.length()) + s.length();
        } else if (v instanceof Map<?, ?> m) {
            if (firstVisit(m) && level < maxDepth) {
                estimate += 5;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    scan(e.getKey(), level + 1);
                    scan(e.getValue(), level + 1);
                }
            } else {
                estimate += 5;
            }
        } else if (v instanceof Collection<?> c) {
            if (firstVisit(c) && level < maxDepth) {
                estimate += 8;
                for (Object e : c) {
                    scan(e, level + 1);
                }
            } else {
                estimate += 5;
            }
        } else if (v instanceof byte[] b) {
            estimate += firstVisit(b) ? Cbor.headerSize(b.length) + b.length : 5;
        } else if (v instanceof ByteBuffer bb) {
            estimate += firstVisit(bb) ? Cbor.headerSize(bb.remaining()) + bb.remaining() : 5;
        } else if (v instanceof Record && !(v instanceof RemoteError)) {
            if (types.forClass(v.getClass()) instanceof RecordCodec rc && firstVisit(v) && level < maxDepth) {
                estimate += rc.header.length;
                for (int i = 0; i < rc.size(); i++) {
                    estimate += rc.nameItems[i].length;
                    Object component;
                    try {
                        component = rc.component(v, i);
                    } catch (Throwable t) {
                        // The write pass calls the accessor again and reports the failure with its path.
                        continue;
                    }
                    scan(component, level + 1);
                }
            } else {
                estimate += 16;
            }
        } else if (v instanceof Throwable || v instanceof RemoteError) {
            firstVisit(v);
            estimate += 512;
        } else {
            estimate += 24;
        }
    }

    // ---------------------------------------------------------------- pass 2: writing

    private void write(Object v) {
        // Exact-class tests first: on JDK 17 each instanceof against an interface (Map, List) scans the
        // class's secondary supers and thrashes its one-entry cache when the interfaces alternate,
        // which was the encoder's largest cost on object graphs. The instanceof chain handles the rest.
        if (v == null) {
            writeByte(Cbor.NULL);
            return;
        }
        Class<?> c = v.getClass();
        if (c == String.class) {
            writeString((String) v, true);
        } else if (c == Long.class) {
            writeLong((Long) v);
        } else if (c == LinkedHashMap.class || c == HashMap.class) {
            Map<?, ?> m = (Map<?, ?>) v;
            Share share = share(m);
            if (!writeReference(share)) {
                writeMap(m, share);
            }
        } else if (c == ArrayList.class) {
            List<?> l = (List<?>) v;
            Share share = share(l);
            if (!writeReference(share)) {
                writeRandomAccess(l);
            }
        } else if (c == Boolean.class) {
            writeByte((Boolean) v ? Cbor.TRUE : Cbor.FALSE);
        } else if (c == Integer.class) {
            writeLong((Integer) v);
        } else if (c == Double.class) {
            writeDouble((Double) v);
        } else {
            writeByInterface(v);
        }
    }

    private void writeByInterface(Object v) {
        if (v instanceof String s) {
            writeString(s, true);
        } else if (v instanceof Long l) {
            writeLong(l);
        } else if (v instanceof Integer i) {
            writeLong(i);
        } else if (v instanceof Boolean b) {
            writeByte(b ? Cbor.TRUE : Cbor.FALSE);
        } else if (v == null) {
            writeByte(Cbor.NULL);
        } else if (v instanceof Double d) {
            writeDouble(d);
        } else if (v instanceof Map<?, ?> m) {
            Share share = share(m);
            if (!writeReference(share)) {
                writeMap(m, share);
            }
        } else if (v instanceof List<?> l) {
            Share share = share(l);
            if (!writeReference(share)) {
                writeList(l, share);
            }
        } else if (v instanceof byte[] b) {
            if (!writeReference(share(b))) {
                writeBytes(b, 0, b.length);
            }
        } else {
            writeOther(v);
        }
    }

    private void writeOther(Object v) {
        if (v instanceof Set<?> s) {
            Share share = share(s);
            if (!writeReference(share)) {
                writeSet(s, share);
            }
        } else if (v instanceof Collection<?> c) {
            Share share = share(c);
            if (!writeReference(share)) {
                writeCollection(c, share);
            }
        } else if (v instanceof Enum<?> e) {
            if (!(types.forClass(e.getDeclaringClass()) instanceof EnumCodec codec)) {
                throw notRegistered(e.getDeclaringClass(), "enum");
            }
            writeRaw(codec.encoded(e));
        } else if (v instanceof RemoteError err) {
            Share share = share(err);
            if (!writeReference(share)) {
                writeError(err, share);
            }
        } else if (v instanceof Record) {
            if (!(types.forClass(v.getClass()) instanceof RecordCodec rc)) {
                throw notRegistered(v.getClass(), "record");
            }
            Share share = share(v);
            if (!writeReference(share)) {
                writeRecord(v, rc, share);
            }
        } else if (v instanceof Number n) {
            writeNumber(n);
        } else if (v instanceof ByteBuffer bb) {
            if (!writeReference(share(bb))) {
                writeByteBuffer(bb);
            }
        } else if (v instanceof Character c) {
            writeString(String.valueOf(c), true);
        } else if (v instanceof UUID u) {
            writeTag(Cbor.TAG_UUID);
            writeHeader(Cbor.MAJOR_BYTES, 16);
            writeLongBits(u.getMostSignificantBits());
            writeLongBits(u.getLeastSignificantBits());
        } else if (v instanceof Instant i) {
            writeInstant(i);
        } else if (v instanceof OffsetDateTime o) {
            writeTag(Cbor.TAG_DATE_TIME_STRING);
            writeString(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(o), true);
        } else if (v instanceof LocalDate d) {
            writeTag(Cbor.TAG_FULL_DATE);
            writeString(d.toString(), true);
        } else if (v instanceof Duration d) {
            writeTag(Cbor.TAG_DURATION);
            writeTimeMap(d.getSeconds(), d.getNano());
        } else if (v instanceof Throwable t) {
            Share share = share(t);
            if (!writeReference(share)) {
                writeError(RemoteError.of(t, maxDepth - depth), share);
            }
        } else {
            throw cannotCarry(v);
        }
    }

    private EncodeRefusal notRegistered(Class<?> type, String kind) {
        return new EncodeRefusal("Cannot send a " + type.getName() + ": the advanced serialization carries a " + kind
                + " only when the program registers its type. Register it with " + TypeRegistry.HOW_TO_REGISTER
                + ", e.g. messageTypes(List.of(" + type.getName().replace('$', '.') + ".class))");
    }

    private static EncodeRefusal cannotCarry(Object v) {
        String hint = "";
        if (v instanceof Date) {
            hint = " Send date.toInstant().";
        } else if (v instanceof ZonedDateTime) {
            hint = " Send zonedDateTime.toOffsetDateTime().";
        } else if (v instanceof Optional<?>) {
            hint = " Send the optional's value, or null.";
        } else if (v instanceof Object[]) {
            hint = " Send List.of(array) (or Arrays.asList).";
        } else if (v.getClass().isArray()) {
            hint = " Send the elements as a List.";
        } else if (v instanceof TemporalAccessor) {
            hint = " Send it as its ISO-8601 String, or as an Instant, OffsetDateTime or LocalDate.";
        }
        return new EncodeRefusal("The advanced serialization cannot carry a " + v.getClass().getName()
                + ". It carries " + CARRIED + "." + hint);
    }

    // ---------------------------------------------------------------- sharing

    /** The share record of an object met more than once, or null (also inside map keys and set elements). */
    private Share share(Object o) {
        if (optimistic) {
            if (!firstVisit(o)) {
                throw SHARING_FOUND;
            }
            return null;
        }
        if (seen == null) {
            return null;
        }
        Object state = seen.get(o);
        if (!(state instanceof Share s)) {
            return null;
        }
        if (keyDepth > 0) {
            // Keys and set elements are written as plain trees (no tag 28/29 inside): the decoder then
            // never hashes a half-built or cyclic structure. A cycle there cannot be written at all.
            if (keyPath == null) {
                keyPath = new IdentityHashMap<>();
            }
            if (keyPath.containsKey(o)) {
                throw new EncodeRefusal("A map key or set element contains itself (a " + o.getClass().getName()
                        + "); Java's hash-based maps and sets cannot rebuild a key that contains itself");
            }
            return null;
        }
        return s;
    }

    /** Writes tag 29 and returns true for an object already written; else marks it shareable (tag 28). */
    private boolean writeReference(Share s) {
        if (s == null) {
            return false;
        }
        if (s.index >= 0) {
            if (s.building) {
                throw new EncodeRefusal("A record or exception contains itself: it is created on receipt from its"
                        + " components, so a reference back to it from inside cannot be rebuilt; break the cycle"
                        + " with a List or Map, which may contain themselves");
            }
            writeTag(Cbor.TAG_SHARED_REF);
            writeHeader(Cbor.MAJOR_UNSIGNED, s.index);
            return true;
        }
        writeTag(Cbor.TAG_SHAREABLE);
        s.index = shareCount++;
        return false;
    }

    private void enterKeyed(Object container) {
        if (keyDepth > 0 && seen != null && seen.get(container) instanceof Share) {
            keyPath.put(container, Boolean.TRUE);
        }
    }

    private void leaveKeyed(Object container) {
        if (keyPath != null) {
            keyPath.remove(container);
        }
    }

    private void enter() {
        if (++depth > maxDepth) {
            throw new EncodeRefusal("The message nests deeper than maxNestingDepth (" + maxDepth + " levels of lists,"
                    + " maps, sets and records)");
        }
    }

    // ---------------------------------------------------------------- containers

    private void writeMap(Map<?, ?> m, Share share) {
        enter();
        enterKeyed(m);
        int n = m.size();
        writeHeader(Cbor.MAJOR_MAP, n);
        int count = 0;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (++count > n) {
                throw changedWhileEncoding(m);
            }
            Object key = e.getKey();
            if (key instanceof String s) {
                writeString(s, true);
            } else {
                keyDepth++;
                try {
                    write(key);
                } catch (EncodeRefusal r) {
                    throw r.at("{key " + EncodeRefusal.brief(key) + "}");
                } finally {
                    keyDepth--;
                }
            }
            try {
                write(e.getValue());
            } catch (EncodeRefusal r) {
                throw r.at(EncodeRefusal.keySegment(key));
            }
        }
        if (count != n) {
            throw changedWhileEncoding(m);
        }
        leaveKeyed(m);
        depth--;
    }

    private void writeList(List<?> l, Share share) {
        if (l instanceof RandomAccess) {
            writeRandomAccess(l);
        } else {
            writeCollection(l, share);
        }
    }

    private void writeRandomAccess(List<?> l) {
        enter();
        enterKeyed(l);
        int n = l.size();
        writeHeader(Cbor.MAJOR_ARRAY, n);
        for (int i = 0; i < n; i++) {
            try {
                write(l.get(i));
            } catch (EncodeRefusal r) {
                throw r.at("[" + i + "]");
            } catch (IndexOutOfBoundsException e) {
                throw changedWhileEncoding(l);
            }
        }
        leaveKeyed(l);
        depth--;
    }

    private void writeCollection(Collection<?> c, Share share) {
        enter();
        enterKeyed(c);
        int n = c.size();
        writeHeader(Cbor.MAJOR_ARRAY, n);
        int i = 0;
        for (Object e : c) {
            if (i >= n) {
                throw changedWhileEncoding(c);
            }
            try {
                write(e);
            } catch (EncodeRefusal r) {
                throw r.at("[" + i + "]");
            }
            i++;
        }
        if (i != n) {
            throw changedWhileEncoding(c);
        }
        leaveKeyed(c);
        depth--;
    }

    private void writeSet(Set<?> s, Share share) {
        enter();
        enterKeyed(s);
        int n = s.size();
        writeTag(Cbor.TAG_SET);
        writeHeader(Cbor.MAJOR_ARRAY, n);
        int i = 0;
        keyDepth++;
        try {
            for (Object e : s) {
                if (i >= n) {
                    throw changedWhileEncoding(s);
                }
                try {
                    write(e);
                } catch (EncodeRefusal r) {
                    throw r.at("{set element " + EncodeRefusal.brief(e) + "}");
                }
                i++;
            }
        } finally {
            keyDepth--;
        }
        if (i != n) {
            throw changedWhileEncoding(s);
        }
        leaveKeyed(s);
        depth--;
    }

    private static EncodeRefusal changedWhileEncoding(Object container) {
        return new EncodeRefusal("A " + container.getClass().getName() + " changed size while it was being encoded;"
                + " another thread is modifying it: send a copy, or synchronize");
    }

    private void writeRecord(Object record, RecordCodec rc, Share share) {
        enter();
        enterKeyed(record);
        writeRaw(rc.header);
        if (share != null) {
            share.building = true;
        }
        for (int i = 0; i < rc.size(); i++) {
            writeRaw(rc.nameItems[i]);
            Object component;
            try {
                component = rc.component(record, i);
            } catch (Error e) {
                throw e;
            } catch (Throwable t) {
                throw new EncodeRefusal("Reading the component '" + rc.names[i] + "' of " + rc.type.getName()
                        + " threw " + t, t).at("." + rc.names[i]);
            }
            try {
                write(component);
            } catch (EncodeRefusal r) {
                throw r.at("." + rc.names[i]);
            }
        }
        if (share != null) {
            share.building = false;
        }
        leaveKeyed(record);
        depth--;
    }

    /**
     * {@code 27(["jcluster/error", {className, message, stackTrace, cause, suppressed}])}; each stack
     * frame is {@code [classLoaderName, moduleName, moduleVersion, declaringClass, methodName, fileName,
     * lineNumber]}. Causes are written inline (not shared).
     */
    private void writeError(RemoteError e, Share share) {
        enter();
        writeRaw(ERROR_PREFIX);
        if (share != null) {
            share.building = true;
        }
        writeHeader(Cbor.MAJOR_MAP, 5);
        writeRaw(K_CLASS_NAME);
        writeString(e.className(), false);
        writeRaw(K_MESSAGE);
        writeNullableText(e.message());
        writeRaw(K_STACK_TRACE);
        List<StackTraceElement> frames = e.stackTrace();
        writeHeader(Cbor.MAJOR_ARRAY, frames.size());
        for (StackTraceElement f : frames) {
            writeHeader(Cbor.MAJOR_ARRAY, 7);
            writeNullableText(f.getClassLoaderName());
            writeNullableText(f.getModuleName());
            writeNullableText(f.getModuleVersion());
            writeString(f.getClassName(), false);
            writeString(f.getMethodName(), false);
            writeNullableText(f.getFileName());
            writeLong(f.getLineNumber());
        }
        writeRaw(K_CAUSE);
        if (e.cause() == null) {
            writeByte(Cbor.NULL);
        } else {
            writeError(e.cause(), null);
        }
        writeRaw(K_SUPPRESSED);
        writeHeader(Cbor.MAJOR_ARRAY, e.suppressed().size());
        for (RemoteError s : e.suppressed()) {
            writeError(s, null);
        }
        if (share != null) {
            share.building = false;
        }
        depth--;
    }

    private void writeNullableText(String s) {
        if (s == null) {
            writeByte(Cbor.NULL);
        } else {
            writeString(s, false);
        }
    }

    // ---------------------------------------------------------------- scalars

    private void writeNumber(Number n) {
        if (n instanceof Short || n instanceof Byte) {
            writeLong(n.longValue());
        } else if (n instanceof Float f) {
            writeDouble(f);
        } else if (n instanceof BigInteger b) {
            writeBigInteger(b);
        } else if (n instanceof BigDecimal d) {
            writeTag(Cbor.TAG_DECIMAL_FRACTION);
            writeHeader(Cbor.MAJOR_ARRAY, 2);
            writeLong(-(long) d.scale());
            BigInteger unscaled = d.unscaledValue();
            if (unscaled.bitLength() < 64) {
                writeLong(unscaled.longValue());
            } else {
                writeBigInteger(unscaled);
            }
        } else {
            throw new EncodeRefusal("The advanced serialization cannot carry a " + n.getClass().getName()
                    + "; convert it to a Long, Double, BigInteger or BigDecimal");
        }
    }

    private void writeBigInteger(BigInteger b) {
        boolean negative = b.signum() < 0;
        BigInteger magnitude = negative ? b.not() : b; // RFC 8949 3.4.3: a negative bignum holds -1 - n
        writeTag(negative ? Cbor.TAG_NEGATIVE_BIGNUM : Cbor.TAG_POSITIVE_BIGNUM);
        if (magnitude.signum() == 0) {
            writeHeader(Cbor.MAJOR_BYTES, 0);
            return;
        }
        byte[] bytes = magnitude.toByteArray();
        int skip = bytes[0] == 0 ? 1 : 0; // the sign byte BigInteger adds is no part of a bignum
        writeBytes(bytes, skip, bytes.length - skip);
    }

    private void writeInstant(Instant i) {
        if (i.getNano() == 0) {
            writeTag(Cbor.TAG_EPOCH_TIME);
            writeLong(i.getEpochSecond());
        } else {
            // Tag 1 would need a float and lose nanoseconds; RFC 9581's map keeps them exactly.
            writeTag(Cbor.TAG_EXTENDED_TIME);
            writeTimeMap(i.getEpochSecond(), i.getNano());
        }
    }

    private void writeTimeMap(long seconds, int nanos) {
        writeHeader(Cbor.MAJOR_MAP, nanos == 0 ? 1 : 2);
        writeLong(Cbor.TIME_KEY_SECONDS);
        writeLong(seconds);
        if (nanos != 0) {
            writeLong(Cbor.TIME_KEY_NANOS);
            writeLong(nanos);
        }
    }

    /** RFC 8949 preferred serialization: the shortest float that holds the value exactly. */
    private void writeDouble(double d) {
        float f = (float) d;
        if (f == d || d != d) {
            int half = Cbor.halfBitsIfExact(f);
            if (half >= 0) {
                ensure(3);
                buf[pos] = (byte) Cbor.HALF;
                buf[pos + 1] = (byte) (half >>> 8);
                buf[pos + 2] = (byte) half;
                pos += 3;
            } else {
                ensure(5);
                buf[pos++] = (byte) Cbor.SINGLE;
                writeIntBits(Float.floatToIntBits(f));
            }
        } else {
            ensure(9);
            buf[pos++] = (byte) Cbor.DOUBLE;
            writeLongBits(Double.doubleToLongBits(d));
        }
    }

    private void writeLong(long v) {
        if (v >= 0) {
            writeHeader(Cbor.MAJOR_UNSIGNED, v);
        } else {
            writeHeader(Cbor.MAJOR_NEGATIVE, ~v); // -1 - v
        }
    }

    private void writeBytes(byte[] b, int offset, int length) {
        writeHeader(Cbor.MAJOR_BYTES, length);
        ensure(length);
        System.arraycopy(b, offset, buf, pos, length);
        pos += length;
    }

    private void writeByteBuffer(ByteBuffer bb) {
        int length = bb.remaining();
        writeHeader(Cbor.MAJOR_BYTES, length);
        ensure(length);
        bb.get(bb.position(), buf, pos, length); // absolute: the caller's buffer position is left alone
        pos += length;
    }

    /**
     * A CBOR text string must be valid UTF-8, which a String with an unpaired surrogate cannot be:
     * {@code strict} refuses it (user data should not change silently); error text replaces it with
     * U+FFFD instead, because refusing to report an error would hide it.
     */
    private void writeString(String s, boolean strict) {
        int n = s.length();
        int headerSize = Cbor.headerSize(n);
        ensure(headerSize + n);
        // One pass for the usual all-ASCII string: copy while checking, with the header sized for
        // n bytes; only a non-ASCII char sends the rest down the general path.
        byte[] b = buf;
        int at = pos + headerSize;
        int i = 0;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                break;
            }
            b[at + i] = (byte) c;
        }
        if (i == n) {
            writeHeader(Cbor.MAJOR_TEXT, n);
            pos += n;
            return;
        }
        writeNonAscii(s, strict, i, headerSize);
    }

    /** The rest of writeString: chars [0, ascii) are already copied after a header of headerSize bytes. */
    private void writeNonAscii(String s, boolean strict, int ascii, int headerSize) {
        int n = s.length();
        long length = ascii;
        for (int i = ascii; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                length += 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    length += 4;
                    i++;
                } else if (strict) {
                    throw new EncodeRefusal("A String holds an unpaired UTF-16 surrogate (\\u"
                            + Integer.toHexString(c) + " at index " + i + "), which CBOR text (UTF-8) cannot"
                            + " carry; send such data as a byte[]");
                } else {
                    length += 3;
                }
            } else {
                length += 3;
            }
        }
        if (length > MAX_ARRAY) {
            throw new EncodeRefusal("A String is too long to encode (" + length + " UTF-8 bytes)");
        }
        int finalHeader = Cbor.headerSize(length);
        ensure((int) (finalHeader + length));
        byte[] b = buf;
        if (finalHeader != headerSize) {
            System.arraycopy(b, pos + headerSize, b, pos + finalHeader, ascii);
        }
        writeHeader(Cbor.MAJOR_TEXT, length);
        int p = pos + ascii;
        for (int i = ascii; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[p++] = (byte) c;
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >>> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    b[p++] = (byte) (0xF0 | (cp >>> 18));
                    b[p++] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
                    b[p++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    b[p++] = (byte) 0xEF; // U+FFFD, only reached when not strict
                    b[p++] = (byte) 0xBF;
                    b[p++] = (byte) 0xBD;
                }
            } else {
                b[p++] = (byte) (0xE0 | (c >>> 12));
                b[p++] = (byte) (0x80 | ((c >>> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        pos = p;
    }

    // ---------------------------------------------------------------- bytes

    private void writeTag(long tag) {
        writeHeader(Cbor.MAJOR_TAG, tag);
    }

    private void writeHeader(int major, long argument) {
        if (buf.length - pos < 9) {
            ensure(Cbor.headerSize(argument)); // exactly: an exactly sized buffer must not grow here
        }
        byte[] b = buf;
        int p = pos;
        int m = major << 5;
        if (argument < 24) {
            b[p] = (byte) (m | argument);
            pos = p + 1;
        } else if (argument < 0x100) {
            b[p] = (byte) (m | 24);
            b[p + 1] = (byte) argument;
            pos = p + 2;
        } else if (argument < 0x10000) {
            b[p] = (byte) (m | 25);
            b[p + 1] = (byte) (argument >>> 8);
            b[p + 2] = (byte) argument;
            pos = p + 3;
        } else if (argument < 0x1_0000_0000L) {
            b[p] = (byte) (m | 26);
            b[p + 1] = (byte) (argument >>> 24);
            b[p + 2] = (byte) (argument >>> 16);
            b[p + 3] = (byte) (argument >>> 8);
            b[p + 4] = (byte) argument;
            pos = p + 5;
        } else {
            b[p] = (byte) (m | 27);
            pos = p + 1;
            writeLongBits(argument);
        }
    }

    private void writeIntBits(int v) {
        byte[] b = buf;
        int p = pos;
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
        pos = p + 4;
    }

    private void writeLongBits(long v) {
        ensure(8);
        writeIntBits((int) (v >>> 32));
        writeIntBits((int) v);
    }

    private void writeByte(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
    }

    private void writeRaw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    private void ensure(int n) {
        if (buf.length - pos < n) {
            grow(n);
        }
    }

    private void grow(int n) {
        long needed = (long) pos + n;
        if (needed > MAX_ARRAY) {
            throw new EncodeRefusal("The message is too large to encode (over " + MAX_ARRAY + " bytes)");
        }
        // Growing to exactly the need when that is more than doubling keeps a big blob to one copy.
        long capacity = Math.max(needed, 2L * buf.length);
        buf = Arrays.copyOf(buf, (int) Math.min(capacity, MAX_ARRAY));
    }
}
