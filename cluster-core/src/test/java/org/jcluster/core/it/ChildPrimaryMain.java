package org.jcluster.core.it;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;

/**
 * A JVM that a worker starts (WorkerMain's "spawn-jvm"): it inherits that worker's environment and must
 * still be a primary, as a Node worker's children are, able to fork workers of its own. Prints what it
 * found; exits 2 if it took itself for a worker.
 */
public final class ChildPrimaryMain {
    private ChildPrimaryMain() {
    }

    public static void main(String[] args) throws Exception {
        Cluster cluster = Cluster.get();
        System.out.println("isPrimary=" + cluster.isPrimary());
        if (!cluster.isPrimary()) {
            System.exit(2);
        }
        cluster.setupPrimary(ClusterSettings.builder().exec(WorkerMain.class.getName())
                .classPath(System.getProperty("java.class.path")).modulePath("")
                .execArgv(List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1"))
                .args(List.of("report")).build());
        Worker worker = cluster.fork();
        CompletableFuture<Object> report = new CompletableFuture<>();
        worker.on(WorkerEvent.MESSAGE, report::complete);
        System.out.println("nested worker report: " + report.get(20, TimeUnit.SECONDS));
        CountDownLatch disconnected = new CountDownLatch(1);
        cluster.disconnect(disconnected::countDown);
        disconnected.await(30, TimeUnit.SECONDS);
        System.exit(0);
    }
}
