package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the launcher's tests do as clients of a running cluster: GET over a new connection, find the pid a
 * worker answered with, see which workers answer, ask {@code status}, and keep a client loop running through
 * a reload. The servers answer "pid N" on every GET.
 */
final class Clients {
    private static final Pattern PID = Pattern.compile("pid (\\d+)");

    private Clients() {
    }

    /** GETs until two worker pids have answered (each request on a new connection), within a deadline. */
    static Set<Long> pidsAnswering(int port) throws Exception {
        Set<Long> pids = new HashSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (pids.size() < 2 && System.nanoTime() < deadline) {
            pids.add(pidIn(get(port)));
        }
        assertThat(pids).as("worker pids answering on port " + port).hasSize(2);
        return pids;
    }

    /** One GET on a new connection ({@code Connection: close}); the body. */
    static String get(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!response.startsWith("HTTP/1.1 200")) {
                throw new IOException("not a 200 answer: " + response);
            }
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    static long pidIn(String text) {
        Matcher m = PID.matcher(text);
        assertThat(m.find()).as("a pid in '" + text + "'").isTrue();
        return Long.parseLong(m.group(1));
    }

    /** {@code bin/jcluster status --name NAME --json}: one map per worker (id, pid, state, ...). */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> workersOf(String name, Duration timeout) throws Exception {
        Jcluster.Result status = Jcluster.run(timeout, "status", "--name", name, "--json");
        assertThat(status.status()).as(status.output()).isZero();
        Map<String, Object> document = (Map<String, Object>) ControlClient.parse(status.output());
        return (List<Map<String, Object>>) document.get("workers");
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    static Set<Long> union(Set<Long> a, Set<Long> b) {
        Set<Long> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    /** GETs one after another, each on a new connection, until stopped: the bounded client loop. */
    static final class ClientLoop {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger answered = new AtomicInteger();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final Thread thread;

        private ClientLoop(int port) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        get(port);
                        answered.incrementAndGet();
                    } catch (IOException e) {
                        failures.add(e.toString());
                    }
                }
            }, "client-loop");
        }

        static ClientLoop start(int port) {
            ClientLoop loop = new ClientLoop(port);
            loop.thread.start();
            return loop;
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(Duration.ofSeconds(30).toMillis());
        }

        int answered() {
            return answered.get();
        }

        List<String> failures() {
            return List.copyOf(failures);
        }
    }
}
