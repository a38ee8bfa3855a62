package org.jcluster.api;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Typed views of received messages: turns a value of the serializations' value model ({@code null},
 * Boolean, Long, Double, String, List, Map with String keys, as {@code Serialization.decode} gives
 * them) into records, enums, numbers of the wanted width, collections, arrays and maps, recursively.
 *
 * <pre>{@code
 * record Item(String sku, int quantity) {}
 * record Order(long id, Side side, List<Item> items, Optional<String> note) {}
 *
 * worker.onMessage(message -> {
 *     Order order = MessageValues.convert(message, Order.class);
 * });
 * }</pre>
 *
 * <h2>Rules</h2>
 * <ul>
 * <li>A <b>record</b> is built from a map through its canonical constructor, each component from the
 *     entry of the same name; keys that are not components are ignored (so a record can read the
 *     fields it wants from an error map: {@code name}, {@code message}, {@code code}). An absent or
 *     null entry gives null, {@code Optional.empty()}, or an error for a primitive component. A generic
 *     record's type variables are resolved from the requested type ({@code Box<Item>}).</li>
 * <li><b>Integral</b> targets (long, int, short, byte, BigInteger, and their wrappers) take any number
 *     with a whole value that fits: 3000000000 into an int is an error, so is 2.5; 3.0 gives 3.</li>
 * <li><b>Floating</b> targets (double, float, BigDecimal) take any number; one beyond a float's range
 *     is an error.</li>
 * <li>An <b>enum</b> is found by its exact constant name; a char from a one-character string.</li>
 * <li><b>List</b>, Collection, Iterable, <b>Set</b>, SortedSet and arrays (also of primitives) take
 *     a list; interface targets give unmodifiable collections (lists and sets keep order), the classes
 *     ArrayList, LinkedList, HashSet, LinkedHashSet and TreeSet give that class.</li>
 * <li><b>Map</b> and SortedMap take a map; keys convert to String, enums or integral numbers (from
 *     their text, as JSON keys are strings).</li>
 * <li><b>Optional</b> wraps the converted value, empty for null.</li>
 * <li>A value that already is an instance of a requested class (Object, Map, a record the
 *     serialization created) is returned as it is.</li>
 * </ul>
 * A value that does not fit raises a {@link ConversionException} whose message names the path of the
 * offending field ({@code $.items[2].quantity}), what was expected and what was found.
 *
 * <p>Records are built by reflection from this module ({@code jcluster.api}): a record must be public
 * in an exported package, or its package opened to {@code jcluster.api}; the error says which line to
 * add. Thread-safe; per-record lookups are cached.
 */
public final class MessageValues {

    /** Deeper than this is taken for a circular structure (the "advanced" serialization carries them). */
    static final int MAX_DEPTH = 1000;

    private MessageValues() {
    }

    /**
     * {@code value} converted to {@code type}.
     *
     * @throws ConversionException naming the path of the field that does not fit, and why
     */
    @SuppressWarnings("unchecked")
    public static <T> T convert(Object value, Class<T> type) {
        return (T) convert(value, (Type) type);
    }

    /**
     * {@code value} converted to a generic type, such as a record component's
     * {@link RecordComponent#getGenericType()} or a {@code List<Item>}.
     *
     * @throws ConversionException naming the path of the field that does not fit, and why
     */
    public static Object convert(Object value, Type type) {
        if (type == null) {
            throw new NullPointerException("type");
        }
        try {
            return to(value, type, Map.of(), 0);
        } catch (Failure f) {
            String path = f.path();
            ConversionException e = new ConversionException("Cannot convert the message to " + type.getTypeName()
                    + ": at " + path + ", " + f.problem, path);
            if (f.getCause() != null) {
                e.initCause(f.getCause());
            }
            throw e;
        }
    }

    /** A value that does not fit the requested type. */
    public static final class ConversionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        private final String path;

        ConversionException(String message, String path) {
            super(message);
            this.path = path;
        }

