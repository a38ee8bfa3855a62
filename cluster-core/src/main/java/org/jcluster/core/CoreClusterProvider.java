package org.jcluster.core;

import org.jcluster.api.Cluster;
import org.jcluster.api.spi.ClusterProvider;
import org.jcluster.core.internal.ClusterRuntime;

/** jcluster.core's {@link ClusterProvider}: one cluster per JVM, primary or worker by environment. */
public final class CoreClusterProvider implements ClusterProvider {
    @Override
    public Cluster cluster() {
        return ClusterRuntime.cluster();
    }
}
