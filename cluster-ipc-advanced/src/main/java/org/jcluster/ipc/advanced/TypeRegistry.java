package org.jcluster.ipc.advanced;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The records and enums a program registered (ClusterSettings.messageTypes): the only types encoded
 * as typed objects, and the only ones ever created on receipt. A wire type name is looked up here and
 * nowhere else: no class is ever loaded by a name that arrived on the wire.
 */
final class TypeRegistry {
    static final String HOW_TO_REGISTER = "ClusterSettings.builder().messageTypes(List.of(...)) when setting up"
            + " the primary (workers get the same list)";

    private final Map<Class<?>, TypeCodec> byClass;
    private final Map<String, TypeCodec> byWireName;

    private TypeRegistry(Map<Class<?>, TypeCodec> byClass, Map<String, TypeCodec> byWireName) {
        this.byClass = byClass;
        this.byWireName = byWireName;
    }

    /**
     * Checks and prepares the registered types, failing now (at cluster setup) rather than on the
     * first message: a type that is neither record nor enum, a record the module cannot read, or a
     * component type that could not be rebuilt on receipt.
     */
    static TypeRegistry of(List<Class<?>> requested) {
        Set<Class<?>> types = new LinkedHashSet<>();
        for (Class<?> type : requested) {
            expand(type, type, types);
        }
        types.remove(RemoteError.class); // built in
        Map<Class<?>, TypeCodec> byClass = new HashMap<>();
        Map<String, TypeCodec> byWireName = new HashMap<>();
        List<RecordCodec> records = new ArrayList<>();
        for (Class<?> type : types) {
            TypeCodec codec;
            if (type.isEnum()) {
                codec = EnumCodec.of(type);
            } else {
                RecordCodec rc = RecordCodec.of(type);
                records.add(rc);
                codec = rc;
            }
            TypeCodec clash = byWireName.putIfAbsent(codec.wireName, codec);
            if (clash != null) {
                throw new IllegalArgumentException("messageTypes holds two different classes named " + type.getName()
                        + " (from class loaders " + clash.type.getClassLoader() + " and " + type.getClassLoader()
                        + "); a type name must identify one class");
            }
            byClass.put(type, codec);
        }
        for (RecordCodec rc : records) {
            rc.validateComponents(types);
        }
        return new TypeRegistry(Map.copyOf(byClass), Map.copyOf(byWireName));
    }

    private static void expand(Class<?> type, Class<?> asked, Set<Class<?>> out) {
        if (type.isEnum() || type.isRecord()) {
            out.add(type);
            return;
        }
        if (type.isSealed()) {
            // A sealed hierarchy registers its permitted records and enums: the usual way to say "these messages".
            for (Class<?> sub : type.getPermittedSubclasses()) {
                expand(sub, asked, out);
            }
            return;
        }
        String via = type == asked ? "" : " (permitted by the sealed " + asked.getName() + ")";
        throw new IllegalArgumentException("messageTypes: " + type.getName() + via + " is neither a record nor an enum;"
                + " the advanced serialization creates only records and enums on receipt (register the records and"
                + " enums themselves, or a sealed interface whose permitted subclasses they are)");
    }

    /** The codec of a registered type, or null. */
    TypeCodec forClass(Class<?> type) {
        return byClass.get(type);
    }

    /** The codec registered under a wire name, or null. */
    TypeCodec forWireName(String wireName) {
        return byWireName.get(wireName);
    }
}
