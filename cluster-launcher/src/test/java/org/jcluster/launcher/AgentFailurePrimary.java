package org.jcluster.launcher;

import java.util.List;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterSettings;

/**
 * A jcluster primary of its own, for {@link AgentFailureIT}: forks one worker running the program with the
 * agent, through a {@code javaCommand} of the test's (a wrapper that drops a flag jcluster adds), prints how
 * the worker ended and exits. The launcher has no way to start a worker with another java command.
 *
 * <p>Arguments: the java command, the agent's option ({@code -javaagent:...}), the program's class path,
 * its main class, then its arguments.
 */
final class AgentFailurePrimary {
    private AgentFailurePrimary() {
    }

    public static void main(String[] args) {
        Cluster cluster = Cluster.get();
        cluster.schedulingPolicy("none");
        cluster.setupPrimary(ClusterSettings.builder().javaCommand(args[0]).execArgv(List.of(args[1]))
                .classPath(args[2]).modulePath("").exec(args[3]).args(List.of(args).subList(4, args.length)).build());
        cluster.on(ClusterEvent.LISTENING, (worker, address) ->
                System.out.println("primary: worker " + worker.id() + " listening on " + address));
        cluster.on(ClusterEvent.EXIT, (worker, status) -> {
            System.out.println("primary: worker " + worker.id() + " exited: " + status);
            System.exit(0);
        });
        cluster.fork();
    }
}
