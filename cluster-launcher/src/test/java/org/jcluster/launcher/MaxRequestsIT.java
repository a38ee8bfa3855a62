package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.launcher.Clients.freeTcpPort;
import static org.jcluster.launcher.Clients.get;
import static org.jcluster.launcher.Clients.pidIn;
import static org.jcluster.launcher.Clients.workersOf;
import static org.jcluster.launcher.Jcluster.APPS;
import static org.jcluster.launcher.Jcluster.APPS_CLASS_PATH;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.jcluster.launcher.Clients.ClientLoop;
import org.junit.jupiter.api.Test;

/**
 * {@code run --max-requests N}: the agent counts the connections the unmodified program accepts, the
 * supervisor reads the count at each ping and replaces a worker past the limit through the reload path
 * (its replacement ready first, the old one draining), so a client loses nothing.
 */
class MaxRequestsIT {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final int LIMIT = 20;
    /** "jcluster supervisor: recycling worker 2 (pid 31543): 24 connections, limit 20" */
    private static final Pattern RECYCLING = Pattern.compile(
            "jcluster supervisor: recycling worker (\\d+) \\(pid (\\d+)\\): (\\d+) connections, limit (\\d+)");

    @Test
    void aWorkerPastMaxRequestsIsReplacedWithNoFailedRequest() throws Exception {
        int port = freeTcpPort();
        String name = "it-max-requests";
        // run has no option for the jitter (each worker's limit raised by up to 10% by default, so that workers
        // do not recycle together): the primary reads it, as every supervisor setting, from its environment.
        // 0 makes each worker's limit exactly --max-requests. Limits are checked at each ping: every second here.
        Map<String, String> env = Map.of("JCLUSTER_SUPERVISOR_RECYCLE_JITTER", "0",
                "JCLUSTER_SUPERVISOR_PING_INTERVAL", "1s");
        try (Jcluster run = Jcluster.start(env, "run", "--workers", "2", "--max-requests", Integer.toString(LIMIT),
                "--drain-timeout", "5s", "--name", name, "-cp", APPS_CLASS_PATH, APPS + "JdkHttpHello",
                Integer.toString(port))) {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] listening on " + port), 2, START, "both workers listening");
            Set<Long> before = pidsOf(workersOf(name, COMMAND));
            assertThat(before).hasSize(2);
            assertThat(run.output()).contains("pinged every 1s"); // the environment reached the supervisor

            ClientLoop load = ClientLoop.start(port); // a new connection per GET
            long recycledPid;
            int counted;
            try {
                Matcher recycling = RECYCLING.matcher(run.awaitLine(l -> RECYCLING.matcher(l).find(), START,
                        "a worker recycled"));
                assertThat(recycling.find()).isTrue();
                recycledPid = Long.parseLong(recycling.group(2));
                counted = Integer.parseInt(recycling.group(3));
                // The recycle is over when the old worker has gone; the client loop runs through all of it.
                Optional<ProcessHandle> old = ProcessHandle.of(recycledPid);
                if (old.isPresent()) {
                    old.get().onExit().get(COMMAND.toSeconds(), TimeUnit.SECONDS);
                }
            } finally {
                load.stop();
            }
            System.out.printf("--max-requests %d: worker pid %d recycled at %d connections; %d requests answered, %d"
                    + " failed, by the client loop through it; supervisor lines:%n%s%n", LIMIT, recycledPid, counted,
                    load.answered(), load.failures().size(), run.linesMatching(l -> RECYCLING.matcher(l).find()).stream()
                            .map(Jcluster.Line::text).collect(Collectors.joining("\n")));

            assertThat(load.failures()).as("failed requests through the recycle").isEmpty();
            assertThat(before).as("the recycled worker is one of the first two").contains(recycledPid);
            // The agent counted the program's own accepts: the count the supervisor read passed the limit.
            assertThat(counted).isGreaterThanOrEqualTo(LIMIT);
            assertThat(load.answered()).isGreaterThanOrEqualTo(LIMIT);
            // Every recycle the primary named had the limit given, not a jittered one.
            assertThat(run.linesMatching(l -> RECYCLING.matcher(l).find())).extracting(Jcluster.Line::text)
                    .allMatch(l -> l.endsWith("limit " + LIMIT));

            // A new pid answers, and status counts the replacement in its slot's restarts.
            long deadline = System.nanoTime() + COMMAND.toNanos();
            long newPid = -1;
            while (newPid < 0 && System.nanoTime() < deadline) {
                long pid = pidIn(get(port));
                if (!before.contains(pid)) {
                    newPid = pid;
                }
            }
            assertThat(newPid).as("a pid that was not among " + before + " answering").isPositive();
            long answeringPid = newPid;
            List<Map<String, Object>> workers = workersOf(name, COMMAND);
            assertThat(workers).as("status after the recycle: %s", workers)
                    .anySatisfy(w -> {
                        assertThat(((Number) w.get("pid")).longValue()).isEqualTo(answeringPid);
                        assertThat(((Number) w.get("restarts")).longValue()).isGreaterThanOrEqualTo(1);
                        assertThat(w.get("state")).isEqualTo("online");
                    });
            assertThat(Jcluster.alive(recycledPid)).isFalse();

            System.out.println("the primary's output:\n" + run.output());
            Jcluster.Result stop = Jcluster.run(COMMAND, "stop", "--name", name);
            assertThat(stop.status()).as(stop.output()).isZero();
            assertThat(run.awaitExit(COMMAND)).as(run.output()).isZero();
        }
    }

    private static Set<Long> pidsOf(List<Map<String, Object>> workers) {
        Set<Long> pids = new HashSet<>();
        workers.forEach(w -> pids.add(((Number) w.get("pid")).longValue()));
        return pids;
    }
}
