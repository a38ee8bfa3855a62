package org.jcluster.ipc.advanced;

import java.util.HashMap;
import java.util.Map;

/** A registered enum: {@code 27(["java/<class>", "<CONSTANT>"])}. */
final class EnumCodec extends TypeCodec {
    /** The whole item per constant, by ordinal: an enum value encodes with one copy. */
    private final byte[][] encoded;
    private final Map<String, Enum<?>> byName;

    private static final ClassValue<EnumCodec> CODECS = new ClassValue<>() {
        @Override
        protected EnumCodec computeValue(Class<?> type) {
            return new EnumCodec(type);
        }
    };

    static EnumCodec of(Class<?> enumType) {
        return CODECS.get(enumType);
    }

    private EnumCodec(Class<?> type) {
        super(type);
        // getEnumConstants needs no access to the enum's package: java.base reads the constants itself.
        Object[] constants = type.getEnumConstants();
        encoded = new byte[constants.length][];
        byName = new HashMap<>();
        for (Object c : constants) {
            Enum<?> e = (Enum<?>) c;
            byte[] name = textItem(e.name());
            byte[] item = new byte[prefix.length + name.length];
            System.arraycopy(prefix, 0, item, 0, prefix.length);
            System.arraycopy(name, 0, item, prefix.length, name.length);
            encoded[e.ordinal()] = item;
            byName.put(e.name(), e);
        }
    }

    byte[] encoded(Enum<?> value) {
        return encoded[value.ordinal()];
    }

    /** The constant named {@code name}, or null when this process's enum has none by that name. */
    Enum<?> constant(String name) {
        return byName.get(name);
    }

    String constantNames() {
        return String.join(", ", byName.keySet().stream().sorted().toList());
    }
}
