package org.jcluster.supervisor;

import java.util.List;

import org.jcluster.api.Worker;

/**
 * A rolling reload began.
 *
 * @param number this supervisor's reloads count from 1
 * @param workers the workers it is to replace, in order
 */
public record ReloadStarted(int number, List<Worker> workers) {
    public ReloadStarted {
        workers = List.copyOf(workers);
    }
}
