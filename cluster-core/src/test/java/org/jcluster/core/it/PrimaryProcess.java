package org.jcluster.core.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jcluster.testkit.WorkerJvms;

/**
 * A {@link PrimaryMain} running as a JVM of its own, its standard output and error merged into a queue
 * of lines. Closing it kills it (its workers follow it, rule 4).
 */
final class PrimaryProcess implements AutoCloseable {
    final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final CountDownLatch outputEnded = new CountDownLatch(1);

    /**
     * @param env variables to set in the primary's environment; a null value removes the variable
     */
    PrimaryProcess(Map<String, String> env, List<String> jvmFlags, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(WorkerJvms.FAST_JVM);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(WorkerJvms.classPath());
        command.add(PrimaryMain.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        env.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        process = builder.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("read failed: " + e);
            } finally {
                outputEnded.countDown();
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    PrimaryProcess(List<String> jvmFlags, String... args) throws IOException {
        this(Map.of(), jvmFlags, args);
    }

    /** The next line starting with {@code prefix}; earlier lines are kept in {@link #seen()}. */
    String awaitLine(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + WorkerJvms.DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (line == null) {
                break;
            }
            seen.add(line);
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "' within " + WorkerJvms.DEADLINE + "; saw " + seen);
    }

    /** Waits for the primary to end, within the deadline, and returns every line it printed. */
    List<String> awaitExit() throws InterruptedException {
        if (!process.waitFor(WorkerJvms.DEADLINE.toSeconds(), TimeUnit.SECONDS)
                || !outputEnded.await(WorkerJvms.DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("the primary did not end within " + WorkerJvms.DEADLINE + "; it printed " + seen);
        }
        lines.drainTo(seen);
        return List.copyOf(seen);
    }

    /**
     * An orphaned worker is reaped by whatever this machine's PID 1 is, possibly never: an exited
     * process may linger as a zombie, which ProcessHandle still calls alive.
     */
    static boolean hasExited(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException noSuchProcess) {
            return true;
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
