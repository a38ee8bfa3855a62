package org.jcluster.supervisor;

import java.util.concurrent.locks.LockSupport;

import org.jcluster.api.Cluster;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;

/**
 * The worker program of the tests whose primary is the test JVM: it says "ready", and on the message
 * {@code "exit N"} calls {@code System.exit(N)} (a crash, as far as any supervisor can tell); on
 * {@code "count N"} counts N connections ({@code cluster.countConnection()}) and says "counted"; on
 * {@code "block"} blocks its event thread for good. With the argument {@code greet} it first prints a
 * line to stdout; with {@code exit-before-joining N} it exits with N before it joins the cluster. It
 * stays alive while its channel to the primary is open, and ends once disconnected.
 */
public final class TestWorkerMain {
    private TestWorkerMain() {
    }

    public static void main(String[] args) {
        if (args.length > 1 && args[0].equals("exit-before-joining")) {
            System.exit(Integer.parseInt(args[1]));
        }
        Cluster cluster = Cluster.get();
        Worker me = cluster.worker().orElseThrow(() -> new IllegalStateException("run me as a jcluster worker"));
        me.on(WorkerEvent.MESSAGE, message -> {
            if (message instanceof String s && s.startsWith("exit ")) {
                System.exit(Integer.parseInt(s.substring("exit ".length())));
            } else if (message instanceof String s && s.startsWith("count ")) {
                for (int i = Integer.parseInt(s.substring("count ".length())); i > 0; i--) {
                    cluster.countConnection();
                }
                me.send("counted");
            } else if ("block".equals(message)) {
                for (;;) {
                    LockSupport.park(); // a hung listener; only SIGKILL ends this worker now
                }
            }
        });
        if (args.length > 0 && args[0].equals("greet")) {
            System.out.println("hello from worker " + me.id());
        }
        me.send("ready");
    }
}
