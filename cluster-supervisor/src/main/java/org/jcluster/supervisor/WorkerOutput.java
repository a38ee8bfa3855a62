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
 * read and keep ({@code java -jar primary.jar 2>&1 | tee app.log}), as PM2 merges its processes' logs.
 *
 * <p>The workers' output must reach the primary through pipes: set
 * {@code ClusterSettings.builder().silent(true)} before forking, then call {@link #forward} once per
 * worker (the {@link Supervisor} forks them: forward from a {@code ClusterEvent.FORK} listener).
 *
 * <p>Each stream is read by a daemon thread of its own, which ends when the pipe closes: when the worker
 * has exited, and with it any process it started that kept the pipe. Every line of every worker is
 * written and flushed under one lock, so lines stay whole even where the primary's stdout and stderr are
 * one pipe ({@code 2>&1}); the target stream's own lock keeps them whole against its other writers.
 * Bytes pass as they are (no charset decoding; a {@code \r\n} stays one). A line shows once its newline
 * comes (a prompt or a {@code \r} progress bar waits for one). A line longer than {@value #MAX_LINE_BYTES}
 * bytes is cut into pieces of that size (a UTF-8 character may fall across the cut), each a line with
 * the prefix; a last line without its newline gets one. Call it once per worker: two readers of one
 * pipe would split its lines between them.
 */
public final class WorkerOutput {
    /** Longest piece of a line written at once. */
    public static final int MAX_LINE_BYTES = 64 * 1024;

    /** Every copy thread writes under it: stdout and stderr may be one pipe, which tears writes over 4 KiB. */
    private static final Object WRITING = new Object();

    private WorkerOutput() {
    }

    /** {@link #forward(Worker, PrintStream, PrintStream)} into this JVM's {@code System.out} and {@code System.err}. */
    public static CompletableFuture<Void> forward(Worker worker) {
        return forward(worker, System.out, System.err);
    }

    /**
     * Copies the worker's stdout into {@code out} and its stderr into {@code err}, line by line, prefixed.
     *
     * @return completes once both of the worker's streams have ended; exceptionally if writing to
     *         {@code out} or {@code err} threw (the rest of the worker's output was then read and dropped,
     *         so that the worker never blocks on a full pipe)
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
            RuntimeException failure = copyLines(in, target, prefix);
            if (failure == null) {
                ended.complete(null);
            } else {
                ended.completeExceptionally(failure);
            }
        }, threadName);
        copier.setDaemon(true);
        copier.start();
        return ended;
    }

    /**
     * Copies {@code in} to its end, line by line; the first exception the target threw, or null. After one,
     * it reads on and drops the rest, so that the worker never blocks on a full pipe.
     */
    static RuntimeException copyLines(InputStream in, PrintStream target, byte[] prefix) {
        // One buffer per stream: the prefix stays in front, the line is gathered after it, with room for
        // the newline a cut piece gets.
        byte[] line = new byte[prefix.length + MAX_LINE_BYTES + 1];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        int empty = prefix.length;
        int full = prefix.length + MAX_LINE_BYTES;
        int end = empty;
        RuntimeException failure = null;
        byte[] read = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(read)) != -1) {
                for (int i = 0; i < n; i++) {
                    byte b = read[i];
                    if (end == full && b != '\n') { // a full piece, and more of its line to come: cut here
                        failure = writeLine(target, line, end, failure);
                        end = empty;
                    }
                    line[end++] = b;
                    if (b == '\n') {
                        failure = writeLine(target, line, end, failure);
                        end = empty;
                    }
                }
            }
        } catch (IOException e) {
            // The pipe broke (the worker is gone): what came before it was written.
        }
        if (end > empty) {
            failure = writeLine(target, line, end, failure);
        }
        return failure;
    }

    /** Writes prefix and line, ending it with a newline if it has none; unless the target failed before. */
    private static RuntimeException writeLine(PrintStream target, byte[] line, int end, RuntimeException failed) {
        if (failed != null) {
            return failed;
        }
        if (line[end - 1] != '\n') {
            line[end++] = '\n';
        }
        try {
            synchronized (WRITING) {
                target.write(line, 0, end);
                target.flush();
            }
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }
}
