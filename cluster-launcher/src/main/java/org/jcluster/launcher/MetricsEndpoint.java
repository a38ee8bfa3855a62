package org.jcluster.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.jcluster.metrics.micrometer.ClusterScraper;

/**
 * {@code run --metrics-port P}: the whole cluster's Prometheus exposition at
 * {@code http://127.0.0.1:P/metrics}, scraped from the workers at each GET. Loopback only: the figures
 * name processes and the program's own meters, and whoever scrapes runs on this machine or through a
 * proxy of the operator's choosing.
 */
final class MetricsEndpoint implements AutoCloseable {
    static final String PATH = "/metrics";
    /** How long each worker has to answer a scrape; Prometheus's own scrape timeout is 10s by default. */
    static final Duration WORKER_TIMEOUT = Duration.ofSeconds(2);

    private final HttpServer server;
    private final ExecutorService threads;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MetricsEndpoint(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    /**
     * Serves {@code scraper} on {@code 127.0.0.1:port} (0: any free port).
     *
     * @throws java.net.BindException when the port is taken
     */
    static MetricsEndpoint start(int port, ClusterScraper scraper) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        // Two scrapes at once are plenty (Prometheus sends one at a time); more wait their turn.
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "jcluster-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try {
                answer(exchange, scraper);
            } finally {
                exchange.close();
            }
        });
        server.start();
        return new MetricsEndpoint(server, threads);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, ClusterScraper scraper) throws IOException {
        if (!exchange.getRequestURI().getPath().equals(PATH)) {
            send(exchange, 404, "text/plain; charset=utf-8", "Not found: the metrics are at " + PATH + "\n");
            return;
        }
        if (!exchange.getRequestMethod().equals("GET")) {
            exchange.getResponseHeaders().set("Allow", "GET");
            send(exchange, 405, "text/plain; charset=utf-8", "Method not allowed: GET " + PATH + "\n");
            return;
        }
        String exposition;
        try {
            exposition = scraper.scrape(WORKER_TIMEOUT).get(WORKER_TIMEOUT.toMillis() + 3000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(exchange, 503, "text/plain; charset=utf-8", "The scrape was interrupted\n");
            return;
        } catch (ExecutionException | TimeoutException e) {
            Throwable why = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            send(exchange, 503, "text/plain; charset=utf-8", "The cluster could not be scraped: " + why + "\n");
            return;
        }
        send(exchange, 200, ClusterScraper.CONTENT_TYPE, exposition);
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Stops serving; the shutdown hook and the end of {@code run} both call it. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            threads.shutdownNow();
        }
    }
}
