package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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

    /**
     * Which listening TCP sockets on {@code port} each process holds, by socket inode: from
     * /proc/net/tcp{,6} (the listening sockets and their inodes) and /proc/PID/fd (who holds which).
     * Under "none" every worker holds the one socket the primary bound; under "reuseport" each its own.
     */
    static Map<Long, Set<String>> listeningSocketsHeld(int port, Set<Long> pids) throws IOException {
        Set<String> listening = new HashSet<>();
        String hexPort = String.format(":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(hexPort) && f[3].equals("0A")) { // 0A: LISTEN
                    listening.add(f[9]);
                }
            }
        }
        Map<Long, Set<String>> held = new HashMap<>();
        for (long pid : pids) {
            Set<String> inodes = new HashSet<>();
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
                for (Path fd : fds) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString(); // socket:[12345]
                        if (target.startsWith("socket:[")) {
                            String inode = target.substring(8, target.length() - 1);
                            if (listening.contains(inode)) {
                                inodes.add(inode);
                            }
                        }
                    } catch (IOException closedMeanwhile) {
                        // a descriptor closed while listed
                    }
                }
            }
            held.put(pid, inodes);
        }
        return held;
    }

    /** GETs until two worker pids have answered (each request on a new connection), within a deadline. */
    static Set<Long> pidsAnswering(int port) throws Exception {
        return pidsAnswering(InetAddress.getLoopbackAddress(), port);
    }

    /** As {@link #pidsAnswering(int)}, over {@code address} (127.0.0.1 or ::1). */
    static Set<Long> pidsAnswering(InetAddress address, int port) throws Exception {
        Set<Long> pids = new HashSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (pids.size() < 2 && System.nanoTime() < deadline) {
            pids.add(pidIn(get(address, port)));
        }
        assertThat(pids).as("worker pids answering on " + address + " port " + port).hasSize(2);
        return pids;
    }

    /** One GET on a new connection ({@code Connection: close}); the body. */
    static String get(int port) throws IOException {
        return get(InetAddress.getLoopbackAddress(), port);
    }

    static String get(InetAddress address, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
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
        return (List<Map<String, Object>>) statusOf(name, timeout).get("workers");
    }

    /** {@code status --json}'s answer. */
    static Map<String, Object> statusOf(String name, Duration timeout) throws Exception {
        Jcluster.Result status = Jcluster.run(timeout, "status", "--name", name, "--json");
        assertThat(status.status()).as(status.output()).isZero();
        return (Map<String, Object>) ControlClient.parse(status.output());
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
