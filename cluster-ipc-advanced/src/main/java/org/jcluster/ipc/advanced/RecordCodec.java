package org.jcluster.ipc.advanced;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A registered record: {@code 27(["java/<class>", {"component": value, ...}])}.
 *
 * <p>Components travel by name, not position, so that a record changed on one side only (a component
 * added, removed, renamed, or two swapped) is refused with the component named instead of being
 * silently filled with the wrong values.
 */
final class RecordCodec extends TypeCodec {
    private static final String THIS_MODULE = "jcluster.ipc.advanced";

    /** Reflection is set up once per class: ClassValue lets the class unload with its loader. */
    private static final ClassValue<RecordCodec> CODECS = new ClassValue<>() {
        @Override
        protected RecordCodec computeValue(Class<?> type) {
            return new RecordCodec(type);
        }
    };

    final String[] names;
    final Class<?>[] rawTypes;
    final Type[] genericTypes;
    /** prefix, then map(n): written with one copy before the component values. */
    final byte[] header;
    /** Each component name as a complete text item. */
    final byte[][] nameItems;
    private final MethodHandle[] accessors;
    private final MethodHandle constructor;
    private final Map<String, Integer> indexByName;

    static RecordCodec of(Class<?> recordType) {
        return CODECS.get(recordType);
    }

    private RecordCodec(Class<?> type) {
        super(type);
        RecordComponent[] components = type.getRecordComponents();
        int n = components.length;
        names = new String[n];
        rawTypes = new Class<?>[n];
        genericTypes = new Type[n];
        nameItems = new byte[n][];
        accessors = new MethodHandle[n];
        indexByName = new HashMap<>();
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            for (int i = 0; i < n; i++) {
                RecordComponent c = components[i];
                names[i] = c.getName();
                rawTypes[i] = c.getType();
                genericTypes[i] = c.getGenericType();
                nameItems[i] = textItem(c.getName());
                indexByName.put(c.getName(), i);
                Method accessor = c.getAccessor();
                accessor.setAccessible(true);
                accessors[i] = lookup.unreflect(accessor).asType(MethodType.methodType(Object.class, Object.class));
            }
            Constructor<?> canonical = type.getDeclaredConstructor(rawTypes);
            canonical.setAccessible(true);
            constructor = lookup.unreflectConstructor(canonical)
                    .asSpreader(Object[].class, n)
                    .asType(MethodType.methodType(Object.class, Object[].class));
        } catch (InaccessibleObjectException | IllegalAccessException | SecurityException e) {
            throw new IllegalArgumentException(accessAdvice(type), e);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("The record " + type.getName() + " has no canonical constructor to"
                    + " create it with on receipt", e);
        }
        byte[] mapHeader = header(Cbor.MAJOR_MAP, n);
        byte[] h = new byte[prefix.length + mapHeader.length];
        System.arraycopy(prefix, 0, h, 0, prefix.length);
        System.arraycopy(mapHeader, 0, h, prefix.length, mapHeader.length);
        header = h;
    }

    private static String accessAdvice(Class<?> type) {
        Module module = type.getModule();
        String pkg = type.getPackageName();
        if (!module.isNamed()) {
            return "The advanced serialization cannot read and create the record " + type.getName()
                    + ": make the record public (a nested record: public static) with a public canonical constructor";
        }
        return "The advanced serialization cannot read and create the record " + type.getName() + ": its package "
                + pkg + " in module " + module.getName() + " is not open to " + THIS_MODULE + ". Add `opens " + pkg
                + " to " + THIS_MODULE + ";` to module " + module.getName() + "'s module-info.java (or `exports "
                + pkg + " to " + THIS_MODULE + ";` when the record and its canonical constructor are public).";
    }

    /** Refuses components whose declared types the decoder could not fill. */
    void validateComponents(Set<Class<?>> registered) {
        for (int i = 0; i < names.length; i++) {
            Shapes.validate(genericTypes[i], false, registered,
                    "The component '" + names[i] + "' of the record " + type.getName());
        }
    }

    int size() {
        return names.length;
    }

    /** The component's index, or -1 when this process's record has no component by that name. */
    int indexOf(String name) {
        Integer i = indexByName.get(name);
        return i == null ? -1 : i;
    }

    Object component(Object record, int i) throws Throwable {
        return (Object) accessors[i].invokeExact(record);
    }

    Object construct(Object[] args) throws Throwable {
        return (Object) constructor.invokeExact(args);
    }
}
