package org.jcluster.ipc.json;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * Walks a value and writes it with Jackson's streaming generator.
 *
 * <p>The walk keeps no bookkeeping on the way down: a failure is thrown as an {@link EncodeFailure}
 * that collects the path (and, for depth failures, the containers) while it unwinds, so that sending a
 * good message pays nothing for the quality of the error about a bad one. Cycles need no identity set
 * either: a cycle always runs into the depth limit, and only then are the containers on the path
 * compared to tell a cycle from plain deep nesting.
 */
final class JsonEncoder {

    static final String ADVANCED = "the \"advanced\" serialization (module jcluster.ipc.advanced,"
            + " ClusterSettings.builder().serialization(\"advanced\"))";

    private static final SerializedString NAME = new SerializedString("name");
    private static final SerializedString MESSAGE = new SerializedString("message");
    private static final SerializedString CODE = new SerializedString("code");
    private static final SerializedString STACK = new SerializedString("stack");

    private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);

    private final JsonFactory factory;
    private final int maxDepth;

    JsonEncoder(JsonFactory factory, int maxDepth) {
        this.factory = factory;
        this.maxDepth = maxDepth;
    }

    byte[] encode(Object message) {
        byte[] trivial = TrivialJson.encode(message);
        return trivial != null ? trivial : encodeWithJackson(message);
    }

    /** The general path; package-private so that tests can hold the fast path against it. */
    byte[] encodeWithJackson(Object message) {
        ByteSink sink = new ByteSink();
        try (JsonGenerator g = factory.createGenerator(sink)) {
            write(g, message, 0);
        } catch (EncodeFailure f) {
            throw f.toException(maxDepth);
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("Cannot send the message as JSON: it nests too deeply for the"
                    + " sending thread's stack before reaching the nesting limit (maxNestingDepth " + maxDepth
                    + "). Flatten the message, or lower SerializationOptions.maxNestingDepth.");
        } catch (IOException e) {
            // The sink is memory: only a Jackson bug can get here.
            throw new UncheckedIOException("Writing JSON to memory failed", e);
        }
        return sink.toByteArray();
    }

    private void write(JsonGenerator g, Object v, int depth) throws IOException {
        if (v == null) {
            g.writeNull();
            return;
        }
        // The common types first, by exact class: a pointer compare each, no ClassValue lookup.
        Class<?> c = v.getClass();
        if (c == String.class) {
            g.writeString((String) v);
        } else if (c == Long.class) {
            g.writeNumber((long) (Long) v);
        } else if (c == Integer.class) {
            g.writeNumber((int) (Integer) v);
        } else if (c == Boolean.class) {
            g.writeBoolean((Boolean) v);
        } else if (c == Double.class) {
            writeDouble(g, (Double) v, "Double");
        } else if (v instanceof Map<?, ?> map) {
            writeMap(g, map, enter(v, depth));
        } else if (v instanceof List<?> list) {
            writeList(g, list, enter(v, depth));
        } else {
            writeOther(g, v, c, depth);
        }
    }

    private int enter(Object container, int depth) {
        int inner = depth + 1;
        if (inner > maxDepth) {
            throw EncodeFailure.tooDeep(container);
        }
        return inner;
    }

    private void writeOther(JsonGenerator g, Object v, Class<?> c, int depth) throws IOException {
        switch (KINDS.get(c)) {
            case SMALL_INTEGER -> g.writeNumber(((Number) v).intValue());
            case FLOAT -> writeFloat(g, (Float) v);
            case BIG_INTEGER -> writeBigNumber(g, v.toString(), "BigInteger");
            case BIG_DECIMAL -> writeBigNumber(g, v.toString(), "BigDecimal");
            case CHARACTER -> g.writeString(String.valueOf((char) (Character) v));
            case ENUM -> g.writeString(((Enum<?>) v).name());
            case MAP -> writeMap(g, (Map<?, ?>) v, enter(v, depth));
            case COLLECTION -> writeCollection(g, (Collection<?>) v, enter(v, depth));
            case RECORD -> writeRecord(g, (Record) v, enter(v, depth));
            case THROWABLE -> {
                enter(v, depth);
                writeThrowable(g, (Throwable) v);
            }
            case OBJECT_ARRAY -> writeObjectArray(g, (Object[]) v, enter(v, depth));
            case INT_ARRAY -> {
                int[] a = (int[]) v;
                enter(v, depth);
                g.writeArray(a, 0, a.length);
            }
            case LONG_ARRAY -> {
                long[] a = (long[]) v;
                enter(v, depth);
                g.writeArray(a, 0, a.length);
            }
            case DOUBLE_ARRAY -> writeDoubleArray(g, (double[]) v, depth);
            case FLOAT_ARRAY -> writeFloatArray(g, (float[]) v, depth);
            case BYTE_ARRAY -> {
                byte[] a = (byte[]) v;
                enter(v, depth);
                g.writeStartArray(a, a.length);
                for (byte b : a) {
                    g.writeNumber(b);
                }
                g.writeEndArray();
            }
            case SHORT_ARRAY -> {
                short[] a = (short[]) v;
                enter(v, depth);
                g.writeStartArray(a, a.length);
                for (short s : a) {
                    g.writeNumber(s);
                }
                g.writeEndArray();
            }
            case CHAR_ARRAY -> {
                char[] a = (char[]) v;
                enter(v, depth);
                g.writeStartArray(a, a.length);
                for (int i = 0; i < a.length; i++) {
                    g.writeString(a, i, 1);
                }
                g.writeEndArray();
            }
            case BOOLEAN_ARRAY -> {
                boolean[] a = (boolean[]) v;
                enter(v, depth);
                g.writeStartArray(a, a.length);
                for (boolean b : a) {
                    g.writeBoolean(b);
                }
                g.writeEndArray();
            }
            case OTHER_NUMBER -> throw EncodeFailure.unsupported("Cannot send " + c.getName() + " as JSON",
                    "the json serialization carries the numbers Byte, Short, Integer, Long, BigInteger, Float,"
                            + " Double and BigDecimal. Send its value as one of these (for example its"
                            + " longValue() or doubleValue()).");
            case UNSUPPORTED -> throw EncodeFailure.unsupported("Cannot send " + describeType(c) + " as JSON",
                    "the json serialization carries null, Boolean, String, Character, numbers, enums,"
                            + " collections, arrays, maps with String keys, records and Throwables. Convert the"
                            + " value to one of these (a record of its fields, for example), or use " + ADVANCED
                            + " if it carries this type.");
            default -> throw new AssertionError(c);
        }
    }

    private static String describeType(Class<?> c) {
        if (c.isHidden() || c.isSynthetic()) {
            return c.getName() + " (a lambda or generated class)";
        }
        return c.getName();
    }

    private static void writeDouble(JsonGenerator g, double d, String type) throws IOException {
        if (!Double.isFinite(d)) {
            throw nonFinite(type, d);
        }
        g.writeNumber(d);
    }

    private static void writeFloat(JsonGenerator g, float f) throws IOException {
        if (!Float.isFinite(f)) {
            throw nonFinite("Float", f);
        }
        g.writeNumber(f);
    }

    private static EncodeFailure nonFinite(String type, double d) {
        return EncodeFailure.unsupported("Cannot send " + type + " " + d + " as JSON",
                "JSON has no NaN or Infinity. Send null or a string in its place, or use " + ADVANCED
                        + ", which carries them.");
    }

    private static void writeBigNumber(JsonGenerator g, String text, String type) throws IOException {
        // Jackson counts digits without the sign; counting every other character too keeps us on the safe side.
        int length = text.startsWith("-") ? text.length() - 1 : text.length();
        if (length > JsonSerialization.MAX_NUMBER_CHARS) {
            throw EncodeFailure.unsupported("Cannot send a " + type + " of " + length + " characters as JSON",
                    "numbers are limited to " + JsonSerialization.MAX_NUMBER_CHARS + " characters, because"
                            + " longer ones are slow to parse. Send it as a string.");
        }
        g.writeNumber(text);
    }

    private void writeMap(JsonGenerator g, Map<?, ?> map, int depth) throws IOException {
        g.writeStartObject(map, map.size());
        Object key = null;
        try {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                key = e.getKey();
                if (!(key instanceof String name)) {
                    throw EncodeFailure.badKey(key);
                }
                g.writeFieldName(name);
                write(g, e.getValue(), depth);
            }
        } catch (EncodeFailure f) {
            throw f.unwind(map, key);
        }
        g.writeEndObject();
    }

    private void writeList(JsonGenerator g, List<?> list, int depth) throws IOException {
        if (!(list instanceof RandomAccess)) {
            writeCollection(g, list, depth);
            return;
        }
        int size = list.size();
        g.writeStartArray(list, size);
        int i = 0;
        try {
            for (; i < size; i++) {
                write(g, list.get(i), depth);
            }
        } catch (EncodeFailure f) {
            throw f.unwind(list, i);
        }
        g.writeEndArray();
    }

    private void writeCollection(JsonGenerator g, Collection<?> collection, int depth) throws IOException {
        g.writeStartArray(collection, collection.size());
        int i = 0;
        try {
            for (Object element : collection) {
                write(g, element, depth);
                i++;
            }
        } catch (EncodeFailure f) {
            throw f.unwind(collection, i);
        }
        g.writeEndArray();
    }

    private void writeObjectArray(JsonGenerator g, Object[] array, int depth) throws IOException {
        g.writeStartArray(array, array.length);
        int i = 0;
        try {
            for (; i < array.length; i++) {
                write(g, array[i], depth);
            }
        } catch (EncodeFailure f) {
            throw f.unwind(array, i);
        }
        g.writeEndArray();
    }

    private void writeDoubleArray(JsonGenerator g, double[] array, int depth) throws IOException {
        enter(array, depth);
        int i = 0;
        try {
            for (; i < array.length; i++) {
                if (!Double.isFinite(array[i])) {
                    throw nonFinite("double", array[i]);
                }
            }
        } catch (EncodeFailure f) {
            throw f.unwind(array, i);
        }
        g.writeArray(array, 0, array.length);
    }

    private void writeFloatArray(JsonGenerator g, float[] array, int depth) throws IOException {
        enter(array, depth);
        g.writeStartArray(array, array.length);
        int i = 0;
        try {
            for (; i < array.length; i++) {
                if (!Float.isFinite(array[i])) {
                    throw nonFinite("float", array[i]);
                }
                g.writeNumber(array[i]);
            }
        } catch (EncodeFailure f) {
            throw f.unwind(array, i);
        }
        g.writeEndArray();
    }

    private void writeRecord(JsonGenerator g, Record record, int depth) throws IOException {
        RecordShape shape = RECORDS.get(record.getClass());
        if (shape.refusal != null) {
            throw EncodeFailure.unsupported(shape.refusal, shape.fix);
        }
        int n = shape.getters.length;
        g.writeStartObject(record, n);
        int i = 0;
        try {
            for (; i < n; i++) {
                g.writeFieldName(shape.names[i]);
                write(g, shape.get(i, record), depth);
            }
        } catch (EncodeFailure f) {
            throw f.unwind(record, shape.names[i].getValue());
        }
        g.writeEndObject();
    }

    private static void writeThrowable(JsonGenerator g, Throwable t) throws IOException {
        g.writeStartObject(t, 4);
        g.writeFieldName(NAME);
        g.writeString(t.getClass().getName());
        g.writeFieldName(MESSAGE);
        g.writeString(t.getMessage());
        CodeReader reader = CODES.get(t.getClass());
        if (reader != CodeReader.NONE) {
            Object code = reader.read(t);
            if (code != CodeReader.ABSENT) {
                g.writeFieldName(CODE);
                writeCode(g, code);
            }
        }
        g.writeFieldName(STACK);
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        g.writeString(text.toString());
        g.writeEndObject();
    }

    /**
     * An error's code is a detail of a message that is being sent anyway: a code JSON cannot carry as
     * such is sent as its text rather than failing the whole send.
     */
    private static void writeCode(JsonGenerator g, Object code) throws IOException {
        if (code == null) {
            g.writeNull();
        } else if (code instanceof String s) {
            g.writeString(s);
        } else if (code instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (code instanceof Long || code instanceof Integer || code instanceof Short || code instanceof Byte) {
            g.writeNumber(((Number) code).longValue());
        } else if ((code instanceof Double || code instanceof Float) && Double.isFinite(((Number) code).doubleValue())) {
            g.writeNumber(((Number) code).doubleValue());
        } else if (code instanceof Enum<?> e) {
            g.writeString(e.name());
        } else {
            g.writeString(String.valueOf(code));
        }
    }

    // ---------------------------------------------------------------- per-class caches

    private enum Kind {
        SMALL_INTEGER, FLOAT, BIG_INTEGER, BIG_DECIMAL, CHARACTER, ENUM, MAP, COLLECTION, RECORD, THROWABLE,
        OBJECT_ARRAY, INT_ARRAY, LONG_ARRAY, DOUBLE_ARRAY, FLOAT_ARRAY, BYTE_ARRAY, SHORT_ARRAY, CHAR_ARRAY,
        BOOLEAN_ARRAY, OTHER_NUMBER, UNSUPPORTED
    }

    private static final ClassValue<Kind> KINDS = new ClassValue<>() {
        @Override
        protected Kind computeValue(Class<?> c) {
            if (c == Short.class || c == Byte.class) {
                return Kind.SMALL_INTEGER;
            } else if (c == Float.class) {
                return Kind.FLOAT;
            } else if (BigInteger.class.isAssignableFrom(c)) {
                return Kind.BIG_INTEGER;
            } else if (BigDecimal.class.isAssignableFrom(c)) {
                return Kind.BIG_DECIMAL;
            } else if (c == Character.class) {
                return Kind.CHARACTER;
            } else if (Enum.class.isAssignableFrom(c)) {
                return Kind.ENUM;
            } else if (Map.class.isAssignableFrom(c)) {
                return Kind.MAP;
            } else if (Collection.class.isAssignableFrom(c)) {
                return Kind.COLLECTION;
            } else if (c.isRecord()) {
                return Kind.RECORD;
            } else if (Throwable.class.isAssignableFrom(c)) {
                return Kind.THROWABLE;
            } else if (c.isArray()) {
                Class<?> e = c.getComponentType();
                if (!e.isPrimitive()) {
                    return Kind.OBJECT_ARRAY;
                }
                return e == int.class ? Kind.INT_ARRAY
                        : e == long.class ? Kind.LONG_ARRAY
                        : e == double.class ? Kind.DOUBLE_ARRAY
                        : e == float.class ? Kind.FLOAT_ARRAY
                        : e == byte.class ? Kind.BYTE_ARRAY
                        : e == short.class ? Kind.SHORT_ARRAY
                        : e == char.class ? Kind.CHAR_ARRAY
                        : Kind.BOOLEAN_ARRAY;
            } else if (Number.class.isAssignableFrom(c)) {
                return Kind.OTHER_NUMBER;
            }
            return Kind.UNSUPPORTED;
        }
    };

    /** How to read one record class: its component names, pre-encoded, and their accessors. */
    private static final class RecordShape {
        final SerializedString[] names;
        final MethodHandle[] getters;
        final String refusal;
        final String fix;

        RecordShape(SerializedString[] names, MethodHandle[] getters) {
            this.names = names;
            this.getters = getters;
            this.refusal = null;
            this.fix = null;
        }

        RecordShape(String refusal, String fix) {
            this.names = new SerializedString[0];
            this.getters = new MethodHandle[0];
            this.refusal = refusal;
            this.fix = fix;
        }

        Object get(int i, Object record) {
            try {
                return (Object) getters[i].invokeExact(record);
            } catch (Error e) {
                throw e;
            } catch (Throwable t) {
                throw EncodeFailure.accessorThrew(record.getClass(), names[i].getValue(), t);
            }
        }
    }

    private static final ClassValue<RecordShape> RECORDS = new ClassValue<>() {
        @Override
        protected RecordShape computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            SerializedString[] names = new SerializedString[components.length];
            MethodHandle[] getters = new MethodHandle[components.length];
            for (int i = 0; i < components.length; i++) {
                Method accessor = components[i].getAccessor();
                if (!accessor.trySetAccessible()) {
                    return inaccessible(type);
                }
                try {
                    getters[i] = MethodHandles.lookup().unreflect(accessor).asType(GETTER);
                } catch (IllegalAccessException e) {
                    return inaccessible(type);
                }
                names[i] = new SerializedString(components[i].getName());
            }
            return new RecordShape(names, getters);
        }
    };

    private static RecordShape inaccessible(Class<?> type) {
        Module module = type.getModule();
        String pkg = type.getPackageName();
        String moduleName = module.isNamed() ? module.getName() : "the unnamed module";
        String self = JsonEncoder.class.getModule().isNamed() ? JsonEncoder.class.getModule().getName()
                : "jcluster.ipc.json";
        return new RecordShape("Cannot read the components of record " + type.getName(),
                "its package " + pkg + " in module " + moduleName + " is not open to " + self + ". Add `opens "
                        + pkg + " to " + self + ";` to module " + moduleName + "'s module-info.java (or make the"
                        + " record public in an exported package).");
    }

    /** Reads a Throwable's code, found once per exception class. */
    private static final class CodeReader {
        static final CodeReader NONE = new CodeReader(null);
        static final Object ABSENT = new Object();

        private final MethodHandle getter;

        CodeReader(MethodHandle getter) {
            this.getter = getter;
        }

        Object read(Throwable t) {
            try {
                return (Object) getter.invokeExact((Object) t);
            } catch (Error e) {
                throw e;
            } catch (Throwable failed) {
                // The error is being sent anyway; a code that cannot be read is left out.
                return ABSENT;
            }
        }
    }

    private static final ClassValue<CodeReader> CODES = new ClassValue<>() {
        @Override
        protected CodeReader computeValue(Class<?> type) {
            MethodHandle h = codeMethod(type, "getCode");
            if (h == null) {
                h = codeMethod(type, "code");
            }
            if (h == null) {
                h = codeField(type);
            }
            return h == null ? CodeReader.NONE : new CodeReader(h);
        }
    };

    private static MethodHandle codeMethod(Class<?> type, String name) {
        List<Method> candidates = new ArrayList<>();
        try {
            candidates.add(type.getMethod(name));
        } catch (NoSuchMethodException e) {
            // not public; look for a declared one below
        }
        for (Class<?> k = type; k != null && k != Throwable.class; k = k.getSuperclass()) {
            try {
                candidates.add(k.getDeclaredMethod(name));
            } catch (NoSuchMethodException e) {
                // keep looking up the hierarchy
            }
        }
        for (Method m : candidates) {
            if (!Modifier.isStatic(m.getModifiers()) && m.getReturnType() != void.class && m.trySetAccessible()) {
                try {
                    return MethodHandles.lookup().unreflect(m).asType(GETTER);
                } catch (IllegalAccessException e) {
                    // try the next candidate
                }
            }
        }
        return null;
    }

    private static MethodHandle codeField(Class<?> type) {
        for (Class<?> k = type; k != null && k != Throwable.class; k = k.getSuperclass()) {
            try {
                Field f = k.getDeclaredField("code");
                if (!Modifier.isStatic(f.getModifiers()) && f.trySetAccessible()) {
                    return MethodHandles.lookup().unreflectGetter(f).asType(GETTER);
                }
            } catch (NoSuchFieldException | IllegalAccessException e) {
                // keep looking up the hierarchy
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- failures

    /**
     * A refusal on its way up the walk. Stackless: it is control flow, converted to an
     * IllegalArgumentException (with a stack trace of the send() that gave the value) at the top.
     */
    static final class EncodeFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private enum Reason { UNSUPPORTED, BAD_KEY, TOO_DEEP }

        private final Reason reason;
        private final String problem;
        private final String fix;
        /** Path segments, deepest first: String keys and Integer indexes. */
        private final transient ArrayList<Object> segments = new ArrayList<>();
        /** For TOO_DEEP: the value that went too deep, then each container above it. */
        private final transient ArrayList<Object> chain = new ArrayList<>();
        private boolean skipSegment;

        private EncodeFailure(Reason reason, String problem, String fix, Throwable cause) {
            super(problem, cause, false, false);
            this.reason = reason;
            this.problem = problem;
            this.fix = fix;
        }

        static EncodeFailure unsupported(String problem, String fix) {
            return new EncodeFailure(Reason.UNSUPPORTED, problem, fix, null);
        }

        static EncodeFailure accessorThrew(Class<?> type, String component, Throwable t) {
            return new EncodeFailure(Reason.UNSUPPORTED, "The accessor " + type.getName() + "." + component
                    + "() threw " + t, "fix the accessor, or send a value whose accessors return normally.", t);
        }

        static EncodeFailure badKey(Object key) {
            String problem = key == null ? "Cannot send a map with a null key as JSON"
                    : "Cannot send a map key of type " + key.getClass().getName() + " (key " + abbreviate(String.valueOf(key))
                            + ") as JSON";
            EncodeFailure f = new EncodeFailure(Reason.BAD_KEY, problem, "JSON object keys are strings. Convert"
                    + " the keys to strings, or use " + ADVANCED + ", which carries other keys.", null);
            // Thrown inside the map's own loop: the map is the place to report, not the key.
            f.skipSegment = true;
            return f;
        }

        static EncodeFailure tooDeep(Object container) {
            EncodeFailure f = new EncodeFailure(Reason.TOO_DEEP, "", "", null);
            f.chain.add(container);
            return f;
        }

        /** Records that the failure happened under {@code container}, at {@code segment} in it. */
        EncodeFailure unwind(Object container, Object segment) {
            if (skipSegment) {
                skipSegment = false;
            } else {
                segments.add(segment);
            }
            if (reason == Reason.TOO_DEEP) {
                chain.add(container);
            }
            return this;
        }

        IllegalArgumentException toException(int maxDepth) {
            List<Object> rootFirst = new ArrayList<>(segments);
            Collections.reverse(rootFirst);
            if (reason != Reason.TOO_DEEP) {
                IllegalArgumentException e = new IllegalArgumentException(
                        problem + " (at " + path(rootFirst, rootFirst.size()) + "): " + fix);
                if (getCause() != null) {
                    e.initCause(getCause());
                }
                return e;
            }
            List<Object> containers = new ArrayList<>(chain);
            Collections.reverse(containers);
            // containers.get(i) sits at the path made of the first i segments.
            for (int j = 1; j < containers.size(); j++) {
                for (int i = 0; i < j; i++) {
                    if (containers.get(i) == containers.get(j)) {
                        return new IllegalArgumentException("Cannot send a circular reference as JSON: the "
                                + containers.get(j).getClass().getTypeName() + " at " + path(rootFirst, j)
                                + " is the same object as its ancestor at " + path(rootFirst, i)
                                + ". JSON cannot carry cycles; break the cycle, or use " + ADVANCED
                                + ", which carries them.");
                    }
                }
            }
            return new IllegalArgumentException("Cannot send the message as JSON: it nests deeper than the limit of "
                    + maxDepth + " levels (at " + path(rootFirst, rootFirst.size()) + "). Flatten the message, or"
                    + " raise SerializationOptions.maxNestingDepth.");
        }

        private static String path(List<Object> segments, int count) {
            StringBuilder sb = new StringBuilder("$");
            // A path hundreds of levels deep says no more than its two ends.
            int head = count > 16 ? 8 : count;
            for (int i = 0; i < count; i++) {
                if (i == head) {
                    sb.append("...(").append(count - 12).append(" more levels)...");
                    i = count - 4;
                }
                Object s = segments.get(i);
                if (s instanceof Integer index) {
                    sb.append('[').append(index).append(']');
                } else if (s instanceof String key && isIdentifier(key)) {
                    sb.append('.').append(key);
                } else {
                    sb.append("[\"").append(abbreviate(String.valueOf(s)).replace("\\", "\\\\").replace("\"", "\\\""))
                            .append("\"]");
                }
            }
            return sb.toString();
        }

        private static boolean isIdentifier(String key) {
            if (key.isEmpty() || !Character.isJavaIdentifierStart(key.charAt(0))) {
                return false;
            }
            for (int i = 1; i < key.length(); i++) {
                if (!Character.isJavaIdentifierPart(key.charAt(i))) {
                    return false;
                }
            }
            return true;
        }

        private static String abbreviate(String s) {
            return s.length() <= 40 ? s : s.substring(0, 37) + "...";
        }
    }

    // ---------------------------------------------------------------- output

    /**
     * Collects the generator's output. Jackson fills its own (recycled) buffer and flushes it here, so a
     * message under that buffer's size (8000 bytes) arrives in one write and costs exactly one copy; a
     * larger one arrives in chunks, kept apart and joined once at the end.
     */
    private static final class ByteSink extends OutputStream {
        private static final byte[] EMPTY = new byte[0];

        private byte[] first;
        private ArrayList<byte[]> more;
        private int total;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int n) {
            if (n == 0) {
                return;
            }
            if (total + n < 0) {
                throw new IllegalArgumentException("Cannot send the message as JSON: it is over 2 GB.");
            }
            byte[] chunk = Arrays.copyOfRange(b, off, off + n);
            if (first == null) {
                first = chunk;
            } else {
                if (more == null) {
                    more = new ArrayList<>();
                }
                more.add(chunk);
            }
            total += n;
        }

        byte[] toByteArray() {
            if (first == null) {
                return EMPTY;
            }
            if (more == null) {
                return first;
            }
            byte[] all = Arrays.copyOf(first, total);
            int at = first.length;
            for (byte[] chunk : more) {
                System.arraycopy(chunk, 0, all, at, chunk.length);
                at += chunk.length;
            }
            return all;
        }
    }
}
