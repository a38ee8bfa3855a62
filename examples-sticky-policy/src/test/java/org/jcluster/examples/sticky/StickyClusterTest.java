package org.jcluster.examples.sticky;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.testkit.WorkerJvms.DEADLINE;
import static org.jcluster.testkit.WorkerJvms.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.testkit.WorkerJvms;
import org.junit.jupiter.api.Test;

/**
 * The policy at work, end to end: this test JVM is the primary ({@code Cluster.get()}, with policy
 * "sticky" found through ServiceLoader in this module), three worker JVMs run {@link StickyWorkerMain}
 * and share one port, and clients connect from eight loopback source addresses (Linux routes the whole
 * of 127/8 to the loopback interface, so a socket can bind any of them before connecting).
 *
 * <p>{@code Cluster.get()} is one per JVM: this class holds the JVM's one cluster, in one test.
 */
class StickyClusterTest {
    private static final int WORKERS = 3;
    private static final int SOURCES = 8;
    private static final int CONNECTIONS_PER_SOURCE = 4;

    @Test
    void eachClientAddressIsServedByOneWorkerAndOnlyTheClientsOfAWorkerThatDiesMove() throws Exception {
        Cluster cluster = Cluster.get();
        assertThat(cluster.isPrimary()).isTrue();
        cluster.schedulingPolicy(StickyPolicyProvider.NAME);
        cluster.setupPrimary(WorkerJvms.running(StickyWorkerMain.class).build());
        assertThat(cluster.schedulingPolicy()).isEqualTo("sticky");

        Map<Integer, CompletableFuture<Integer>> ports = new ConcurrentHashMap<>();
        cluster.on(ClusterEvent.MESSAGE, (worker, message) -> {
            if (message instanceof Map<?, ?> m && m.get("port") instanceof Number port) {
                portOf(ports, worker.id()).complete(port.intValue());
            }
        });
        List<Worker> workers = new ArrayList<>();
        try {
            for (int i = 0; i < WORKERS; i++) {
                workers.add(cluster.fork());
            }
            // A worker reports its port after its listen returned, which is after the primary heard it
            // listens: by then it has joined the server's dispatcher.
            Set<Integer> distinctPorts = new TreeSet<>();
            for (Worker w : workers) {
                distinctPorts.add(await(portOf(ports, w.id()), "the port of worker " + w.id()));
            }
            assertThat(distinctPorts).as("one shared port").hasSize(1);
            int port = distinctPorts.iterator().next();
            List<Integer> ids = workers.stream().map(Worker::id).toList();

            // 1. Each source address is always served by one worker: its first choice by the hash.
            Map<String, Integer> before = serveAll(port);
            System.out.println("port " + port + ", workers " + ids + "; source address -> worker: " + before);
            for (Map.Entry<String, Integer> e : before.entrySet()) {
                assertThat(e.getValue()).as("worker for " + e.getKey())
                        .isEqualTo(StickyDispatcher.ranking(InetAddress.getByName(e.getKey()), ids).get(0));
            }
            assertThat(new TreeSet<>(before.values())).as("workers serving " + before).hasSizeGreaterThan(1);

            // 2. The worker with the most clients dies: only its clients move, each to its next choice.
            Map<Integer, Long> clientsPerWorker = new TreeMap<>();
            before.values().forEach(id -> clientsPerWorker.merge(id, 1L, Long::sum));
            int victimId = clientsPerWorker.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            Worker victim = workers.stream().filter(w -> w.id() == victimId).findFirst().orElseThrow();
            CompletableFuture<Void> gone = goneOf(victim);
            victim.kill("SIGKILL");
            // Disconnect is emitted after the primary took the worker out of its servers' dispatchers.
            await(gone, "worker " + victimId + " to disconnect and exit");
            List<Integer> survivors = ids.stream().filter(id -> id != victimId).toList();

            Map<String, Integer> after = serveAll(port);
            System.out.println("after worker " + victimId + " was killed: " + after);
            for (Map.Entry<String, Integer> e : after.entrySet()) {
                String source = e.getKey();
                if (before.get(source) == victimId) {
                    assertThat(e.getValue()).as("new worker for " + source + ", a client of worker " + victimId)
                            .isNotEqualTo(victimId)
                            .isEqualTo(StickyDispatcher.ranking(InetAddress.getByName(source), survivors).get(0));
                } else {
                    assertThat(e.getValue()).as("worker for " + source + " after worker " + victimId + " died")
                            .isEqualTo(before.get(source));
                }
            }

            // 3. A graceful end.
            CompletableFuture<Void> disconnected = new CompletableFuture<>();
            cluster.disconnect(() -> disconnected.complete(null));
            await(disconnected, "cluster.disconnect's callback");
            assertThat(cluster.workers()).isEmpty();
        } finally {
            killLeft(cluster);
        }
    }

    /**
     * Connects {@value #CONNECTIONS_PER_SOURCE} times from each of {@value #SOURCES} source addresses
     * and returns the one worker that served each address (failing if one was served by several).
     */
    private static Map<String, Integer> serveAll(int port) throws IOException {
        Map<String, Set<Integer>> servedBy = new LinkedHashMap<>();
        for (int round = 0; round < CONNECTIONS_PER_SOURCE; round++) {
            for (int i = 1; i <= SOURCES; i++) {
                String source = "127.0.0." + i;
                servedBy.computeIfAbsent(source, s -> new LinkedHashSet<>()).add(served(source, port));
            }
        }
        Map<String, Integer> one = new LinkedHashMap<>();
        servedBy.forEach((source, workers) -> {
            assertThat(workers).as("workers that served " + source).hasSize(1);
            one.put(source, workers.iterator().next());
        });
        return one;
    }

    /** The id of the worker that answered one connection from {@code source}. */
    private static int served(String source, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) DEADLINE.toMillis());
            socket.setSoTimeout((int) DEADLINE.toMillis());
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertThat(line).as("greeting on a connection from " + source).isNotNull().startsWith("worker ");
            return Integer.parseInt(line.substring("worker ".length()).trim());
        }
    }

    private static CompletableFuture<Integer> portOf(Map<Integer, CompletableFuture<Integer>> ports, int id) {
        return ports.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    /** Resolves once the worker has both disconnected and exited. */
    private static CompletableFuture<Void> goneOf(Worker worker) {
        CompletableFuture<Void> disconnected = new CompletableFuture<>();
        CompletableFuture<Void> exited = new CompletableFuture<>();
        worker.once(WorkerEvent.DISCONNECT, () -> disconnected.complete(null));
        worker.once(WorkerEvent.EXIT, status -> exited.complete(null));
        return CompletableFuture.allOf(disconnected, exited);
    }

    /** After a failure: no worker may outlive the test. */
    private static void killLeft(Cluster cluster) throws Exception {
        List<CompletableFuture<Void>> exits = new ArrayList<>();
        for (Worker w : List.copyOf(cluster.workers().values())) {
            CompletableFuture<Void> exit = new CompletableFuture<>();
            w.once(WorkerEvent.EXIT, status -> exit.complete(null));
            if (w.isDead()) {
                exit.complete(null);
            }
            w.kill("SIGKILL");
            exits.add(exit);
        }
        for (CompletableFuture<Void> exit : exits) {
            await(exit, "a worker's exit");
        }
    }
}
