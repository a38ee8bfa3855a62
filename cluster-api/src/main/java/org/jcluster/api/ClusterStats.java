package org.jcluster.api;

import java.time.Duration;
import java.util.List;

/**
 * The primary's snapshot of the whole cluster ({@link Cluster#stats(Duration)}).
 *
 * @param uptime since the primary's cluster started
 * @param workers each worker's figures ({@link Worker#stats(Duration)}), by ascending id
 * @param servers each server the primary shares now, in the order they were first listened on
 */
public record ClusterStats(Duration uptime, List<WorkerStats> workers, List<ServerStats> servers) {
    public ClusterStats {
        workers = List.copyOf(workers);
        servers = List.copyOf(servers);
    }
}
