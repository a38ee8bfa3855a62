package org.jcluster.api.spi;

/**
 * A message format, found by {@link #name()} through ServiceLoader. Implement it against
 * {@code jcluster.api} alone, declare it with {@code provides} and in
 * {@code META-INF/services/org.jcluster.api.spi.SerializationProvider}.
 */
public interface SerializationProvider {
    /** The name users select it by in {@link org.jcluster.api.ClusterSettings#serialization()}. */
    String name();

    /** A serialization configured with {@code options}; it must be safe for concurrent use. */
    Serialization create(SerializationOptions options);
}
