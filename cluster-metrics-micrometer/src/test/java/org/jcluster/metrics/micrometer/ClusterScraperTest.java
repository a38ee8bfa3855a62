package org.jcluster.metrics.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.metrics.micrometer.PrometheusText.value;
import static org.jcluster.testkit.WorkerJvms.await;

import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.jcluster.api.Cluster;
import org.jcluster.api.Worker;
import org.jcluster.metrics.micrometer.PrometheusText.Family;
import org.junit.jupiter.api.Test;

/**
 * The scrape of a cluster without a supervisor, this test JVM being the primary and two real worker JVMs
 * sharing a {@code SimpleMeterRegistry} each: labels are worker ids.
 */
class ClusterScraperTest {
    private static final Cluster cluster = Cluster.get();

    @Test
    void bothWorkersMetersAndFiguresUnderTheirIds_namedAsMicrometersPrometheusRegistry_aSilentWorkerLeftOut()
            throws Exception {
        Worker a = null;
        Worker b = null;
        try (MetersWorkers workers = new MetersWorkers(cluster)) {
            a = cluster.fork();
            b = cluster.fork();
            workers.await(a, "ready");
            workers.await(b, "ready");
            a.send("count 7");
            b.send("count 3");
            workers.await(a, "counted 7");
            workers.await(b, "counted 3");

            ClusterScraper scraper = ClusterScraper.of(cluster);
            String text = await(scraper.scrape(Duration.ofSeconds(10)), "a scrape");
            List<Family> families = PrometheusText.parse(text);
            for (Worker w : List.of(a, b)) {
                Map<String, String> worker = Map.of("worker", Integer.toString(w.id()));
                assertThat(value(families, "test_requests_total", Map.of("worker", Integer.toString(w.id()),
                        "path", AllMeters.AWKWARD_PATH))).as(text).isEqualTo(w == a ? 7 : 3);
                // jcluster's own figures: one message each way from the test, "ready" and "counted N" back.
                assertThat(value(families, "jcluster_worker_messages_sent_total", worker)).isEqualTo(1);
                assertThat(value(families, "jcluster_worker_messages_received_total", worker)).isEqualTo(2);
                assertThat(value(families, "jcluster_worker_resident_memory_bytes", worker)).isGreaterThan(1 << 20);
                assertThat(value(families, "jcluster_worker_heap_used_bytes", worker)).isPositive();
                assertThat(value(families, "jcluster_worker_gc_seconds_total", worker)).isNotNegative();
                assertThat(value(families, "jcluster_worker_connections_total", worker)).isZero();
                assertThat(value(families, "jcluster_worker_info", Map.of("worker", Integer.toString(w.id()),
                        "pid", Long.toString(w.pid())))).isEqualTo(1);
                assertThat(value(families, "test_latency_seconds_sum", worker)).isEqualTo(1.5);
                // A histogram's buckets, whose counts add up across workers: 50 is above 10, within 100.
                assertThat(value(families, "test_sizes_bucket", Map.of("worker", Integer.toString(w.id()), "le", "10.0")))
                        .isZero();
                assertThat(value(families, "test_sizes_bucket", Map.of("worker", Integer.toString(w.id()), "le", "100.0")))
                        .isEqualTo(1);
                assertThat(value(families, "test_sizes_bucket", Map.of("worker", Integer.toString(w.id()), "le", "+Inf")))
                        .isEqualTo(1);
                assertThat(value(families, "test_histogram_seconds_bucket", Map.of("worker", Integer.toString(w.id()),
                        "le", "0.1"))).isEqualTo(1);
                assertThat(value(families, "test_histogram_seconds_count", worker)).isEqualTo(1);
                assertThat(value(families, "test_age_seconds", worker)).isEqualTo(2.5);
                assertThat(value(families, "test_unknown", worker)).isNaN();
                assertThat(value(families, "test_tagged_total", Map.of("worker", Integer.toString(w.id()),
                        "exported_worker", "mine"))).isEqualTo(2);
            }
            assertThat(value(families, "jcluster_workers", Map.of())).isEqualTo(2);
            assertThat(value(families, "jcluster_scrape_worker_errors", Map.of())).isZero();
            assertThat(text).contains("# HELP test_requests_total Requests answered, \"all\" of them\\\\\\nsee docs");

            // Micrometer's Prometheus registry, given the same meters, names and types them the same way.
            PrometheusMeterRegistry micrometers = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            AllMeters.register(micrometers);
            assertThat(shapes(PrometheusText.parse(text))).isEqualTo(shapes(PrometheusText.parse(micrometers.scrape())));

            // A worker whose event thread is stuck cannot answer: it is left out, the scrape still answers.
            b.send("block");
            workers.await(b, "blocking");
            String partial = await(scraper.scrape(Duration.ofMillis(500)), "a scrape with a silent worker");
            List<Family> left = PrometheusText.parse(partial);
            assertThat(value(left, "jcluster_scrape_worker_errors", Map.of())).isEqualTo(1);
            assertThat(partial).contains("# jcluster: worker " + b.id() + " (id " + b.id() + ", pid " + b.pid()
                    + ") left out of this scrape: no answer in time");
            assertThat(value(left, "test_requests_total", Map.of("worker", Integer.toString(a.id())))).isEqualTo(7);
            assertThat(partial).doesNotContain("test_requests_total{worker=\"" + b.id() + "\"");
            assertThat(value(left, "jcluster_worker_messages_sent_total", Map.of("worker", Integer.toString(b.id()))))
                    .as("the primary's own figures of it are still there").isEqualTo(2);
        } finally {
            MetersWorkers.end(cluster, a);
            MetersWorkers.end(cluster, b);
        }
    }

