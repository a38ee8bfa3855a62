/**
 * The default "json" {@link org.jcluster.api.spi.Serialization}, on Jackson's streaming API.
 *
 * <p>Exports nothing: users select it by name ({@code ClusterSettings.serialization("json")}, the
 * default) and jcluster finds it through {@link java.util.ServiceLoader}.
 *
 * <p>Records are read by reflection. A record whose package is not exported (public record) or
 * opened to this module cannot be read; the error names the {@code opens ... to jcluster.ipc.json}
 * line to add.
 */
module jcluster.ipc.json {
    requires jcluster.api;
    requires com.fasterxml.jackson.core;

    provides org.jcluster.api.spi.SerializationProvider with org.jcluster.ipc.json.JsonSerializationProvider;
}
