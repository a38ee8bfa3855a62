package org.jcluster.ipc.advanced;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Which record component types the decoder can fill, checked once when the types are registered, and
 * the conversions and checks it applies to each decoded component value.
 *
 * <p>Checking at registration turns "this record can never arrive intact" into a startup error rather
 * than a closed channel in production: a {@code List<Integer>} component, for instance, would arrive
 * holding Longs (integral numbers decode as Long), so it is refused with the fix.
 */
final class Shapes {
    private Shapes() {
    }

    /** What the decoder creates; a component declared as one of these or a supertype can hold it. */
    private static final List<Class<?>> DECODED = List.of(Long.class, Double.class, String.class, Boolean.class,
            byte[].class, BigInteger.class, BigDecimal.class, UUID.class, Instant.class, LocalDate.class,
            OffsetDateTime.class, Duration.class, ArrayList.class, LinkedHashMap.class, LinkedHashSet.class,
            RemoteError.class);

    /** Component types filled by converting a decoded value; only a component (not an element) can be one. */
    private static final Map<Class<?>, String> CONVERTED = Map.ofEntries(
            Map.entry(Integer.class, "Long"), Map.entry(Short.class, "Long"), Map.entry(Byte.class, "Long"),
            Map.entry(Float.class, "Double"), Map.entry(Character.class, "String"),
            Map.entry(ByteBuffer.class, "byte[]"));