    @Test
    void eachSharedServersFiguresWithTheHandOffHistogram_andWhatEachWorkersShareTook() throws Exception {
        Worker a = null;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        WorkerStatsBinder binder = WorkerStatsBinder.of(cluster, Duration.ofMinutes(10)); // refreshed when asked
        try (MetersWorkers workers = new MetersWorkers(cluster)) {
            assertThat(cluster.schedulingPolicy()).isEqualTo("rr");
            a = cluster.fork();
            workers.await(a, "ready");
            a.send("listen");
            String server = workers.awaitStartingWith(a, "listening ");
            int port = Integer.parseInt(server.substring(server.lastIndexOf(':') + 1));
            for (int i = 0; i < 3; i++) {
                new Socket("127.0.0.1", port).close();
            }
            workers.await(a, "took", 3);

            String text = await(ClusterScraper.of(cluster).scrape(Duration.ofSeconds(10)), "a scrape");
            List<Family> families = PrometheusText.parse(text);
            Map<String, String> ofServer = Map.of("server", server);
            assertThat(value(families, "jcluster_server_connections_accepted_total", ofServer)).as(text).isEqualTo(3);
            assertThat(value(families, "jcluster_server_connections_dealt_total", ofServer)).isEqualTo(3);
            assertThat(value(families, "jcluster_server_connections_refused_total", ofServer)).isZero();
            assertThat(value(families, "jcluster_server_dispatch_waiting", ofServer)).isZero();
            assertThat(value(families, "jcluster_server_dispatch_in_flight", ofServer)).isZero();
            assertThat(families).filteredOn(f -> f.name().equals("jcluster_server_handoff_seconds"))
                    .singleElement().satisfies(f -> assertThat(f.type()).isEqualTo("histogram"));
            assertThat(value(families, "jcluster_server_handoff_seconds_count", ofServer)).isEqualTo(3);
            assertThat(value(families, "jcluster_server_handoff_seconds_bucket", Map.of("server", server, "le", "+Inf")))
                    .isEqualTo(3);
            assertThat(value(families, "jcluster_server_handoff_seconds_sum", ofServer)).isPositive();
            assertThat(value(families, "jcluster_worker_server_connections_total",
                    Map.of("worker", Integer.toString(a.id()), "server", server))).isEqualTo(3);

            binder.bindTo(registry);
            await(binder.refresh(), "a refresh");
            assertThat(registry.get("jcluster.server.connections.accepted").tag("server", server).functionCounter().count())
                    .isEqualTo(3);
            assertThat(registry.get("jcluster.server.handoff").tag("server", server).functionTimer().count()).isEqualTo(3);
            assertThat(registry.get("jcluster.worker.server.connections").tag("server", server)
                    .tag("worker", Integer.toString(a.id())).functionCounter().count()).isEqualTo(3);
        } finally {
            binder.close();
            MetersWorkers.end(cluster, a);
        }
    }

    /** Each family of the program's meters: name, type, and its samples' names with their label names. */
    private static Set<String> shapes(List<Family> families) {
        Set<String> shapes = new TreeSet<>();
        for (Family f : families) {
            if (f.name().startsWith("jcluster_") || f.name().equals("test_tagged")) {
                continue; // test_tagged: its "worker" tag is exported_worker here, on purpose (asserted above)
            }
            shapes.add(f.name() + " " + f.type() + " " + f.samples().stream()
                    .map(s -> s.name() + s.labels().keySet().stream().filter(k -> !k.equals("worker"))
                            .collect(Collectors.toCollection(TreeSet::new)))
                    .collect(Collectors.toCollection(TreeSet::new)));
        }
        return shapes;
    }

}
