/**
 * The "advanced" serialization: CBOR (RFC 8949) with IANA-registered tags, carrying what JSON cannot
 * (binary data, exact big numbers, dates, UUIDs, sets, non-string map keys, shared and circular
 * references, registered records and enums, structured errors). See the module's README for the wire
 * mapping.
 *
 * <p>Only {@code org.jcluster.ipc.advanced} is exported, for the value types a program receives
 * ({@link org.jcluster.ipc.advanced.RemoteError}). The codec is hand-written against the RFC and needs
 * no library: see the README for why not Jackson's CBOR parser.
 */
module jcluster.ipc.advanced {
    // Transitive: the exported provider's signatures are jcluster.api types.
    requires transitive jcluster.api;

    exports org.jcluster.ipc.advanced;

    provides org.jcluster.api.spi.SerializationProvider
            with org.jcluster.ipc.advanced.AdvancedSerializationProvider;
}
