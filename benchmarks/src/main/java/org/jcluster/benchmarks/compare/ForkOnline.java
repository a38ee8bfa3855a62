package org.jcluster.benchmarks.compare;

import java.util.concurrent.atomic.AtomicInteger;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;

/**
 * Time from fork() to every worker online, then from disconnect() to every worker exited, as
 * benchmarks/compare/node/fork-online.js. WORKERS (default 4). Workers are idle: they stay alive until
 * disconnected.
 */
public final class ForkOnline {
    private ForkOnline() {
    }

    public static void main(String[] args) {
        Cluster cluster = Cluster.get();
        if (cluster.isWorker()) {
            return; // idle: the channel keeps it alive until the disconnect
        }
        int workers = Integer.parseInt(EchoBench.env("WORKERS", "4"));
        AtomicInteger online = new AtomicInteger();
        AtomicInteger exited = new AtomicInteger();
        long[] tOnline = {0};
        long t0 = System.nanoTime();
        cluster.on(ClusterEvent.ONLINE, w -> {
            if (online.incrementAndGet() == workers) {
                tOnline[0] = System.nanoTime();
                System.out.println("all_online_ms " + (tOnline[0] - t0) / 1e6);
                cluster.disconnect();
            }
        });
        cluster.on(ClusterEvent.EXIT, (w, status) -> {
            if (exited.incrementAndGet() == workers) {
                System.out.println("all_exited_ms " + (System.nanoTime() - tOnline[0]) / 1e6);
            }
        });
        for (int i = 0; i < workers; i++) {
            cluster.fork();
        }
    }
}
