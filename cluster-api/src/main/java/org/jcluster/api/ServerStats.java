package org.jcluster.api;

import java.util.List;
import java.util.Map;

/**
 * The primary's figures for one server it shares ({@link Cluster#stats(java.time.Duration)}), from when
 * its first worker listened; a server whose workers all left is closed, and counts again from zero when
 * one listens anew.
 *
 * <p>Under a policy whose primary accepts ("rr") the primary sees each connection: it accepts it,
 * deals it to a worker (again, when that worker hands it back), and holds it until a worker acknowledged
 * it. Under "none" the kernel deals connections to the workers' copies of the socket, and only the
 * workers' own counts ({@code takenByWorker}) say how many there were; the primary's counts stay 0
 * ({@code primaryAccepts} is false).
 *
 * @param address where it listens
 * @param policy the scheduling policy's name ("rr", "none", ...)
 * @param primaryAccepts true when the primary accepts its connections and deals them (rr); false when the
 *     kernel deals them to the workers ("none"), and for a datagram socket (under any policy each worker
 *     reads its own copy, and nothing counts datagrams)
 * @param workers the ids of the workers listening on it, ascending
 * @param accepted connections the primary accepted on it
 * @param dealt times a connection was handed to a worker; a connection handed back is dealt again
 * @param refused of those, the times a connection came back: a worker handed it back (its server had
 *     closed, or it was leaving), or the primary could not copy it to send (out of descriptors)
 * @param waiting connections accepted and not yet handed to any worker: the dispatch queue (every worker
 *     busy, or none listening; under rr's fair dealing a connection may also wait, up to 100 ms, for a worker's
 *     answer while another worker is idle)
 * @param inFlight connections handed to a worker that has not yet answered
 * @param handOff from the accept until a worker acknowledged the connection, refusals and deals to
 *     other workers included: one count per connection a worker took
 * @param takenByWorker by worker id, the connections each worker's share of this server took (its
 *     handler's and, for a program that accepts itself, {@link ClusterServer#countConnection()}), as the
 *     workers answered this snapshot's ping; a worker that did not answer in time is missing
 */
public record ServerStats(ListenAddress address, String policy, boolean primaryAccepts, List<Integer> workers,
        long accepted, long dealt,
        long refused, long waiting, long inFlight, LatencyHistogram handOff, Map<Integer, Long> takenByWorker) {
    public ServerStats {
        workers = List.copyOf(workers);
        takenByWorker = Map.copyOf(takenByWorker);
    }
}
