package org.jcluster.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import org.jcluster.api.Worker;

/**
 * A worker's stdout and stderr copied into the primary's, each line whole and prefixed with the worker's
 * id ({@code [w3] Started in 0.4 s}), so that the primary's output is one log a service's operator can
 * read and keep ({@code java -jar primary.jar | tee app.log}), as PM2 merges its processes' logs.
 *
 * <p>The workers' output must reach the primary through pipes: set
 * {@code ClusterSettings.builder().silent(true)} before forking, then call {@link #forward} once per
 * worker (the {@link Supervisor} forks them: forward from a {@code ClusterEvent.FORK} listener).
 *
 * <p>Each stream is read by a daemon thread of its own, which ends when the pipe closes: when the worker
 * has exited, and with it any process it started that kept the pipe. Lines are written with one call
 * each to the target stream, whose lock keeps them whole against every other writer of that stream.
 * Bytes pass as they are (no charset decoding; a {@code \r\n} stays one). A line longer than
 * {@value #MAX_LINE_BYTES} bytes is cut into pieces of that size, each a line with the prefix; a last
 * line without its newline gets one.
 */
public final class WorkerOutput {
    /** Longest piece of a line written at once. */
    public static final int MAX_LINE_BYTES = 64 * 1024;

    private WorkerOutput() {
    }

    /** {@link #forward(Worker, PrintStream, PrintStream)} into this JVM's {@code System.out} and {@code System.err}. */
    public static CompletableFuture<Void> forward(Worker worker) {
        return forward(worker, System.out, System.err);
    }

    /**
     * Copies the worker's stdout into {@code out} and its stderr into {@code err}, line by line, prefixed.
     *
     * @return completes once both of the worker's streams have ended
     * @throws IllegalArgumentException the worker has no process in this JVM (call it in the primary)
     * @throws IllegalStateException    the worker's output is not piped to the primary (silent is false)
     */
    public static CompletableFuture<Void> forward(Worker worker, PrintStream out, PrintStream err) {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        Process process = worker.process().orElseThrow(() -> new IllegalArgumentException("worker " + worker.id()
                + " has no process in this JVM: forward a worker's output in its primary"));
        InputStream stdout = process.getInputStream();
        // An output not piped (inherited, or sent to a file) reads as the JDK's empty "null input stream".
        if (stdout.getClass().getName().equals("java.lang.ProcessBuilder$NullInputStream")) {
            throw new IllegalStateException("worker " + worker.id() + "'s output is not piped to the primary, so"
                    + " there is nothing to forward: set ClusterSettings.builder().silent(true) before forking");
        }
        byte[] prefix = ("[w" + worker.id() + "] ").getBytes(StandardCharsets.US_ASCII);
        return CompletableFuture.allOf(
                copyInBackground(stdout, out, prefix, "jcluster-stdout-w" + worker.id()),
                copyInBackground(process.getErrorStream(), err, prefix, "jcluster-stderr-w" + worker.id()));
    }

    private static CompletableFuture<Void> copyInBackground(InputStream in, PrintStream target, byte[] prefix,
            String threadName) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread copier = new Thread(() -> {
            try {
                copyLines(in, target, prefix);
            } finally {
                ended.complete(null);
            }
        }, threadName);
        copier.setDaemon(true);
        copier.start();
        return ended;
    }

    private static void copyLines(InputStream in, PrintStream target, byte[] prefix) {
        // One buffer per stream: the prefix stays in front, the line is gathered after it.
        byte[] line = new byte[prefix.length + MAX_LINE_BYTES + 1];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        int end = prefix.length;
        int full = prefix.length + MAX_LINE_BYTES;
        byte[] read = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(read)) != -1) {
                for (int i = 0; i < n; i++) {
                    line[end++] = read[i];
                    if (read[i] == '\n' || end == full) {
                        end = writeLine(target, line, end, prefix.length);
                    }
                }
            }
        } catch (IOException e) {
            // The pipe broke (the worker is gone): what came before it was written.
        }
        if (end > prefix.length) {
            writeLine(target, line, end, prefix.length);
        }
    }

    /** Writes prefix and line, ending it with a newline if it has none; the new end of an empty line. */
    private static int writeLine(PrintStream target, byte[] line, int end, int empty) {
        if (line[end - 1] != '\n') {
            line[end++] = '\n';
        }
        target.write(line, 0, end);
        target.flush();
        return empty;
    }
}
