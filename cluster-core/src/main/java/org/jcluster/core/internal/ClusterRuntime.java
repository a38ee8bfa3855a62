package org.jcluster.core.internal;

import org.jcluster.api.Cluster;
import org.jcluster.core.internal.primary.PrimaryCluster;
import org.jcluster.core.internal.worker.WorkerCluster;
import org.jcluster.core.internal.worker.WorkerEnvironment;

/** Holds the JVM's one cluster, created on first use: a worker when the primary's role variable is set. */
public final class ClusterRuntime {
    private static volatile Cluster cluster;

    private ClusterRuntime() {
    }

    public static Cluster cluster() {
        Cluster c = cluster;
        if (c == null) {
            synchronized (ClusterRuntime.class) {
                c = cluster;
                if (c == null) {
                    c = WorkerEnvironment.isWorkerProcess() ? WorkerCluster.start(WorkerEnvironment.read()) : new PrimaryCluster();
                    cluster = c;
                }
            }
        }
        return c;
    }
}
