/**
 * jcluster's implementation of the {@link org.jcluster.api.Cluster}: forks worker JVMs, runs the IPC
 * channel and its protocol, delivers events. Exports nothing: users program against jcluster.api.
 */
module jcluster.core {
    requires jcluster.api;
    requires java.management;
    // The primary's Flight Recorder events (worker life, slow hand-offs): docs/observability.md.
    requires jdk.jfr;
    requires org.jnrproject.unixsocket;
    requires org.jnrproject.posix;
    requires org.jnrproject.enxio;
    requires org.jnrproject.ffi;
    // The IPC syscalls (sendmsg, recvmsg, poll) go straight through jffi: no allocation per call.
    requires org.jnrproject.jffi;
    requires org.jnrproject.constants;
    // jnr-ffi generates code with ASM; as an automatic module it cannot say so itself.
    requires org.objectweb.asm;
    requires org.jctools.core.jdk11;

    provides org.jcluster.api.spi.ClusterProvider with org.jcluster.core.CoreClusterProvider;
}
