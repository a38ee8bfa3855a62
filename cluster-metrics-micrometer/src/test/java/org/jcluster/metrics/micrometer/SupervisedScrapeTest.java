package org.jcluster.metrics.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.metrics.micrometer.PrometheusText.value;
import static org.jcluster.testkit.WorkerJvms.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.jcluster.api.Cluster;
import org.jcluster.api.Worker;
import org.jcluster.metrics.micrometer.PrometheusText.Family;
import org.jcluster.metrics.micrometer.PrometheusText.Sample;
import org.jcluster.supervisor.ReloadReport;
import org.jcluster.supervisor.ShutdownReport;
import org.jcluster.supervisor.SupervisedWorker;
import org.jcluster.supervisor.Supervisor;
import org.jcluster.supervisor.SupervisorSettings;
import org.junit.jupiter.api.Test;

/**
 * The scrape of a supervised cluster: the worker label is the slot, and cumulative series continue
 * across a reload, which replaces every worker with one counting from zero, with what each replaced worker
 * counted after the last scrape.
 */
class SupervisedScrapeTest {
    private static final Cluster cluster = Cluster.get();

    @Test
    void eachSlotsCounterContinuesAcrossAReloadAndNoCumulativeSeriesGoesDown() throws Exception {
        try (MetersWorkers workers = new MetersWorkers(cluster)) {
            Supervisor supervisor = Supervisor.create(cluster, SupervisorSettings.builder()
                    .overridesFrom(new Properties(), Map.of()).handleSignals(false).exitAfterShutdown(false)
                    .workers(2).build());
            try {
                supervisor.start();
                ClusterScraper scraper = ClusterScraper.of(supervisor);

                List<Worker> first = count(workers, supervisor, 5, 7);
                String before = await(scraper.scrape(Duration.ofSeconds(10)), "a scrape");
                List<Family> b = PrometheusText.parse(before);
                assertThat(value(b, "test_requests_total", Map.of("worker", "1"))).as(before).isEqualTo(5);
                assertThat(value(b, "test_requests_total", Map.of("worker", "2"))).isEqualTo(7);
                assertThat(value(b, "jcluster_worker_restarts_total", Map.of("worker", "1"))).isZero();
                assertThat(value(b, "jcluster_worker_info", Map.of("worker", "1", "id", Integer.toString(first.get(0).id()))))
                        .isEqualTo(1);

                // Counted after the last scrape: the scraper's last look at each replaced worker keeps these.
                assertThat(count(workers, supervisor, 2, 1)).isEqualTo(first);
                ReloadReport reload = await(supervisor.reload(), "the reload");
                assertThat(reload.done()).as(reload.message()).isTrue();
                List<Worker> second = count(workers, supervisor, 3, 4);
                assertThat(second).doesNotContainAnyElementsOf(first);

                String after = await(scraper.scrape(Duration.ofSeconds(10)), "a scrape after the reload");
                List<Family> a = PrometheusText.parse(after);
                assertThat(value(a, "test_requests_total", Map.of("worker", "1"))).as(after).isEqualTo(5 + 2 + 3);
                assertThat(value(a, "test_requests_total", Map.of("worker", "2"))).isEqualTo(7 + 1 + 4);
                assertThat(value(a, "jcluster_worker_restarts_total", Map.of("worker", "1"))).isEqualTo(1);
                assertThat(value(a, "jcluster_worker_info", Map.of("worker", "1", "id", Integer.toString(second.get(0).id()))))
                        .isEqualTo(1);
                // Every counter, and every summary's count and sum, of every slot: none went down. (Not the long
                // task timer's: its count and sum are the tasks running now, which end with their worker.)
                for (Family f : b) {
                    if (!List.of("counter", "summary", "histogram").contains(f.type()) || f.name().equals("test_jobs_seconds")) {
                        continue;
                    }
                    for (Sample s : f.samples()) {
                        assertThat(value(a, s.name(), s.labels())).as(s.name() + s.labels() + " after the reload\n" + after)
                                .isGreaterThanOrEqualTo(s.value());
                    }
                }
                // The replacements started from zero: the scrape carried the slot's earlier counts over.
                assertThat(value(a, "jcluster_worker_messages_received_total", Map.of("worker", "1")))
                        .as("ready and counted twice from the first worker, ready and counted from the second").isEqualTo(5);
            } finally {
                ShutdownReport report = await(supervisor.shutdown(Duration.ofSeconds(20)), "the shutdown");
                assertThat(report.killed()).isEmpty();
            }
        }
    }

    /** Waits for both slots' workers to be ready, then has them count {@code n1} and {@code n2}. */
    private static List<Worker> count(MetersWorkers workers, Supervisor supervisor, int n1, int n2) throws Exception {
        List<Worker> ready = readyWorkers(workers, supervisor);
        ready.get(0).send("count " + n1);
        ready.get(1).send("count " + n2);
        workers.await(ready.get(0), "counted " + n1);
        workers.await(ready.get(1), "counted " + n2);
        return ready;
    }

    /**
     * The slots' workers, in slot order, once each said "ready". The supervisor forks a slot's worker before
     * it answers a snapshot asked after start(), and a reload ends with the replacements in their slots.
     */
    private static List<Worker> readyWorkers(MetersWorkers workers, Supervisor supervisor) throws Exception {
        List<Worker> slots = new ArrayList<>();
        for (SupervisedWorker position : await(supervisor.workers(), "the supervisor's slots")) {
            slots.add(position.worker().orElseThrow(() -> new AssertionError("slot " + position.slot() + " has no worker: "
                    + position)));
        }
        for (Worker w : slots) {
            workers.await(w, "ready");
        }
        assertThat(slots).hasSize(2);
        return slots;
    }
}
