package org.jcluster.core.it;

import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;

/**
 * A whole jcluster program in the Node style, run as its own JVM by {@link PrimaryProcessTest}: the
 * same main is primary or worker, and workers run it with the primary's default settings.
 * Prints what the test reads on standard output.
 */
public final class PrimaryMain {
    private PrimaryMain() {
    }

    public static void main(String[] args) throws Exception {
        Cluster cluster = Cluster.get();
        String scenario = args[0];
        if (cluster.isWorker()) {
            Worker me = cluster.worker().orElseThrow();
            switch (scenario) {
                case "defaults" -> me.send(List.of(List.of(args), System.getProperty("jcluster.test.flag", "unset")));
                case "orphan-sigkill", "orphan-exit" -> {
                    // A non-daemon thread: only the lost channel can end this worker.
                    Thread hold = new Thread(() -> {
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            // ends the thread
                        }
                    });
                    hold.start();
                    me.send("ready");
                }
                case "unknown-policy" -> {
                    try {
                        cluster.listen(org.jcluster.api.ServerOptions.tcp(0), connection -> { });
                        me.send("listened");
                    } catch (org.jcluster.api.ListenException e) {
                        me.send(e.code() + " " + e.getMessage());
                    }
                    me.send("still-running");
                }
                default -> throw new IllegalArgumentException(scenario);
            }
            return;
        }
        switch (scenario) {
            case "defaults" -> {
                Worker w = cluster.fork();
                w.on(WorkerEvent.MESSAGE, m -> {
                    System.out.println("exec=" + cluster.settings().exec().orElse("?"));
                    System.out.println("worker-saw=" + m);
                    w.kill();
                });
            }
            case "unknown-policy" -> {
                Worker w = cluster.fork();
                w.on(WorkerEvent.MESSAGE, m -> {
                    System.out.println("worker-saw=" + m);
                    if ("still-running".equals(m)) {
                        w.kill();
                    }
                });
            }
            case "orphan-sigkill", "orphan-exit" -> {
                CountDownLatch ready = new CountDownLatch(2);
                cluster.on(ClusterEvent.MESSAGE, (w, m) -> ready.countDown());
                Worker a = cluster.fork();
                Worker b = cluster.fork();
                ready.await();
                System.out.println("worker-pids " + a.pid() + " " + b.pid());
                System.out.flush();
                if (scenario.equals("orphan-exit")) {
                    System.exit(3);
                }
                Thread.sleep(Long.MAX_VALUE); // the test SIGKILLs this primary
            }
            default -> throw new IllegalArgumentException(scenario);
        }
    }
}
