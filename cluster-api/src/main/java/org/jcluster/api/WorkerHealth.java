package org.jcluster.api;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A worker's answer to {@link Worker#ping(Duration)}: how long it took, and what the worker says of
 * itself.
 *
 * @param roundTrip from the ping's send to the answer's arrival in the primary
 * @param heapUsed the heap in use when the worker answered, garbage not yet collected included
 * @param heapUsedAfterGc the heap the worker's collectors left in use after their last collection,
 *     summed over its heap pools (the figure a leak grows); empty before any collection or when the
 *     collectors do not report it
 * @param gcTime the time the worker's collectors have spent collecting since it started, summed
 * @param connections the connections the worker's servers ({@link Cluster#listen}) have taken since it
 *     started, with those the program counted itself ({@link Cluster#countConnection()})
 * @param connectionsByServer of those, the ones each of its shared servers open now took, by the
 *     server's address (what it counted with {@link ClusterServer#countConnection()} included)
 */
public record WorkerHealth(Duration roundTrip, long heapUsed, OptionalLong heapUsedAfterGc, Duration gcTime,
        long connections, Map<ListenAddress, Long> connectionsByServer) {
    public WorkerHealth {
        connectionsByServer = Map.copyOf(connectionsByServer);
    }
}