    /** Thrown (without a stack trace) when a decoded value does not fit a component; the decoder names where. */
    static final class Mismatch extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Mismatch(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Refuses a component type the decoder could not fill, saying what to declare instead.
     *
     * @param element true inside a collection's type arguments, where no conversion happens
     */
    static void validate(Type type, boolean element, Set<Class<?>> registered, String where) {
        if (type instanceof Class<?> c) {
            validateClass(c, element, registered, where);
        } else if (type instanceof ParameterizedType p) {
            validate(p.getRawType(), element, registered, where);
            for (Type arg : p.getActualTypeArguments()) {
                validate(arg, true, registered, where);
            }
        } else if (type instanceof WildcardType w) {
            for (Type upper : w.getUpperBounds()) {
                validate(upper, true, registered, where);
            }
        } else if (type instanceof GenericArrayType) {
            throw new IllegalArgumentException(where + " has type " + type.getTypeName()
                    + ": the advanced serialization carries no arrays but byte[]; declare it a List");
        }
        // A type variable is erased to its bound and checked as an Object: nothing to refuse.
    }

    private static void validateClass(Class<?> c, boolean element, Set<Class<?>> registered, String where) {
        if (c.isArray()) {
            if (c == byte[].class) {
                return;
            }
            throw new IllegalArgumentException(where + " has type " + c.getTypeName()
                    + ": the advanced serialization carries no arrays but byte[]; declare it a List");
        }
        if (c.isPrimitive()) {
            return;
        }
        String arrivesAs = CONVERTED.get(c);
        if (arrivesAs != null) {
            if (element) {
                throw new IllegalArgumentException(where + " holds " + c.getSimpleName() + " values, which arrive as "
                        + arrivesAs + " inside a collection (integral numbers decode as Long, other numbers as"
                        + " Double); declare the element type " + arrivesAs);
            }
            return;
        }
        if (Throwable.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(where + " has type " + c.getName() + ": exceptions arrive as "
                    + RemoteError.class.getName() + "; declare it RemoteError (RemoteError.of(exception) makes one)");
        }
        if (c.isRecord() || c.isEnum()) {
            if (c != RemoteError.class && !registered.contains(c)) {
                throw new IllegalArgumentException(where + " has type " + c.getName()
                        + ", which is not registered: add " + c.getName() + ".class to the messageTypes too");
            }
            return;
        }
        if (c.isInterface() || c == Object.class) {
            return;
        }
        for (Class<?> decoded : DECODED) {
            if (c.isAssignableFrom(decoded)) {
                return;
            }
        }
        throw new IllegalArgumentException(where + " has type " + c.getName()
                + ", which the advanced serialization cannot create on receipt; use one of the types it carries"
                + " (see the README of jcluster.ipc.advanced)");
    }

    /** The value to pass to the constructor for a component declared {@code raw}/{@code generic}. */
    static Object convert(Object value, Class<?> raw, Type generic) {
        Class<?> type = raw.isPrimitive() ? box(raw) : raw;
        if (value == null) {
            if (raw.isPrimitive()) {
                throw new Mismatch("is a " + raw.getName() + " but the message carries null");
            }
            return null;
        }
        if (type == Integer.class) {
            if (value instanceof Long l && l == l.intValue()) {
                return l.intValue();
            }
        } else if (type == Long.class) {
            if (value instanceof Long) {
                return value;
            }
        } else if (type == Double.class) {
            if (value instanceof Double) {
                return value;
            }
            if (value instanceof Long l && l >= -(1L << 53) && l <= (1L << 53)) {
                return l.doubleValue();
            }
        } else if (type == Boolean.class || type == String.class) {
            if (type.isInstance(value)) {
                return value;
            }
        } else if (type == Short.class) {
            if (value instanceof Long l && l == l.shortValue()) {
                return l.shortValue();
            }
        } else if (type == Byte.class) {
            if (value instanceof Long l && l == l.byteValue()) {
                return l.byteValue();
            }
        } else if (type == Float.class) {
            if (value instanceof Double d && ((double) d.floatValue() == d || d.isNaN())) {
                return d.floatValue();
            }
        } else if (type == Character.class) {
            if (value instanceof String s && s.length() == 1) {
                return s.charAt(0);
            }
        } else if (type == ByteBuffer.class) {
            if (value instanceof byte[] b) {
                return ByteBuffer.wrap(b);
            }
        } else if (type.isInstance(value)) {
            if (generic instanceof ParameterizedType) {
                checkElements(value, generic, 0);
            }
            return value;
        }
        throw new Mismatch("is a " + generic.getTypeName() + " but the message carries " + describe(value));
    }

    /** Elements must match the declared type arguments: a List<Point> must not hand out a String. */
    private static void checkElements(Object value, Type declared, int level) {
        if (!(declared instanceof ParameterizedType p) || !(p.getRawType() instanceof Class<?> raw) || level > 64) {
            return;
        }
        Type[] args = p.getActualTypeArguments();
        if (value instanceof Map<?, ?> map && Map.class.isAssignableFrom(raw) && args.length == 2) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                checkElement(e.getKey(), args[0], declared, level);
                checkElement(e.getValue(), args[1], declared, level);
            }
        } else if (value instanceof Iterable<?> it && Iterable.class.isAssignableFrom(raw) && args.length == 1) {
            for (Object e : it) {
                checkElement(e, args[0], declared, level);
            }
        }
    }

    private static void checkElement(Object element, Type declared, Type container, int level) {
        if (element == null) {
            return;
        }
        Class<?> erased = erase(declared);
        if (erased != null && !erased.isInstance(element)) {
            throw new Mismatch("is a " + container.getTypeName() + " but the message's holds " + describe(element));
        }
        checkElements(element, declared, level + 1);
    }

    private static Class<?> erase(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        if (t instanceof WildcardType w && w.getUpperBounds().length == 1) {
            return erase(w.getUpperBounds()[0]);
        }
        return null;
    }

    static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Long || value instanceof Double || value instanceof Boolean) {
            return value.getClass().getSimpleName() + " " + value;
        }
        if (value instanceof Enum<?> e) {
            return e.getDeclaringClass().getName() + "." + e.name();
        }
        return value.getClass().getName();
    }

    static Class<?> box(Class<?> primitive) {
        if (primitive == int.class) {
            return Integer.class;
        } else if (primitive == long.class) {
            return Long.class;
        } else if (primitive == double.class) {
            return Double.class;
        } else if (primitive == boolean.class) {
            return Boolean.class;
        } else if (primitive == float.class) {
            return Float.class;
        } else if (primitive == short.class) {
            return Short.class;
        } else if (primitive == byte.class) {
            return Byte.class;
        } else if (primitive == char.class) {
            return Character.class;
        }
        return primitive;
    }
}
