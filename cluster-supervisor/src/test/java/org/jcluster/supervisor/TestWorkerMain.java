package org.jcluster.supervisor;

import org.jcluster.api.Cluster;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;

/**
 * The worker program of the tests whose primary is the test JVM: it says "ready", and on the message
 * {@code "exit N"} calls {@code System.exit(N)} (a crash, as far as any supervisor can tell); with the
 * argument {@code greet} it first prints a line to stdout. It stays
 * alive while its channel to the primary is open, and ends once disconnected.
 */
public final class TestWorkerMain {
    private TestWorkerMain() {
    }

    public static void main(String[] args) {
        Cluster cluster = Cluster.get();
        Worker me = cluster.worker().orElseThrow(() -> new IllegalStateException("run me as a jcluster worker"));
        me.on(WorkerEvent.MESSAGE, message -> {
            if (message instanceof String s && s.startsWith("exit ")) {
                System.exit(Integer.parseInt(s.substring("exit ".length())));
            }
        });
        if (args.length > 0 && args[0].equals("greet")) {
            System.out.println("hello from worker " + me.id());
        }
        me.send("ready");
    }
}