        /** Where in the value the problem is, as {@code $.items[2].quantity}; {@code $} is the value itself. */
        public String path() {
            return path;
        }
    }

    // ---------------------------------------------------------------- dispatch

    private static Object to(Object value, Type type, Map<TypeVariable<?>, Type> bindings, int depth) {
        if (depth > MAX_DEPTH) {
            throw new Failure("the value nests deeper than " + MAX_DEPTH + " levels; is it circular?");
        }
        if (type instanceof Class<?> c) {
            return toClass(value, c, bindings, depth);
        }
        if (type instanceof ParameterizedType p) {
            return toParameterized(value, p, bindings, depth);
        }
        if (type instanceof GenericArrayType a) {
            return toArray(value, a.getGenericComponentType(), bindings, depth);
        }
        if (type instanceof TypeVariable<?> v) {
            Type bound = bindings.get(v);
            return to(value, bound != null ? bound : v.getBounds()[0], Map.of(), depth);
        }
        if (type instanceof WildcardType w) {
            return to(value, w.getUpperBounds()[0], bindings, depth);
        }
        throw new Failure("the target type " + type.getTypeName() + " is not supported");
    }

    private static Object toClass(Object value, Class<?> c, Map<TypeVariable<?>, Type> bindings, int depth) {
        if (c.isPrimitive()) {
            if (value == null) {
                throw new Failure("expected " + c.getName() + " but got null; a " + c.getName()
                        + " cannot be null (use " + wrapper(c).getSimpleName() + " or Optional for an optional field)");
            }
            return toClass(value, wrapper(c), bindings, depth);
        }
        if (value == null) {
            return c == Optional.class ? Optional.empty() : null;
        }
        if (c.isInstance(value)) {
            return value;
        }
        if (c == Long.class) {
            return integral(value, "long", Long.MIN_VALUE, Long.MAX_VALUE);
        } else if (c == Integer.class) {
            return (int) integral(value, "int", Integer.MIN_VALUE, Integer.MAX_VALUE);
        } else if (c == Short.class) {
            return (short) integral(value, "short", Short.MIN_VALUE, Short.MAX_VALUE);
        } else if (c == Byte.class) {
            return (byte) integral(value, "byte", Byte.MIN_VALUE, Byte.MAX_VALUE);
        } else if (c == Double.class) {
            return toDouble(value, "double");
        } else if (c == Float.class) {
            double d = toDouble(value, "float");
            if (Double.isFinite(d) && Math.abs(d) > Float.MAX_VALUE) {
                throw new Failure("expected float but got " + describe(value) + ", which is beyond float's range");
            }
            return (float) d;
        } else if (c == BigInteger.class) {
            return toBigInteger(value);
        } else if (c == BigDecimal.class) {
            return toBigDecimal(value);
        } else if (c == Character.class) {
            if (value instanceof String s && s.length() == 1) {
                return s.charAt(0);
            }
            throw new Failure("expected a char (a one-character string) but got " + describe(value));
        } else if (c == String.class) {
            if (value instanceof Character ch) {
                return String.valueOf(ch);
            }
            throw expected("a string", value);
        } else if (c == Boolean.class) {
            throw expected("a boolean", value);
        } else if (c.isEnum() || (c.getSuperclass() != null && c.getSuperclass().isEnum())) {
            return toEnum(value, c.isEnum() ? c : c.getSuperclass());
        } else if (c.isRecord()) {
            return toRecord(value, c, c.getTypeParameters().length == 0 ? Map.of() : erasedBindings(c), depth);
        } else if (c.isArray()) {
            return toArray(value, c.getComponentType(), bindings, depth);
        } else if (Collection.class.isAssignableFrom(c) || c == Iterable.class) {
            return toCollection(value, c, Object.class, bindings, depth);
        } else if (Map.class.isAssignableFrom(c)) {
            return toMap(value, c, String.class, Object.class, bindings, depth);
        } else if (c == Optional.class) {
            return Optional.of(value);
        }
        throw new Failure("expected " + c.getName() + " but got " + describe(value)
                + (c.isInterface() || Modifier.isAbstract(c.getModifiers()) ? ""
                        : "; only records, enums, numbers, strings, booleans, collections, arrays, maps and"
                                + " Optional are built from message values"));
    }

    private static Object toParameterized(Object value, ParameterizedType p, Map<TypeVariable<?>, Type> bindings,
            int depth) {
        Class<?> raw = (Class<?>) p.getRawType();
        Type[] args = p.getActualTypeArguments();
        if (raw == Optional.class) {
            return value == null ? Optional.empty() : Optional.of(to(value, args[0], bindings, depth + 1));
        }
        if (value == null) {
            return null;
        }
        if (raw.isRecord()) {
            TypeVariable<?>[] params = raw.getTypeParameters();
            Map<TypeVariable<?>, Type> inner = new HashMap<>();
            for (int i = 0; i < params.length; i++) {
                inner.put(params[i], resolve(args[i], bindings));
            }
            return toRecord(value, raw, inner, depth);
        }
        if (Collection.class.isAssignableFrom(raw) || raw == Iterable.class) {
            return toCollection(value, raw, args[0], bindings, depth);
        }
        if (Map.class.isAssignableFrom(raw)) {
            return toMap(value, raw, args[0], args[1], bindings, depth);
        }
        return toClass(value, raw, bindings, depth);
    }

    /** A type argument as seen from inside the record it is passed to: its own variables resolved. */
    private static Type resolve(Type t, Map<TypeVariable<?>, Type> bindings) {
        if (t instanceof TypeVariable<?> v) {
            Type bound = bindings.get(v);
            return bound != null ? bound : v.getBounds()[0];
        }
        return t;
    }

    private static Map<TypeVariable<?>, Type> erasedBindings(Class<?> c) {
        Map<TypeVariable<?>, Type> erased = new HashMap<>();
        for (TypeVariable<?> v : c.getTypeParameters()) {
            erased.put(v, v.getBounds()[0]);
        }
        return erased;
    }

    // ---------------------------------------------------------------- numbers

    private static long integral(Object value, String target, long min, long max) {
        if (!(value instanceof Number n)) {
            throw expected(article(target), value);
        }
        long v;
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            v = n.longValue();
        } else if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (!Double.isFinite(d) || d != Math.rint(d)) {
                throw new Failure("expected " + target + " but got " + describe(value) + ", which is not a whole number");
            }
            if (d < -0x1p63 || d >= 0x1p63) {
                throw outOfRange(target, value, min, max);
            }
            v = (long) d;
        } else {
            BigDecimal exact = exact(n, target);
            if (exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0) {
                throw new Failure("expected " + target + " but got " + describe(value) + ", which is not a whole number");
            }
            BigInteger big = exact.toBigInteger();
            if (big.bitLength() > 63) {
                throw outOfRange(target, value, min, max);
            }
            v = big.longValue();
        }
        if (v < min || v > max) {
            throw outOfRange(target, value, min, max);
        }
        return v;
    }

    private static BigDecimal exact(Number n, String target) {
        if (n instanceof BigDecimal d) {
            return d;
        }
        if (n instanceof BigInteger i) {
            return new BigDecimal(i);
        }
        try {
            return new BigDecimal(n.toString());
        } catch (NumberFormatException e) {
            throw new Failure("expected " + target + " but got " + describe(n) + ", whose value cannot be read exactly");
        }
    }

    private static double toDouble(Object value, String target) {
        if (!(value instanceof Number n)) {
            throw expected(article(target), value);
        }
        double d = n.doubleValue();
        if (Double.isInfinite(d) && !(n instanceof Double || n instanceof Float)) {
            throw new Failure("expected " + target + " but got " + describe(value) + ", which is beyond double's range");
        }
        return d;
    }

    private static BigInteger toBigInteger(Object value) {
        if (!(value instanceof Number n)) {
            throw expected("an integer", value);
        }
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return BigInteger.valueOf(n.longValue());
        }
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (!Double.isFinite(d) || d != Math.rint(d)) {
                throw new Failure("expected an integer but got " + describe(value) + ", which is not a whole number");
            }
            return new BigDecimal(d).toBigInteger();
        }
        BigDecimal exact = exact(n, "an integer");
        if (exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0) {
            throw new Failure("expected an integer but got " + describe(value) + ", which is not a whole number");
        }
        return exact.toBigInteger();
    }

    private static BigDecimal toBigDecimal(Object value) {
        if (!(value instanceof Number n)) {
            throw expected("a number", value);
        }
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw new Failure("expected a BigDecimal but got " + describe(value) + ", which has no decimal value");
            }
            // Through the shortest decimal text, so that 0.1 gives 0.1 and not 0.1000000000000000055...
            return n instanceof Float ? new BigDecimal(n.toString()) : BigDecimal.valueOf(d);
        }
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return BigDecimal.valueOf(n.longValue());
        }
        return exact(n, "a BigDecimal");
    }

    private static Failure outOfRange(String target, Object value, long min, long max) {
        return new Failure("expected " + target + " but got " + describe(value) + ", which is out of " + target
                + " range [" + min + ", " + max + "]");
    }

    // ---------------------------------------------------------------- enums and records

    private static Object toEnum(Object value, Class<?> type) {
        if (!(value instanceof String name)) {
            throw expected("the name of a constant of " + type.getName(), value);
        }
        for (Object constant : type.getEnumConstants()) {
            if (((Enum<?>) constant).name().equals(name)) {
                return constant;
            }
        }
        List<String> names = Arrays.stream(type.getEnumConstants()).map(e -> ((Enum<?>) e).name()).toList();
        String shown = names.size() <= 20 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 20)) + ", ... (" + names.size() + " in all)";
        throw new Failure("no constant of enum " + type.getName() + " is named \"" + abbreviate(name)
                + "\"; its constants are " + shown);
    }

    private static Object toRecord(Object value, Class<?> type, Map<TypeVariable<?>, Type> bindings, int depth) {
        if (type.isInstance(value)) {
            return value;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw expected("a map of " + type.getName() + "'s components", value);
        }
        RecordInfo info = RECORDS.get(type);
        if (info.refusal != null) {
            throw new Failure(info.refusal);
        }
        Object[] args = new Object[info.names.length];
        for (int i = 0; i < args.length; i++) {
            String name = info.names[i];
            Object field = map.get(name);
            if (field == null && info.rawTypes[i].isPrimitive()) {
                throw new Failure(map.containsKey(name)
                        ? "expected " + info.rawTypes[i].getName() + " but got null; a " + info.rawTypes[i].getName()
                                + " cannot be null (use " + wrapper(info.rawTypes[i]).getSimpleName()
                                + " or Optional for an optional field)"
                        : "the field is missing, and " + type.getSimpleName() + "." + name + " is a "
                                + info.rawTypes[i].getName() + ", which cannot be null (use "
                                + wrapper(info.rawTypes[i]).getSimpleName() + " or Optional for an optional field)")
                        .at(name);
            }
            try {
                args[i] = to(field, info.genericTypes[i], bindings, depth + 1);
            } catch (Failure f) {
                throw f.at(name);
            }
        }
        try {
            return info.constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new Failure("the constructor of " + type.getName() + " refused the values: " + cause, cause);
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            throw new Failure("the constructor of " + type.getName() + " could not be called: " + e, e);
        }
    }

    private static final class RecordInfo {
        final String[] names;
        final Type[] genericTypes;
        final Class<?>[] rawTypes;
        final Constructor<?> constructor;
        final String refusal;

        RecordInfo(String[] names, Type[] genericTypes, Class<?>[] rawTypes, Constructor<?> constructor, String refusal) {
            this.names = names;
            this.genericTypes = genericTypes;
            this.rawTypes = rawTypes;
            this.constructor = constructor;
            this.refusal = refusal;
        }
    }

    private static final ClassValue<RecordInfo> RECORDS = new ClassValue<>() {
        @Override
        protected RecordInfo computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            String[] names = new String[components.length];
            Type[] genericTypes = new Type[components.length];
            Class<?>[] rawTypes = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                names[i] = components[i].getName();
                genericTypes[i] = components[i].getGenericType();
                rawTypes[i] = components[i].getType();
            }
            Constructor<?> constructor;
            try {
                constructor = type.getDeclaredConstructor(rawTypes);
            } catch (NoSuchMethodException e) {
                return new RecordInfo(names, genericTypes, rawTypes, null,
                        "record " + type.getName() + " has no canonical constructor");
            }
            if (!constructor.trySetAccessible()) {
                Module module = type.getModule();
                String self = MessageValues.class.getModule().isNamed() ? MessageValues.class.getModule().getName()
                        : "jcluster.api";
                String moduleName = module.isNamed() ? module.getName() : "the unnamed module";
                return new RecordInfo(names, genericTypes, rawTypes, null, "cannot build record " + type.getName()
                        + ": its package " + type.getPackageName() + " in module " + moduleName + " is not open to "
                        + self + ". Add `opens " + type.getPackageName() + " to " + self + ";` to module " + moduleName
                        + "'s module-info.java (or make the record public in an exported package)");
            }
            return new RecordInfo(names, genericTypes, rawTypes, constructor, null);
        }
    };

    // ---------------------------------------------------------------- collections, arrays, maps

    /** The elements of a list, collection or array, or null when {@code value} is none of these. */
    private static List<?> elements(Object value) {
        if (value instanceof List<?> list) {
            return list;
        }
        if (value instanceof Collection<?> collection) {
            return new ArrayList<>(collection);
        }
        if (value instanceof Object[] array) {
            return Arrays.asList(array);
        }
        if (value != null && value.getClass().isArray()) {
            int n = Array.getLength(value);
            List<Object> boxed = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                boxed.add(Array.get(value, i));
            }
            return boxed;
        }
        return null;
    }

    private static Object toArray(Object value, Type componentType, Map<TypeVariable<?>, Type> bindings, int depth) {
        List<?> source = elements(value);
        if (source == null) {
            throw expected("a list", value);
        }
        Class<?> raw = rawClass(componentType, bindings);
        Object array = Array.newInstance(raw, source.size());
        int i = 0;
        try {
            for (; i < source.size(); i++) {
                Array.set(array, i, to(source.get(i), componentType, bindings, depth + 1));
            }
        } catch (Failure f) {
            throw f.at(i);
        }
        return array;
    }

    private static Object toCollection(Object value, Class<?> raw, Type elementType, Map<TypeVariable<?>, Type> bindings,
            int depth) {
        List<?> source = elements(value);
        if (source == null) {
            throw expected("a list", value);
        }
        Collection<Object> target;
        boolean unmodifiable = raw.isInterface();
        if (raw == List.class || raw == Collection.class || raw == Iterable.class || raw == ArrayList.class) {
            target = new ArrayList<>(source.size());
        } else if (raw == LinkedList.class) {
            target = new LinkedList<>();
        } else if (raw == Set.class || raw == LinkedHashSet.class || raw == HashSet.class) {
            target = new LinkedHashSet<>();
        } else if (raw == SortedSet.class || raw == NavigableSet.class || raw == TreeSet.class) {
            target = new TreeSet<>();
        } else {
            throw new Failure("the collection type " + raw.getName() + " is not supported; use List, Set, SortedSet,"
                    + " Collection, an array, or one of ArrayList, LinkedList, HashSet, LinkedHashSet, TreeSet");
        }
        int i = 0;
        try {
            for (; i < source.size(); i++) {
                Object element = to(source.get(i), elementType, bindings, depth + 1);
                try {
                    target.add(element);
                } catch (ClassCastException | NullPointerException e) {
                    throw new Failure("cannot add " + describe(element) + " to a " + raw.getSimpleName() + ": " + e, e);
                }
            }
        } catch (Failure f) {
            throw f.at(i);
        }
        if (!unmodifiable) {
            return target;
        }
        if (target instanceof List<Object> list) {
            return Collections.unmodifiableList(list);
        }
        if (target instanceof NavigableSet<Object> sorted) {
            return Collections.unmodifiableNavigableSet(sorted);
        }
        return Collections.unmodifiableSet((Set<Object>) target);
    }

    private static Object toMap(Object value, Class<?> raw, Type keyType, Type valueType,
            Map<TypeVariable<?>, Type> bindings, int depth) {
        if (!(value instanceof Map<?, ?> source)) {
            throw expected("a map", value);
        }
        Map<Object, Object> target;
        if (raw == Map.class || raw == LinkedHashMap.class || raw == HashMap.class) {
            target = new LinkedHashMap<>();
        } else if (raw == SortedMap.class || raw == NavigableMap.class || raw == TreeMap.class) {
            target = new TreeMap<>();
        } else {
            throw new Failure("the map type " + raw.getName() + " is not supported; use Map, SortedMap, or one of"
                    + " HashMap, LinkedHashMap, TreeMap");
        }
        Class<?> rawKey = rawClass(keyType, bindings);
        for (Map.Entry<?, ?> e : source.entrySet()) {
            Object key = e.getKey();
            try {
                Object k = key(key, rawKey, keyType, bindings, depth);
                try {
                    target.put(k, to(e.getValue(), valueType, bindings, depth + 1));
                } catch (ClassCastException | NullPointerException x) {
                    throw new Failure("cannot put key " + describe(k) + " into a " + raw.getSimpleName() + ": " + x, x);
                }
            } catch (Failure f) {
                throw f.at(key);
            }
        }
        if (!raw.isInterface()) {
            return target;
        }
        return target instanceof NavigableMap<Object, Object> sorted ? Collections.unmodifiableNavigableMap(sorted)
                : Collections.unmodifiableMap(target);
    }

    /** JSON keys are strings: a key type of numbers is read from the key's text. */
    private static Object key(Object key, Class<?> rawKey, Type keyType, Map<TypeVariable<?>, Type> bindings, int depth) {
        if (key instanceof String s && (rawKey == Long.class || rawKey == Integer.class || rawKey == Short.class
                || rawKey == Byte.class || rawKey == BigInteger.class)) {
            BigInteger parsed;
            try {
                parsed = new BigInteger(s);
            } catch (NumberFormatException e) {
                throw new Failure("expected an integer key but got \"" + abbreviate(s) + "\"");
            }
            return to(parsed, keyType, bindings, depth + 1);
        }
        return to(key, keyType, bindings, depth + 1);
    }

    private static Class<?> rawClass(Type type, Map<TypeVariable<?>, Type> bindings) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        if (type instanceof GenericArrayType a) {
            return Array.newInstance(rawClass(a.getGenericComponentType(), bindings), 0).getClass();
        }
        if (type instanceof TypeVariable<?> v) {
            Type bound = bindings.get(v);
            return rawClass(bound != null ? bound : v.getBounds()[0], Map.of());
        }
        if (type instanceof WildcardType w) {
            return rawClass(w.getUpperBounds()[0], bindings);
        }
        return Object.class;
    }

    // ---------------------------------------------------------------- messages

    private static Class<?> wrapper(Class<?> primitive) {
        return primitive == int.class ? Integer.class
                : primitive == long.class ? Long.class
                : primitive == double.class ? Double.class
                : primitive == boolean.class ? Boolean.class
                : primitive == float.class ? Float.class
                : primitive == short.class ? Short.class
                : primitive == byte.class ? Byte.class
                : primitive == char.class ? Character.class
                : Void.class;
    }

    private static String article(String target) {
        return (target.startsWith("i") ? "an " : "a ") + target;
    }

    private static Failure expected(String what, Object value) {
        return new Failure("expected " + what + " but got " + describe(value));
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        String type = value.getClass().getName();
        if (value instanceof String s) {
            return "\"" + abbreviate(s) + "\" (String)";
        }
        if (value instanceof Number || value instanceof Boolean || value instanceof Character || value instanceof Enum) {
            return abbreviate(value.toString()) + " (" + type + ")";
        }
        if (value instanceof Map<?, ?> m) {
            return "a map (" + type + ", " + m.size() + " entries)";
        }
        if (value instanceof Collection<?> c) {
            return "a list (" + type + ", " + c.size() + " elements)";
        }
        return "a " + type;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /**
     * A conversion problem on its way up: stackless, it gathers the path while unwinding and becomes a
     * ConversionException at the top, so that a successful conversion builds no path strings.
     */
    private static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        final String problem;
        /** Deepest first: String keys and Integer indexes. */
        private final transient List<Object> segments = new ArrayList<>();

        Failure(String problem) {
            this(problem, null);
        }

        Failure(String problem, Throwable cause) {
            super(problem, cause, false, false);
            this.problem = problem;
        }

        Failure at(Object segment) {
            segments.add(segment);
            return this;
        }

        String path() {
            StringBuilder sb = new StringBuilder("$");
            for (int i = segments.size() - 1; i >= 0; i--) {
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
    }
}
