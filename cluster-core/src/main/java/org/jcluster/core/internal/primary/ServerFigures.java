package org.jcluster.core.internal.primary;

import java.util.List;

import org.jcluster.api.LatencyHistogram;
import org.jcluster.api.ListenAddress;

/** One shared server's figures as the primary has them (the workers' own counts come with their pings). */
record ServerFigures(int handleId, ListenAddress address, boolean primaryAccepts, List<Integer> workers,
        long accepted, long dealt,
        long refused, long waiting, long inFlight, LatencyHistogram handOff) {
}
