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

    private static void spin() {
        long x = 0;
        while (x != -1) {
            x += System.nanoTime() % 7;
        }
    }

    /** Forks two workers and returns them once each has sent its first message ("ready"). */
    private static List<Worker> forkTwoAndAwaitTheirFirstMessage(Cluster cluster) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(2);
        cluster.on(ClusterEvent.MESSAGE, (w, m) -> ready.countDown());
        List<Worker> two = List.of(cluster.fork(), cluster.fork());
        ready.await();
        return two;
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
                case "orphan-busy" -> {
                    // Busy as a loaded server is: a thread keeping a core busy, and the event thread stuck in
                    // a listener, so the 'disconnect' event that normally ends an orphan cannot be delivered.
                    new Thread(PrimaryMain::spin).start();
                    me.on(WorkerEvent.MESSAGE, m -> {
                        try {
                            new CountDownLatch(1).await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    me.send("ready");
                }
                case "kill-first", "exit-normally", "exit-with-live-workers", "halt-in-hook" -> me.send("ready");
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
            case "orphan-busy" -> {
                CountDownLatch ready = new CountDownLatch(2);
                cluster.on(ClusterEvent.MESSAGE, (w, m) -> {
                    w.send("block"); // takes the worker's event thread for good
                    ready.countDown();
                });
                Worker a = cluster.fork();
                Worker b = cluster.fork();
                ready.await();
                System.out.println("worker-pids " + a.pid() + " " + b.pid());
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE); // the test SIGKILLs this primary
            }
            case "slow-setup-listener" -> {
                // main returns at once; the listener still runs, and to its end (Node's queued callbacks
                // keep a process alive the same way).
                cluster.on(ClusterEvent.SETUP, settings -> {
                    try {
                        Thread.sleep(300); // a listener with work to do
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    System.out.println("setup-delivered");
                });
                cluster.setupPrimary(org.jcluster.api.ClusterSettings.builder().silent(false).build());
            }
            case "timer-after-main" -> {
                // A pending timer keeps the JVM alive (Node's setTimeout); a cancelled one does not run.
                long start = System.nanoTime();
                cluster.schedule(java.time.Duration.ofMillis(5_000), () -> System.out.println("cancelled-timer-ran")).remove();
                cluster.schedule(java.time.Duration.ofMillis(300), () -> System.out.println("timer-ran after "
                        + (System.nanoTime() - start) / 1_000_000 + " ms on " + Thread.currentThread().getName()));
            }
            case "kill-first" -> {
                CountDownLatch ready = new CountDownLatch(1);
                Worker w = cluster.fork();
                w.on(WorkerEvent.MESSAGE, m -> ready.countDown());
                ready.await();
                long start = System.nanoTime();
                w.kill();
                System.out.println("first-kill-micros " + (System.nanoTime() - start) / 1000);
            }
            case "exit-normally" -> {
                // Both workers come online, then are disconnected; main ends and the JVM with it.
                forkTwoAndAwaitTheirFirstMessage(cluster);
                cluster.disconnect(() -> System.out.println("all-gone"));
            }
            case "halt-in-hook" -> {
                // As a supervisor that sets the exit code of a SIGTERM'd JVM: a hook that drains the workers
                // and then halts, skipping deleteOnExit.
                forkTwoAndAwaitTheirFirstMessage(cluster);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    CountDownLatch gone = new CountDownLatch(1);
                    cluster.disconnect(gone::countDown);
                    try {
                        gone.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    System.out.println("drained");
                    System.out.flush();
                    Runtime.getRuntime().halt(0);
                }));
                System.out.println("ready-for-sigterm");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE); // the test sends SIGTERM
            }
            case "exit-with-live-workers" -> {
                forkTwoAndAwaitTheirFirstMessage(cluster);
                System.out.println("exiting");
                System.exit(0);
            }
            case "orphan-sigkill", "orphan-exit" -> {
                List<Worker> two = forkTwoAndAwaitTheirFirstMessage(cluster);
                System.out.println("worker-pids " + two.get(0).pid() + " " + two.get(1).pid());
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
