package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.launcher.Clients.freeTcpPort;
import static org.jcluster.launcher.Clients.get;
import static org.jcluster.launcher.Clients.pidIn;
import static org.jcluster.launcher.Jcluster.APPS;
import static org.jcluster.launcher.Jcluster.APPS_CLASS_PATH;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * {@code bin/jcluster run --metrics-port}: an unmodified program counting its requests with Micrometer's
 * global registry (examples-unmodified's MeteredHello, no jcluster import), its two workers' counters in
 * one Prometheus endpoint, read by the agent in each worker, and carried over a reload.
 */
class MetricsIT {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final Pattern HELLO = Pattern.compile("(?m)^hello_requests_total\\{worker=\"(\\d+)\"} (\\d+)$");
    private static final Pattern CONNECTIONS = Pattern.compile("(?m)^jcluster_worker_connections_total\\{worker=\"(\\d+)\"} (\\d+)$");

    @Test
    void theEndpointCarriesBothWorkersCountersUnderSlotLabels_continuingAcrossAReload_andRefusesAllButGetMetrics() throws Exception {
        int port = freeTcpPort();
        int metricsPort = freeTcpPort();
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--name", "it-metrics", "--metrics-port",
                Integer.toString(metricsPort), "-cp", APPS_CLASS_PATH, APPS + "MeteredHello", Integer.toString(port))) {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] listening on " + port), 2, START, "both workers listening");
            run.awaitLine(l -> l.contains("metrics at http://127.0.0.1:" + metricsPort + "/metrics"), START,
                    "the metrics address");

            Set<Long> pids = new HashSet<>();
            int answered = getUntilBothAnswer(port, pids);

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            URI metrics = URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
            HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(metrics).timeout(COMMAND).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).as(scrape.body()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            String text = scrape.body();
            assertThat(text).contains("# TYPE hello_requests_total counter");
            Map<String, Long> hello = samplesByWorker(HELLO, text);
            assertThat(hello.keySet()).as(text).containsExactlyInAnyOrder("1", "2");
            assertThat(hello.values()).as(text).allMatch(n -> n >= 1);
            assertThat(sum(hello)).as(text).isEqualTo(answered);
            // The agent counted the same connections for jcluster's own figure.
            assertThat(sum(samplesByWorker(CONNECTIONS, text))).as(text).isEqualTo(answered);
            assertThat(text).contains("jcluster_workers 2").contains("jcluster_scrape_worker_errors 0")
                    .contains("jcluster_worker_restarts_total{worker=\"1\"} 0");

            // A reload replaces both workers, whose counts start again from zero: each slot's counter goes on.
            Jcluster.Result reload = Jcluster.run(COMMAND, "reload", "--name", "it-metrics");
            assertThat(reload.status()).as(reload.output()).isZero();
            Set<Long> newPids = new HashSet<>();
            int answeredAfter = getUntilBothAnswer(port, newPids);
            assertThat(newPids).doesNotContainAnyElementsOf(pids);
            pids.addAll(newPids);
            String afterReload = http.send(HttpRequest.newBuilder(metrics).timeout(COMMAND).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Map<String, Long> helloAfter = samplesByWorker(HELLO, afterReload);
            assertThat(helloAfter.keySet()).as(afterReload).containsExactlyInAnyOrder("1", "2");
            for (String slot : hello.keySet()) {
                assertThat(helloAfter.get(slot)).as("slot " + slot + "\n" + afterReload).isGreaterThan(hello.get(slot));
            }
            assertThat(sum(helloAfter)).as(afterReload).isEqualTo(answered + answeredAfter);
            assertThat(afterReload).contains("jcluster_worker_restarts_total{worker=\"1\"} 1")
                    .contains("jcluster_worker_restarts_total{worker=\"2\"} 1");

            HttpResponse<String> post = http.send(HttpRequest.newBuilder(metrics)
                    .POST(HttpRequest.BodyPublishers.ofString("x")).timeout(COMMAND).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET");
            HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/other"))
                    .timeout(COMMAND).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(404);

            Jcluster.Result stop = Jcluster.run(COMMAND, "stop", "--name", "it-metrics");
            assertThat(stop.status()).as(stop.output()).isZero();
            assertThat(run.awaitExit(COMMAND)).as(run.output()).isZero();
            for (long pid : pids) {
                assertThat(Jcluster.alive(pid)).as("worker pid " + pid + " after stop").isFalse();
            }
            try (ServerSocket again = new ServerSocket()) {
                again.bind(new InetSocketAddress("127.0.0.1", metricsPort)); // the endpoint went with the primary
            }
            assertThat(run.output().lines().filter(l -> l.contains("WARNING") || l.contains("Exception")))
                    .as(run.output()).isEmpty();
        }
    }

    @Test
    void aMetricsPortInUseExitsWithTwoNamingTheOptionAndTheFix() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            Jcluster.Result run = Jcluster.run(START, "run", "--workers", "1", "--name", "it-metrics-busy",
                    "--metrics-port", Integer.toString(port), "-cp", APPS_CLASS_PATH, APPS + "MeteredHello", "0");
            assertThat(run.status()).as(run.output()).isEqualTo(2);
            assertThat(run.output()).contains("--metrics-port " + port + ": the port is in use; give a free port")
                    .doesNotContain("listening on");
            Jcluster.Result badPort = Jcluster.run(COMMAND, "run", "--metrics-port", "70000", "-cp", ".", "Main");
            assertThat(badPort.status()).isEqualTo(2);
            assertThat(badPort.output()).contains("--metrics-port 70000: write a TCP port from 1 to 65535");
        }
    }

    /** GETs on new connections until both workers answered (their pids into {@code pids}), and at least 20. */
    private static int getUntilBothAnswer(int port, Set<Long> pids) throws Exception {
        int answered = 0;
        long deadline = System.nanoTime() + START.toNanos();
        while ((pids.size() < 2 || answered < 20) && System.nanoTime() < deadline) {
            pids.add(pidIn(get(port)));
            answered++;
        }
        assertThat(pids).as("workers answering").hasSize(2);
        return answered;
    }

    private static long sum(Map<String, Long> values) {
        return values.values().stream().mapToLong(Long::longValue).sum();
    }

    private static Map<String, Long> samplesByWorker(Pattern pattern, String text) {
        Map<String, Long> values = new HashMap<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            values.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return values;
    }
}
