package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.core.it.TestCluster.await;
import static org.jcluster.core.it.TestCluster.exitOf;
import static org.jcluster.core.it.TestCluster.nextMessage;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jcluster.api.ExitStatus;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.junit.jupiter.api.Test;

/**
 * What a worker's program may count on whatever thread it runs on: a listen from a listener completes,
 * and every send that was accepted reports back exactly once before the worker's JVM is gone.
 */
class WorkerGuaranteesTest {

    @Test
    void aListenFromAMessageListenerCompletesThoughListenersRunOnTheChannelsReader() throws Exception {
        try (TestCluster t = new TestCluster("listen-on-message")) {
            Worker w = t.fork();
            for (int i = 0; i < 2; i++) { // the second listen runs on the thread that took over reading
                CompletableFuture<Object> answer = nextMessage(w);
                w.send("listen");
                Object reply = await(answer);
                assertThat(reply).as("the worker's answer").isInstanceOf(Map.class);
                long port = (Long) ((Map<?, ?>) reply).get("port");
                try (SocketChannel client = SocketChannel.open(new InetSocketAddress("127.0.0.1", (int) port))) {
                    assertThat(client.isConnected()).as("the new server takes connections").isTrue();
                }
            }
            assertThat(TestCluster.roundTrip(w, "still answering")).isInstanceOf(Map.class);
        }
    }

    @Test
    void aListenFromAHandlerOnTheIoThreadFailsAtOnceSayingWhereToCallIt() throws Exception {
        try (TestCluster t = new TestCluster("listen-in-io-handler")) {
            Worker w = t.fork();
            CompletableFuture<Object> listening = nextMessage(w);
            long port = (Long) ((Map<?, ?>) await(listening)).get("port");
            CompletableFuture<Object> answer = nextMessage(w);
            try (SocketChannel ignored = SocketChannel.open(new InetSocketAddress("127.0.0.1", (int) port))) {
                assertThat(await(answer)).asString().startsWith("IllegalStateException: listen() cannot wait on"
                        + " jcluster's I/O thread").contains("call it from the main thread, an event listener or a thread"
                        + " of your own");
            }
        }
    }

    /**
     * The worker sends 2 MB messages until the primary's disconnect closes its channel under it; some are
     * written, the rest fail. Each must report through its callback exactly once, though the worker's
     * JVM ends as soon as its main thread does (pending callbacks keep it alive, as in Node).
     */
    @Test
    void everyAcceptedSendReportsExactlyOnceBeforeTheWorkerJvmExits() throws Exception {
        int workers = 3;
        try (TestCluster t = new TestCluster(TestCluster.settings("send-until-disconnected", "2000000").silent(true).build())) {
            List<CompletableFuture<List<String>>> outputs = new ArrayList<>();
            List<CompletableFuture<ExitStatus>> exits = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                Worker w = t.fork();
                outputs.add(linesOf(w.process().orElseThrow()));
                exits.add(exitOf(w));
                AtomicBoolean asked = new AtomicBoolean();
                w.on(WorkerEvent.MESSAGE, m -> {
                    if (asked.compareAndSet(false, true)) {
                        w.disconnect(); // with the worker's sends still queued behind it
                    }
                });
            }
            for (int i = 0; i < workers; i++) {
                assertThat(await(exits.get(i))).isEqualTo(ExitStatus.ofCode(0));
                List<String> lines = await(outputs.get(i));
                Map<Integer, Integer> callbacks = new HashMap<>();
                List<Integer> sent = new ArrayList<>();
                for (String line : lines) {
                    String[] words = line.split(" ");
                    if (words[0].equals("sent")) {
                        sent.add(Integer.parseInt(words[1]));
                    } else if (words[0].equals("callback")) {
                        callbacks.merge(Integer.parseInt(words[1]), 1, Integer::sum);
                    }
                }
                assertThat(lines).as("worker %d's output", i + 1).anyMatch(l -> l.startsWith("refused "));
                assertThat(sent).as("worker %d sent something", i + 1).isNotEmpty();
                for (int n : sent) {
                    assertThat(callbacks.get(n)).as("callbacks of worker %d's send %d", i + 1, n).isEqualTo(1);
                }
                assertThat(callbacks.keySet()).as("no callback without a send").allMatch(sent::contains);
            }
        }
    }

    /** Reads a silent worker's standard output to its end, on a thread of its own (the pipe must not fill). */
    private static CompletableFuture<List<String>> linesOf(Process process) {
        CompletableFuture<List<String>> all = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            List<String> lines = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
                all.complete(lines);
            } catch (Exception e) {
                all.completeExceptionally(e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        return all;
    }

    @Test
    void aGracefulDisconnectIsAnnouncedInsideTheWorkerOnceItsServersTakeNoMoreConnections() throws Exception {
        try (TestCluster t = new TestCluster("announce-disconnecting")) {
            Worker w = t.fork();
            long port = (Long) ((Map<?, ?>) await(nextMessage(w))).get("port");
            CompletableFuture<ExitStatus> exit = exitOf(w);
            List<Object> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
            w.on(WorkerEvent.MESSAGE, messages::add);
            CompletableFuture<Object> took = nextMessage(w);
            try (SocketChannel held = SocketChannel.open(new InetSocketAddress("127.0.0.1", (int) port))) {
                assertThat(await(took)).isEqualTo("took"); // the worker holds it
                CompletableFuture<Object> announced = nextMessage(w);
                w.disconnect();
                assertThat(await(announced)).isEqualTo("disconnecting, server open: false");
                assertThat(exit).as("the held connection keeps the worker").isNotDone();
            } // the client leaves: the disconnect completes
            assertThat(await(exit)).isEqualTo(ExitStatus.ofCode(0));
            assertThat(messages).containsExactly("took", "disconnecting, server open: false");
        }
    }
}
