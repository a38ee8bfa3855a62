/**
 * jcluster's demo: Node's cluster HTTP hello world, served by Netty in every worker, kept up by
 * jcluster's supervisor. It names no jcluster provider: jcluster.core, the json serialization and the
 * scheduling policies are found on the module path through ServiceLoader.
 */
module jcluster.examples {
    requires jcluster.api;
    // The primary runs the supervisor: respawn, reload on SIGHUP, graceful shutdown.
    requires jcluster.supervisor;
    // The level of the supervisor's log records (the demo prints its decisions as event lines).
    requires java.logging;

    // Netty 4.1's jars are automatic modules (Automatic-Module-Name in their manifests).
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.codec;
    requires io.netty.codec.http;
    // Netty uses sun.misc.Unsafe where it may (faster buffers); without this module it falls back.
    requires jdk.unsupported;

}
