package org.jcluster.ipc.advanced;

import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.jcluster.api.spi.SerializationProvider;

/**
 * Provides the serialization named {@code "advanced"}: CBOR (RFC 8949) with IANA-registered tags.
 * Select it with {@code ClusterSettings.builder().serialization("advanced")}.
 *
 * <p>It carries everything "json" carries, and also byte[] and ByteBuffer (as byte strings), exact
 * BigInteger and BigDecimal, NaN and the infinities, Instant, OffsetDateTime, LocalDate, Duration, UUID,
 * sets (distinct from lists), maps with keys of any carried type, shared and circular references, the
 * records and enums registered with {@code ClusterSettings.builder().messageTypes(...)}, and exceptions
 * (received as {@link RemoteError}).
 */
public final class AdvancedSerializationProvider implements SerializationProvider {

    public AdvancedSerializationProvider() {
        // ServiceLoader needs a public no-argument constructor.
    }

    @Override
    public String name() {
        return AdvancedSerialization.NAME;
    }

    /**
     * @throws IllegalArgumentException when a registered type is not a record or enum, cannot be read
     *     by this module (the message says which {@code opens} to add), or has a component that could
     *     not be rebuilt on receipt
     */
    @Override
    public Serialization create(SerializationOptions options) {
        return new AdvancedSerialization(options);
    }
}
