package org.jcluster.ipc.json;

import java.util.Objects;

import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.jcluster.api.spi.SerializationProvider;

/** Provides the {@code "json"} serialization: see {@link JsonSerialization} for what it carries. */
public final class JsonSerializationProvider implements SerializationProvider {

    /** The name users select this serialization by. */
    public static final String NAME = "json";

    /** For {@link java.util.ServiceLoader}. */
    public JsonSerializationProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Serialization create(SerializationOptions options) {
        return new JsonSerialization(Objects.requireNonNull(options, "options"));
    }
}
