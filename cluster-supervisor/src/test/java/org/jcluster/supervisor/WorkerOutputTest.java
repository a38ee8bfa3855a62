package org.jcluster.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.testkit.WorkerJvms.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterEvent;
import org.jcluster.api.ClusterSettings;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.testkit.WorkerJvms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two real workers writing long lines at once: the primary's copy has every line whole, prefixed, in
 * order; where lines are cut; a failing target; the supervisor's setting.
 */
class WorkerOutputTest {
    private static final Cluster cluster = Cluster.get();

    @AfterEach
    void outputInheritedAgain() {
        // Settings accumulate (Node's rule): the other tests' workers must not write into pipes nobody reads.
        cluster.setupPrimary(ClusterSettings.builder().silent(false).build());
    }

    @Test
    void everyLineOfEveryWorkerArrivesWholeAndPrefixed() {
        cluster.setupPrimary(WorkerJvms.running(PrintingWorkerMain.class)
                .silent(true)
                .build());
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(outBytes, false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, false, StandardCharsets.UTF_8);
        List<CompletableFuture<Void>> copied = new CopyOnWriteArrayList<>();
        List<Worker> workers;
        // As docs/supervisor.md shows it: forwarded from the fork event, before the worker writes much.
        try (Registration forwarding = cluster.on(ClusterEvent.FORK, w -> copied.add(WorkerOutput.forward(w, out, err)))) {
            workers = List.of(cluster.fork(), cluster.fork());
            CompletableFuture<Void> bothForwarded = new CompletableFuture<>();
            cluster.schedule(Duration.ZERO, () -> bothForwarded.complete(null)); // after the fork events
            await(bothForwarded, "the fork events");
        }
        assertThat(copied).hasSize(2);
        await(CompletableFuture.allOf(copied.toArray(CompletableFuture[]::new)), "both workers' output, to its end");

        List<String> outLines = outBytes.toString(StandardCharsets.UTF_8).lines().toList();
        List<String> errLines = errBytes.toString(StandardCharsets.UTF_8).lines().toList();
        for (Worker w : workers) {
            String prefix = "[w" + w.id() + "] ";
            List<String> mine = outLines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
            List<String> expected = new ArrayList<>();
            for (String t : List.of("t0", "t1")) {
                for (int i = 0; i < PrintingWorkerMain.LINES; i++) {
                    expected.add("out " + t + " " + i + " " + PrintingWorkerMain.PAYLOAD);
                }
            }
            int printed = 2 * PrintingWorkerMain.LINES;
            assertThat(mine).as(prefix + "stdout lines: the printed ones, two pieces of the long one, the last").hasSize(printed + 3);
            assertThat(mine.subList(0, printed)).as(prefix + "stdout lines, whole").containsExactlyInAnyOrderElementsOf(expected);
            for (String t : List.of("t0", "t1")) { // each printing thread's lines in the order it printed them
                List<String> ofThread = mine.subList(0, printed).stream().filter(l -> l.startsWith("out " + t + " ")).toList();
                assertThat(ofThread).isEqualTo(expected.stream().filter(l -> l.startsWith("out " + t + " ")).toList());
            }
            assertThat(mine.subList(printed, mine.size())).as(prefix + "a long line in pieces, then the unterminated last")
                    .containsExactly("x".repeat(WorkerOutput.MAX_LINE_BYTES), "x".repeat(1000), "end of worker " + w.id());
            List<String> myErrors = errLines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
            List<String> printedErrors = myErrors.stream().filter(l -> l.startsWith("err ")).toList();
            assertThat(printedErrors).as(prefix + "stderr lines, whole; all of them: " + myErrors.size())
                    .hasSize(printed).allMatch(l -> l.endsWith(" " + PrintingWorkerMain.PAYLOAD));
        }
        assertThat(outLines).as("nothing but the two workers' lines").allMatch(l -> l.startsWith("[w" + workers.get(0).id() + "] ")
                || l.startsWith("[w" + workers.get(1).id() + "] "));
        assertThat(errLines).allMatch(l -> l.startsWith("[w" + workers.get(0).id() + "] ")
                || l.startsWith("[w" + workers.get(1).id() + "] "));
    }

