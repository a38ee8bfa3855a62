package org.jcluster.metrics.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.testkit.WorkerJvms.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.jcluster.api.Cluster;
import org.jcluster.api.Worker;
import org.jcluster.metrics.micrometer.PrometheusText.Family;
import org.junit.jupiter.api.Test;

/** jcluster's per-worker figures in the primary's own registry, with real worker JVMs. */
class WorkerStatsBinderTest {
    private static final Cluster cluster = Cluster.get();

    @Test
    void eachWorkersFiguresAreMetersNamedAsTheScrapesSeries_andAGoneWorkersMetersGoWithIt() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Worker a = null;
        Worker b = null;
        // A refresh only when the test asks for one.
        WorkerStatsBinder binder = WorkerStatsBinder.of(cluster, Duration.ofMinutes(10));
        try (MetersWorkers workers = new MetersWorkers(cluster)) {
            a = cluster.fork();
            b = cluster.fork();
            workers.await(a, "ready");
            workers.await(b, "ready");
            binder.bindTo(registry);
            await(binder.refresh(), "a refresh");

            for (Worker w : List.of(a, b)) {
                String tag = Integer.toString(w.id());
                assertThat(registry.get("jcluster.worker.messages.received").tag("worker", tag).functionCounter().count())
                        .isEqualTo(1); // "ready"
                assertThat(registry.get("jcluster.worker.heap.used").tag("worker", tag).gauge().value()).isPositive();
            }
            assertThat(registry.get("jcluster.workers").gauge().value()).isEqualTo(2);

            // The same families, names and types as the scrape's own jcluster series (but the scrape's own two).
            List<Family> bound = PrometheusText.parse(registry.scrape());
            List<Family> scraped = PrometheusText.parse(await(ClusterScraper.of(cluster).scrape(Duration.ofSeconds(10)),
                    "a scrape"));
            assertThat(jclusterFamilies(bound)).isEqualTo(jclusterFamilies(scraped)).contains(
                    "jcluster_worker_messages_sent counter", "jcluster_worker_resident_memory_bytes gauge",
                    "jcluster_worker_cpu_seconds counter", "jcluster_workers gauge");

            MetersWorkers.end(cluster, b);
            await(binder.refresh(), "a refresh after a worker left");
            assertThat(registry.find("jcluster.worker.messages.received").tag("worker", Integer.toString(b.id())).meters())
                    .isEmpty();
            assertThat(registry.get("jcluster.workers").gauge().value()).isEqualTo(1);
            binder.close();
            assertThat(registry.find("jcluster.worker.messages.received").meters()).isEmpty();
        } finally {
            binder.close();
            MetersWorkers.end(cluster, a);
            MetersWorkers.end(cluster, b);
        }
    }

    private static Set<String> jclusterFamilies(List<Family> families) {
        Set<String> names = new TreeSet<>();
        for (Family f : families) {
            if (f.name().startsWith("jcluster_") && !f.name().equals("jcluster_worker_info")
                    && !f.name().equals("jcluster_scrape_worker_errors")) {
                names.add(f.name() + " " + f.type());
            }
        }
        return names;
    }

}
