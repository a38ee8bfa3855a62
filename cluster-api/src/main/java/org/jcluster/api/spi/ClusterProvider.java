package org.jcluster.api.spi;

import org.jcluster.api.Cluster;

/**
 * The implementation of {@link Cluster}, found through ServiceLoader ({@code jcluster.core} provides
 * it). A runtime that embeds jcluster can provide its own.
 */
public interface ClusterProvider {
    /** The process-wide cluster; the same instance on every call. */
    Cluster cluster();
}
