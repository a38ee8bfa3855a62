package org.jcluster.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.jcluster.testkit.WorkerJvms;

/**
 * The supervisor in a primary JVM of its own ({@link SupervisedMain}), configured the way an operator
 * would (system properties, environment variables), ended by real signals; the test reads the primary's
 * output and exit status, and talks to its workers over loopback.
 */
class SupervisedPrimaryTest {

    @Test
    void aCrashLoopStopsTheRespawningReportsTheStatusesAndThePrimaryExitsNonZeroNamingTheSetting() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of("JCLUSTER_SUPERVISOR_CRASHLOOP_EXITS", "4"),
                List.of("-Djcluster.supervisor.workers=2", "-Djcluster.supervisor.restart.delay=50ms",
                        "-Djcluster.supervisor.crashloop.window=1m", "-Djcluster.supervisor.shutdown.timeout=5s"),
                "crash")) {
            List<String> lines = primary.awaitExit();
            assertThat(primary.process.exitValue()).as("the primary's exit status; it printed %s", lines).isEqualTo(1);

            int loop = indexOf(lines, "event crash-loop ");
            assertThat(lines.get(loop)).isEqualTo("event crash-loop code 7;code 7;code 7;code 7");
            assertThat(lines.subList(0, loop)).filteredOn(l -> l.startsWith("event respawn-scheduled "))
                    .as("a respawn for each exit before the fourth").hasSize(3)
                    .allSatisfy(l -> assertThat(l).contains(" code 7 "));
            assertThat(lines.subList(loop, lines.size())).as("after the crash loop")
                    .noneMatch(l -> l.startsWith("event respawn"));
            assertThat(lines.subList(loop, lines.size())).anyMatch(l -> l.startsWith("event shutdown-started CRASH_LOOP"));

            String last = exitLine(lines);
            assertThat(last).startsWith("jcluster supervisor: exiting with status 1: 4 workers exited unexpectedly within 1m (")
                    .contains("): code 7")
                    .contains("raise jcluster.supervisor.crashloop.exits (environment variable JCLUSTER_SUPERVISOR_CRASHLOOP_EXITS; now 4)")
                    .contains("jcluster.supervisor.crashloop.window");
        }
    }

    @Test
    void sigtermWhileARequestIsInProgressLetsItCompleteAndThePrimaryExitsZero() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=2",
                "-Djcluster.supervisor.shutdown.timeout=20s"), "serve")) {
            int port = primary.sharedPort(2);
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.setSoTimeout((int) WorkerJvms.DEADLINE.toMillis());
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = client.getOutputStream();
                out.write("request\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).startsWith("working ");

                long signalled = System.nanoTime();
                WorkerJvms.signal(primary.pid(), "TERM");
                assertThat(primary.awaitLine("event shutdown-started ")).isEqualTo("event shutdown-started SIGTERM 1,2");
                // The request is still in progress: the worker finishes it after the shutdown began.
                out.write("finish\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).startsWith("done ");
                assertThat(in.readLine()).as("the worker closes the connection").isNull();

                List<String> lines = primary.awaitExit();
                assertThat(primary.process.exitValue()).as("the primary's exit status; it printed %s", lines).isZero();
                assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(20));
                assertThat(lines).contains("event shutdown-done 0 killed=",
                        "jcluster supervisor: SIGTERM: shutting down gracefully; workers still running in 20s get SIGKILL");
                assertThat(exitLine(lines))
                        .startsWith("jcluster supervisor: exiting with status 0: Shutdown (SIGTERM) done in ")
                        .contains("every worker left in time (").contains("worker 1 (pid ").contains("worker 2 (pid ");
            }
        }
    }

    @Test
    void sigintShutsTheServiceDownGracefullyAndThePrimaryExitsZero() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=2"), "serve")) {
            primary.sharedPort(2);
            assumeFalse(primary.ignores(2), "SIGINT is ignored in this test's process tree (a background job of a"
                    + " shell without job control), and a JVM started so never handles it");
            WorkerJvms.signal(primary.pid(), "INT");
            List<String> lines = primary.awaitExit();
            assertThat(primary.process.exitValue()).as("the primary's exit status; it printed %s", lines).isZero();
            assertThat(lines).contains("event shutdown-started SIGINT 1,2", "event shutdown-done 0 killed=");
        }
    }

    @Test
    void aWorkerThatOutlivesItsDisconnectIsKilledAtTheDeadlineAndThePrimaryExitsNonZeroNamingIt() throws Exception {
        Duration deadline = Duration.ofMillis(1500);
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=2",
                "-Djcluster.supervisor.shutdown.timeout=1500ms"), "stubborn")) {
            Map<Integer, Long> pids = new java.util.TreeMap<>();
            int port = primary.sharedPort(2, pids);
            // Worker 1 keeps a non-daemon thread; the worker serving this connection is never told to finish
            // it, so its server never closes. Both must be SIGKILLed at the deadline, and named.
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.setSoTimeout((int) WorkerJvms.DEADLINE.toMillis());
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                client.getOutputStream().write("request\n".getBytes(StandardCharsets.US_ASCII));
                int holder = Integer.parseInt(in.readLine().substring("working ".length()));
                TreeSet<Integer> stubborn = new TreeSet<>(List.of(1, holder));

                long signalled = System.nanoTime();
                WorkerJvms.signal(primary.pid(), "TERM");
                List<String> lines = primary.awaitExit();
                Duration took = Duration.ofNanos(System.nanoTime() - signalled);
                assertThat(primary.process.exitValue()).as("the primary's exit status; it printed %s", lines).isEqualTo(1);
                assertThat(took).isGreaterThanOrEqualTo(deadline);
                assertThat(lines).contains("event shutdown-done 1 killed="
                        + stubborn.stream().map(String::valueOf).collect(Collectors.joining(",")));
                String last = exitLine(lines);
                assertThat(last).startsWith("jcluster supervisor: exiting with status 1: Shutdown (SIGTERM) done in ")
                        .contains("did not exit within the 1.5s deadline and got SIGKILL")
                        .contains("jcluster.supervisor.shutdown.timeout (environment variable"
                                + " JCLUSTER_SUPERVISOR_SHUTDOWN_TIMEOUT; now 1.5s)");
                for (int id : stubborn) {
                    assertThat(last).contains("worker " + id + " (pid " + pids.get(id) + ")");
                    assertThat(PrimaryJvm.hasExited(pids.get(id))).as("worker " + id + " is gone").isTrue();
                }
                if (stubborn.size() == 1) {
                    assertThat(last).contains("1 left in time");
                }
            }
        }
    }

    /** Waits until {@code workers} workers have reported the port they share, and returns it. */
    /**
     * The supervisor's last line. Not necessarily the last line read: the workers write to the same pipe
     * (they inherit the primary's output), and it ends only once they are all gone.
     */
    @Test
    void aPrimaryWhoseWorkersWereAllLetGoEndsByItselfThoughPingsWereOn() throws Exception {
        try (PrimaryJvm primary = new PrimaryJvm(Map.of(), List.of("-Djcluster.supervisor.workers=2",
                "-Djcluster.supervisor.ping.interval=200ms"), "disconnected-by-the-program")) {
            List<String> lines = primary.awaitExit();
            assertThat(primary.process.exitValue()).as("exit status; it printed %s", lines).isZero();
            assertThat(lines).contains("exit 1 code 0", "exit 2 code 0").noneMatch(l -> l.startsWith("event respawn"));
        }
    }

    private static String exitLine(List<String> lines) {
        List<String> found = lines.stream().filter(l -> l.startsWith("jcluster supervisor: exiting with status ")).toList();
        assertThat(found).as("the supervisor's exit line, once, in %s", lines).hasSize(1);
        return found.get(0);
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "' in " + lines);
    }
}
