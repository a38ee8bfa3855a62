package org.jcluster.benchmarks.compare;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.benchmarks.SerializationPayloads;

/**
 * Round trips between the primary and one worker, shaped like benchmarks/compare/node/ipc-echo.js (itself
 * after Node's benchmark/cluster/echo.js), with the same knobs: SERIALIZATION (json|advanced),
 * PAYLOAD (string|object), LEN (characters of the string, or items of the object), INFLIGHT (messages
 * outstanding), DURATION (seconds). WARMUP seconds (default 1) run first and are not counted: the
 * figure is the JVM's steady state. Prints {@code roundtrips_per_s N}.
 */
public final class EchoBench {
    private EchoBench() {
    }

    public static void main(String[] args) {
        Cluster cluster = Cluster.get();
        if (cluster.isWorker()) {
            Worker me = cluster.worker().orElseThrow();
            me.on(WorkerEvent.MESSAGE, me::send);
            return;
        }
        String serialization = env("SERIALIZATION", "json");
        int len = Integer.parseInt(env("LEN", "64"));
        int inflight = Integer.parseInt(env("INFLIGHT", "1"));
        double duration = Double.parseDouble(env("DURATION", "5"));
        double warmup = Double.parseDouble(env("WARMUP", "1"));
        cluster.setupPrimary(ClusterSettings.builder().serialization(serialization).build());
        Object payload = env("PAYLOAD", "string").equals("object") ? SerializationPayloads.echo(len) : "x".repeat(len);

        Worker w = cluster.fork();
        long[] count = {0};
        long[] t0 = {0};
        boolean[] done = {false};
        long warmupNanos = (long) (warmup * 1e9);
        long durationNanos = (long) (duration * 1e9);
        // Every listener runs on the one event thread: these plain fields need no synchronization.
        w.on(WorkerEvent.MESSAGE, m -> {
            long now = System.nanoTime();
            if (t0[0] == 0) {
                return;
            }
            if (now - t0[0] < warmupNanos) {
                w.send(payload);
                return;
            }
            count[0]++;
            long elapsed = now - t0[0] - warmupNanos;
            if (elapsed >= durationNanos) {
                if (!done[0]) {
                    done[0] = true;
                    System.out.println("roundtrips_per_s " + Math.round(count[0] / (elapsed / 1e9)));
                    w.kill();
                }
                return;
            }
            w.send(payload);
        });
        w.on(WorkerEvent.ONLINE, () -> {
            t0[0] = System.nanoTime();
            for (int i = 0; i < inflight; i++) {
                w.send(payload);
            }
        });
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }
}
