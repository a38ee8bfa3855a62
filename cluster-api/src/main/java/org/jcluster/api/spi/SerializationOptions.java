package org.jcluster.api.spi;

import java.util.List;

/**
 * What a {@link Serialization} is configured with.
 *
 * @param messageTypes the types (records, enums) the program registered; a serialization that
 *     creates typed values on receipt creates these and no others
 * @param maxNestingDepth how deep lists and maps may nest before a message is refused
 */
public record SerializationOptions(List<Class<?>> messageTypes, int maxNestingDepth) {
    /** Default nesting limit: deep enough for real data, shallow enough to keep stacks safe. */
    public static final int DEFAULT_MAX_NESTING_DEPTH = 256;

    public SerializationOptions {
        messageTypes = List.copyOf(messageTypes);
        if (maxNestingDepth < 1) {
            throw new IllegalArgumentException("maxNestingDepth must be at least 1; got " + maxNestingDepth);
        }
    }

    public static SerializationOptions defaults() {
        return new SerializationOptions(List.of(), DEFAULT_MAX_NESTING_DEPTH);
    }
}
