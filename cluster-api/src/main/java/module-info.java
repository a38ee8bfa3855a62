/**
 * The jcluster API: what user programs and provider modules program against.
 *
 * <p>User code starts at {@link org.jcluster.api.Cluster#get()}. Providers implement the interfaces of
 * {@code org.jcluster.api.spi} and declare them with {@code provides}; they are found through
 * {@link java.util.ServiceLoader}, on the module path or (through META-INF/services) on the class path.
 */
module jcluster.api {
    exports org.jcluster.api;
    exports org.jcluster.api.spi;

    uses org.jcluster.api.spi.ClusterProvider;
    uses org.jcluster.api.spi.SerializationProvider;
    uses org.jcluster.api.spi.SchedulingPolicyProvider;
}
