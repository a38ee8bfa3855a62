package org.jcluster.benchmarks.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.Cluster;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;

/** Resident memory of one idle worker, 1 s after 'online', as benchmarks/compare/node/rss.js. */
public final class WorkerRss {
    private WorkerRss() {
    }

    public static void main(String[] args) {
        Cluster cluster = Cluster.get();
        if (cluster.isWorker()) {
            return;
        }
        Worker w = cluster.fork();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rss-timer");
            t.setDaemon(true);
            return t;
        });
        w.on(WorkerEvent.ONLINE, () -> timer.schedule(() -> {
            System.out.println("worker_VmRSS: " + vmRss(w.pid()) + " kB");
            w.kill();
        }, 1, TimeUnit.SECONDS));
    }

    static long vmRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new IllegalStateException("no VmRSS line for pid " + pid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
