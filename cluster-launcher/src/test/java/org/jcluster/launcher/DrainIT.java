package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.launcher.Clients.freeTcpPort;
import static org.jcluster.launcher.Clients.pidIn;
import static org.jcluster.launcher.Clients.pidsAnswering;
import static org.jcluster.launcher.Clients.workersOf;
import static org.jcluster.launcher.Jcluster.APPS;
import static org.jcluster.launcher.Jcluster.APPS_CLASS_PATH;
import static org.jcluster.launcher.Jcluster.seconds;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kept-alive connections through a reload under {@code none}: a leaving worker closes its server channel
 * and goes on serving the connections it holds until they close or the agent's drain deadline (four fifths
 * of {@code --drain-timeout}) passes, then exits. A client that retries an idempotent request once on a
 * reused connection that turns out closed (the JDK's HttpClient) loses nothing; one that does not retry
 * sees its connection end at that deadline, which the second test measures.
 */
class DrainIT {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final Duration RELOAD = Duration.ofSeconds(120);
    /** The --drain-timeout given; the agent of a leaving worker exits after four fifths of it. */
    private static final Duration DRAIN = Duration.ofSeconds(5);
    private static final Duration AGENT_DRAIN = DRAIN.multipliedBy(4).dividedBy(5);
    /** "reload 1: worker 3 replaced worker 1 (ready after 1.281s, step 1.531s)" */
    private static final Pattern STEP = Pattern.compile(
            "reload \\d+: worker (\\d+) replaced worker (\\d+) \\(ready after (\\S+), step (\\S+)\\)");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"JettyHello", "JdkHttpHello"})
    void keptAliveConnectionsOfAnHttpClientLoseNoRequestThroughAReload(String server) throws Exception {
        int port = freeTcpPort();
        String name = "it-drain-" + server.toLowerCase(Locale.ROOT);
        try (Jcluster run = startCluster(name, server, port)) {
            Set<Long> before = pidsAnswering(port);
            Map<Long, Long> idOfPid = idsByPid(name);

            HttpClientLoop loop = HttpClientLoop.start(port, 4);
            try {
                loop.awaitAnswers(50, 0, Duration.ofSeconds(30)); // the client's connections are open and in use
                long reloadStart = System.nanoTime();
                Jcluster.Result reload = Jcluster.run(RELOAD, "reload", "--name", name);
                long reloadEnd = System.nanoTime();
                assertThat(reload.status()).as(reload.output()).isZero();
                assertThat(reload.output()).contains("2 workers replaced");
                loop.awaitAnswers(20, reloadEnd, Duration.ofSeconds(30));
                loop.stop();

                Set<Long> after = new HashSet<>();
                workersOf(name, COMMAND).forEach(w -> after.add(((Number) w.get("pid")).longValue()));
                Set<Long> answeringAfter = loop.answers().stream().filter(a -> a.nanos() > reloadEnd)
                        .map(Answer::pid).collect(Collectors.toSet());
                List<Step> steps = steps(run);
                StringBuilder drains = new StringBuilder();
                double longestServedAfterLeave = Double.NEGATIVE_INFINITY;
                for (Step step : steps) {
                    long oldPid = pidOf(idOfPid, step.oldId());
                    long lastAnswer = loop.answers().stream().filter(a -> a.pid() == oldPid).mapToLong(Answer::nanos)
                            .max().orElse(step.leftAt());
                    double served = seconds(step.leftAt(), lastAnswer);
                    longestServedAfterLeave = Math.max(longestServedAfterLeave, served);
                    drains.append(String.format(Locale.ROOT, "; worker %d (pid %d) left for worker %d: ready after %.3fs,"
                            + " drained %.3fs (step - ready), answered this client until %.3fs after it was told to leave",
                            step.oldId(), oldPid, step.newId(), step.readySeconds(),
                            step.stepSeconds() - step.readySeconds(), served));
                }
                System.out.printf(Locale.ROOT, "%s, HttpClient (HTTP/1.1, 4 threads, kept-alive connections): reload took"
                        + " %.3fs (bin/jcluster reload, start to exit); %d answered, %d failed during it, %d in all%s%s%n",
                        server, seconds(reloadStart, reloadEnd), loop.answeredBetween(reloadStart, reloadEnd),
                        loop.failures().size(), loop.answers().size(), drains,
                        loop.failures().isEmpty() ? "" : "; failures: " + loop.failures());

                assertThat(loop.failures()).as("requests of a retrying keep-alive client that failed through the reload")
                        .isEmpty();
                assertThat(after).as("workers after the reload").hasSize(2).doesNotContainAnyElementsOf(before);
                assertThat(answeringAfter).as("pids answering the client's requests after the reload")
                        .isNotEmpty().isSubsetOf(after);
                // The drain was exercised: a leaving worker went on answering on the connections it held instead of
                // cutting them when told to leave (its replacement ready), for most of the agent's deadline.
                assertThat(longestServedAfterLeave).as("seconds an old worker answered after it was told to leave")
                        .isGreaterThanOrEqualTo(AGENT_DRAIN.toMillis() / 2000.0);
                // ...and left by the agent's deadline, not by the supervisor's SIGTERM at the drain timeout.
                assertThat(run.output()).doesNotContain("is still draining after");
            } finally {
                loop.stop();
                System.out.println("the primary's output:\n" + run.output());
            }
            stop(run, name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"JettyHello", "JdkHttpHello"})
    void aKeptAliveConnectionIsServedUntilTheAgentsDrainDeadlineThenEnds(String server) throws Exception {
        int port = freeTcpPort();
        String name = "it-raw-keepalive-" + server.toLowerCase(Locale.ROOT);
        try (Jcluster run = startCluster(name, server, port)) {
            pidsAnswering(port);
            Map<Long, Long> idOfPid = idsByPid(name);
            RawKeepAliveClient raw = RawKeepAliveClient.start(port);
            try {
                raw.awaitAnswers(10, Duration.ofSeconds(30));
                long pid = raw.answers().get(0).pid();
                long id = idOfPid.get(pid); // the worker the connection reached

                long reloadStart = System.nanoTime();
                Jcluster.Result reload = Jcluster.run(RELOAD, "reload", "--name", name);
                long reloadEnd = System.nanoTime();
                assertThat(reload.status()).as(reload.output()).isZero();
                End end = raw.awaitEnd(Duration.ofSeconds(30));

                Step step = steps(run).stream().filter(s -> s.oldId() == id).findFirst().orElseThrow();
                List<Answer> answers = raw.answers();
                long lastAnswer = answers.get(answers.size() - 1).nanos();
                long answeredAfterLeave = answers.stream().filter(a -> a.nanos() > step.leftAt()).count();
                System.out.printf(Locale.ROOT, "%s, raw keep-alive socket without retry: its worker %d (pid %d) was told"
                        + " to leave when worker %d was ready (%.3fs into a reload of %.3fs); it answered %d requests on"
                        + " the connection, %d of them after that, the last %.3fs after it; the connection ended %.3fs"
                        + " after it (%.3fs after the last answer; agent deadline %.1fs, --drain-timeout %.1fs), %s: %s;"
                        + " the supervisor's step: ready after %.3fs, drained %.3fs%n",
                        server, id, pid, step.newId(), seconds(reloadStart, step.leftAt()), seconds(reloadStart, reloadEnd),
                        answers.size(), answeredAfterLeave, seconds(step.leftAt(), lastAnswer),
                        seconds(step.leftAt(), end.nanos()), seconds(lastAnswer, end.nanos()),
                        AGENT_DRAIN.toMillis() / 1000.0, DRAIN.toMillis() / 1000.0, end.phase().description,
                        end.cause(), step.readySeconds(), step.stepSeconds() - step.readySeconds());

                assertThat(answers).extracting(Answer::pid).as("one connection, one worker").containsOnly(pid);
                // Served through the drain: the connection was not cut when its worker was told to leave...
                assertThat(seconds(step.leftAt(), lastAnswer)).as("seconds the connection was answered after its worker"
                        + " was told to leave").isGreaterThanOrEqualTo(AGENT_DRAIN.toMillis() / 2000.0);
                // ...and it ended with the worker, at the agent's deadline, before the supervisor's SIGTERM.
                assertThat(seconds(step.leftAt(), end.nanos())).as("seconds from the leave to the connection's end")
                        .isLessThanOrEqualTo(DRAIN.toMillis() / 1000.0 + 1.5);
                assertThat(run.output()).doesNotContain("is still draining after");
            } finally {
                raw.stop();
                System.out.println("the primary's output:\n" + run.output());
            }
            stop(run, name);
        }
    }

    private static Jcluster startCluster(String name, String server, int port) throws Exception {
        Jcluster run = Jcluster.start(Map.of(), "run", "--workers", "2", "--policy", "none", "--name", name,
                "--drain-timeout", DRAIN.toSeconds() + "s", "-cp", APPS_CLASS_PATH, APPS + server, Integer.toString(port));
        try {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] listening on " + port), 2, START, "both workers listening");
            return run;
        } catch (AssertionError | RuntimeException | InterruptedException e) {
            run.close();
            throw e;
        }
    }

    private static void stop(Jcluster run, String name) throws Exception {
        Jcluster.Result stop = Jcluster.run(COMMAND, "stop", "--name", name);
        assertThat(stop.status()).as(stop.output()).isZero();
        assertThat(run.awaitExit(COMMAND)).as(run.output()).isZero();
    }

    /** Worker id by pid, from {@code status --json}. */
    private static Map<Long, Long> idsByPid(String name) throws Exception {
        Map<Long, Long> ids = new HashMap<>();
        for (Map<String, Object> w : workersOf(name, COMMAND)) {
            ids.put(((Number) w.get("pid")).longValue(), ((Number) w.get("id")).longValue());
        }
        return ids;
    }

    private static long pidOf(Map<Long, Long> idOfPid, long id) {
        return idOfPid.entrySet().stream().filter(e -> e.getValue() == id).map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new AssertionError("no pid for worker " + id + " in " + idOfPid));
    }

    /**
     * A reload's steps, from the supervisor's lines, each with the moment its old worker was told to leave.
     * A step's line comes when its old worker has exited; the old worker was disconnected as its replacement
     * became ready, {@code step - ready} seconds earlier. (The replacement's own "listening on" line comes
     * later than that, by the time the server takes to start after its bind: 0.1 to 0.9 s here.)
     */
    private static List<Step> steps(Jcluster run) {
        List<Step> steps = new ArrayList<>();
        for (Jcluster.Line line : run.linesMatching(l -> STEP.matcher(l).find())) {
            Matcher m = STEP.matcher(line.text());
            assertThat(m.find()).isTrue();
            double ready = secondsOf(m.group(3));
            double step = secondsOf(m.group(4));
            steps.add(new Step(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), ready, step,
                    line.nanos() - (long) ((step - ready) * 1e9)));
        }
        assertThat(steps).as("the reload's steps in:\n" + run.output()).hasSize(2);
        return steps;
    }

    /** The supervisor's durations: 250ms, 1.5s, 2m. */
    static double secondsOf(String duration) {
        if (duration.endsWith("ms")) {
            return Double.parseDouble(duration.substring(0, duration.length() - 2)) / 1000;
        }
        if (duration.endsWith("m")) {
            return Double.parseDouble(duration.substring(0, duration.length() - 1)) * 60;
        }
        return Double.parseDouble(duration.substring(0, duration.length() - 1));
    }

    private record Step(long newId, long oldId, double readySeconds, double stepSeconds, long leftAt) {
    }

    record Answer(long nanos, long pid) {
    }

    /** Waiting for answers: the loops notify on their lists. */
    private static void awaitOn(List<Answer> answers, java.util.function.Predicate<List<Answer>> done, Duration timeout,
            String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (answers) {
            while (!done.test(answers)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + what + " within " + timeout + "; " + answers.size() + " answers");
                }
                TimeUnit.NANOSECONDS.timedWait(answers, left);
            }
        }
    }

    /**
     * GETs in a loop on {@code threads} threads through one {@link HttpClient} (HTTP/1.1), which keeps its
     * connections alive and pools them, and retries an idempotent request once when a reused connection
     * turns out closed.
     */
    private static final class HttpClientLoop {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Answer> answers = new ArrayList<>(); // guarded by itself
        private final List<String> failures = new ArrayList<>(); // guarded by answers
        private final List<Thread> threads = new ArrayList<>();

        static HttpClientLoop start(int port, int threadCount) {
            HttpClientLoop loop = new HttpClientLoop();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(10)).GET().build();
            for (int i = 0; i < threadCount; i++) {
                Thread t = new Thread(() -> loop.run(client, get), "http-client-loop-" + i);
                loop.threads.add(t);
                t.start();
            }
            return loop;
        }

        private void run(HttpClient client, HttpRequest get) {
            while (running.get()) {
                long started = System.nanoTime();
                try {
                    HttpResponse<String> response = client.send(get, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200) {
                        throw new IOException("status " + response.statusCode() + ": " + response.body());
                    }
                    long pid = pidIn(response.body());
                    synchronized (answers) {
                        answers.add(new Answer(System.nanoTime(), pid));
                        answers.notifyAll();
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (IOException | RuntimeException | AssertionError e) {
                    synchronized (answers) {
                        failures.add(String.format(Locale.ROOT, "%s (sent at %d ms)", e, TimeUnit.NANOSECONDS.toMillis(started)));
                    }
                }
            }
        }

        void awaitAnswers(int count, long afterNanos, Duration timeout) throws InterruptedException {
            awaitOn(answers, a -> a.stream().filter(x -> x.nanos() > afterNanos).count() >= count, timeout,
                    count + " answers to the HttpClient loop");
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(30).toMillis());
            }
        }

        List<Answer> answers() {
            synchronized (answers) {
                return List.copyOf(answers);
            }
        }

        long answeredBetween(long fromNanos, long toNanos) {
            return answers().stream().filter(a -> a.nanos() > fromNanos && a.nanos() <= toNanos).count();
        }

        List<String> failures() {
            synchronized (answers) {
                return List.copyOf(failures);
            }
        }
    }

    /** Where a connection's end found the raw client. */
    enum Phase {
        WRITING("while it wrote a request"),
        AWAITING_ANSWER("after it sent a request, before any byte of the answer"),
        MID_ANSWER("in the middle of an answer");

        final String description;

        Phase(String description) {
            this.description = description;
        }
    }

    record End(long nanos, Phase phase, String cause) {
    }

    /**
     * GETs one after another on one kept-alive socket (HTTP/1.1 without {@code Connection: close}), with no
     * retry: the first error ends it, and says when and where in the exchange it came.
     */
    private static final class RawKeepAliveClient {
        private static final byte[] GET = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Answer> answers = new ArrayList<>(); // guarded by itself
        private End end; // guarded by answers
        private final Thread thread;
        private final Socket socket = new Socket();

        private RawKeepAliveClient(int port) {
            thread = new Thread(() -> run(port), "raw-keepalive-client");
        }

        static RawKeepAliveClient start(int port) {
            RawKeepAliveClient client = new RawKeepAliveClient(port);
            client.thread.start();
            return client;
        }

        private void run(int port) {
            Phase phase = Phase.WRITING;
            try (socket) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
                socket.setSoTimeout(30_000);
                OutputStream out = socket.getOutputStream();
                InputStream in = new BufferedInputStream(socket.getInputStream());
                while (running.get()) {
                    phase = Phase.WRITING;
                    out.write(GET);
                    out.flush();
                    phase = Phase.AWAITING_ANSWER;
                    String status = readLine(in, true);
                    phase = Phase.MID_ANSWER;
                    if (!status.startsWith("HTTP/1.1 200")) {
                        throw new IOException("not a 200 answer: " + status);
                    }
                    String body = new String(readBody(in), StandardCharsets.UTF_8);
                    synchronized (answers) {
                        answers.add(new Answer(System.nanoTime(), pidIn(body)));
                        answers.notifyAll();
                    }
                }
            } catch (IOException | RuntimeException | AssertionError e) {
                if (running.get()) {
                    synchronized (answers) {
                        end = new End(System.nanoTime(), phase, e.toString());
                        answers.notifyAll();
                    }
                }
            }
        }

        /** A line without its CRLF; at the start of an answer, EOF ends the connection as an EOFException. */
        private static String readLine(InputStream in, boolean first) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != -1; ) {
                if (c == '\n') {
                    return line.toString().replace("\r", "");
                }
                line.append((char) c);
            }
            throw new EOFException(first && line.length() == 0 ? "end of stream (the server closed the connection)"
                    : "end of stream in the middle of a line: " + line);
        }

        private static byte[] readBody(InputStream in) throws IOException {
            int length = -1;
            boolean chunked = false;
            for (String header; !(header = readLine(in, false)).isEmpty(); ) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            if (!chunked) {
                if (length < 0) {
                    throw new IOException("an answer without a length cannot be kept alive");
                }
                return readExactly(in, length);
            }
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            for (int size; (size = Integer.parseInt(readLine(in, false).split(";")[0].trim(), 16)) > 0; ) {
                body.write(readExactly(in, size));
                readLine(in, false);
            }
            while (!readLine(in, false).isEmpty()) {
                // trailers
            }
            return body.toByteArray();
        }

        private static byte[] readExactly(InputStream in, int n) throws IOException {
            byte[] bytes = in.readNBytes(n);
            if (bytes.length < n) {
                throw new EOFException("end of stream after " + bytes.length + " of " + n + " body bytes");
            }
            return bytes;
        }

        void awaitAnswers(int count, Duration timeout) throws InterruptedException {
            awaitOn(answers, a -> a.size() >= count || end != null, timeout, count + " answers on the raw connection");
            synchronized (answers) {
                assertThat(end).as("the raw connection's end before " + count + " answers").isNull();
            }
        }

        End awaitEnd(Duration timeout) throws InterruptedException {
            awaitOn(answers, a -> end != null, timeout, "the end of the raw connection");
            synchronized (answers) {
                return end;
            }
        }

        List<Answer> answers() {
            synchronized (answers) {
                return List.copyOf(answers);
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing our own socket to end the thread
            }
            thread.join(Duration.ofSeconds(30).toMillis());
        }
    }
}