    @Test
    void theSupervisorForwardsEveryWorkersOutputWhenAsked() throws Exception {
        cluster.setupPrimary(WorkerJvms.running(TestWorkerMain.class, "greet")
                .silent(false) // the supervisor's setting turns it on
                .build());
        CompletableFuture<String> bothGreeted = new CompletableFuture<>();
        StringBuilder seen = new StringBuilder();
        PrintStream capture = new PrintStream(new java.io.OutputStream() {
            @Override
            public synchronized void write(int b) {
                seen.append((char) b);
                if (b == '\n' && seen.toString().lines().filter(l -> l.matches("\\[w\\d+] hello from worker \\d+")).count() == 2) {
                    bothGreeted.complete(seen.toString());
                }
            }
        }, true, StandardCharsets.US_ASCII);
        PrintStream stdout = System.out;
        List<Worker> forked = new CopyOnWriteArrayList<>();
        Supervisor supervisor = Supervisor.create(cluster, TestSupervisorSettings.inThisJvm().workers(2).prefixOutput(true).build());
        try (Registration forks = cluster.on(ClusterEvent.FORK, forked::add)) {
            System.setOut(capture); // WorkerOutput.forward(worker) writes to System.out as it is at the fork
            supervisor.start();
            String greetings = await(bothGreeted, "a greeting from each worker, prefixed");
            assertThat(forked).hasSize(2);
            for (Worker w : forked) {
                assertThat(greetings).contains("[w" + w.id() + "] hello from worker " + w.id() + "\n");
            }
            assertThat(cluster.settings().silent()).hasValue(true);
        } finally {
            System.setOut(stdout);
            await(supervisor.shutdown(Duration.ofSeconds(20)), "the shutdown's report");
        }
    }

    @Test
    void linesAreCutOnlyWhereTheyMustBe() {
        int max = WorkerOutput.MAX_LINE_BYTES;
        String exact = "a".repeat(max);
        String crlfAtTheCut = "b".repeat(max - 1) + "\r\n";
        String longer = "c".repeat(2 * max + 1);
        String input = "\n" + exact + "\n" + crlfAtTheCut + longer + "\n" + "last";
        assertThat(copied(input)).isEqualTo("[w9] \n" + "[w9] " + exact + "\n" + "[w9] " + crlfAtTheCut
                + "[w9] " + "c".repeat(max) + "\n" + "[w9] " + "c".repeat(max) + "\n" + "[w9] c\n" + "[w9] last\n");
        assertThat(copied("")).isEmpty();
    }

    @Test
    void aTargetThatFailsEndsTheCopyWithItsErrorAndTheStreamIsStillRead() {
        IllegalStateException broken = new IllegalStateException("disk full");
        PrintStream failing = new PrintStream(new ByteArrayOutputStream()) {
            @Override
            public void write(byte[] buf, int off, int len) {
                throw broken;
            }
        };
        java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream("one\ntwo\nthree\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(WorkerOutput.copyLines(in, failing, "[w1] ".getBytes(StandardCharsets.US_ASCII))).isSameAs(broken);
        assertThat(in.available()).as("read to its end, so that a worker would not block").isZero();
    }

    private static String copied(String input) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream target = new PrintStream(bytes, false, StandardCharsets.US_ASCII);
        assertThat(WorkerOutput.copyLines(new java.io.ByteArrayInputStream(input.getBytes(StandardCharsets.US_ASCII)),
                target, "[w9] ".getBytes(StandardCharsets.US_ASCII))).isNull();
        return bytes.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void anOutputThatIsNotPipedIsRefusedWithTheFix() {
        cluster.setupPrimary(WorkerJvms.running(TestWorkerMain.class)
                .silent(false)
                .build());
        Worker w = cluster.fork();
        try {
            assertThatThrownBy(() -> WorkerOutput.forward(w)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("silent(true)");
        } finally {
            CompletableFuture<Void> gone = new CompletableFuture<>();
            w.on(org.jcluster.api.WorkerEvent.EXIT, status -> gone.complete(null));
            w.kill();
            await(gone, "the worker's exit");
        }
    }
}
