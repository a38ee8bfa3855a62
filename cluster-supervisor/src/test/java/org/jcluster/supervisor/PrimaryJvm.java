package org.jcluster.supervisor;

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
 * A {@link SupervisedMain} primary running as a JVM of its own, its standard output and error merged
 * into a queue of lines. Closing it SIGKILLs it (its workers follow it within half a second).
 */
final class PrimaryJvm implements AutoCloseable {
    final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final CountDownLatch outputEnded = new CountDownLatch(1);

    PrimaryJvm(Map<String, String> env, List<String> jvmFlags, String scenario) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(WorkerJvms.FAST_JVM);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(WorkerJvms.classPath());
        command.add(SupervisedMain.class.getName());
        command.add(scenario);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("JCLUSTER_"));
        builder.environment().putAll(env);
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
        }, "primary-output");
        reader.setDaemon(true);
        reader.start();
    }

    long pid() {
        return process.pid();
    }

    /** The next line starting with {@code prefix}; earlier lines are kept in what {@link #awaitExit()} returns. */
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

    /** The port the first {@code workers} "port" messages name (workers share it); each worker's pid into {@code pids}. */
    int sharedPort(int workers, Map<Integer, Long> pids) throws InterruptedException {
        int port = -1;
        for (int i = 0; i < workers; i++) {
            // "worker <id> <pid> says port <port>"
            String[] words = awaitLine("worker ").split(" ");
            if (!(words[3] + " " + words[4]).equals("says port")) {
                throw new AssertionError("expected a worker's port, got: " + String.join(" ", words));
            }
            pids.put(Integer.parseInt(words[1]), Long.parseLong(words[2]));
            port = Integer.parseInt(words[5]);
        }
        return port;
    }

    int sharedPort(int workers) throws InterruptedException {
        return sharedPort(workers, new java.util.HashMap<>());
    }

    /** Waits for the primary to end, within the deadline, and returns every line it printed. */
    List<String> awaitExit() throws InterruptedException {
        if (!process.waitFor(WorkerJvms.DEADLINE.toSeconds(), TimeUnit.SECONDS)
                || !outputEnded.await(WorkerJvms.DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            lines.drainTo(seen);
            throw new AssertionError("the primary did not end within " + WorkerJvms.DEADLINE + "; it printed " + seen);
        }
        lines.drainTo(seen);
        seen.forEach(line -> System.out.println("primary " + pid() + "> " + line)); // kept in the test's output file
        return List.copyOf(seen);
    }

    /** Whether signal number {@code signalNumber} (2: SIGINT) is ignored by the primary: a JVM started so never handles it. */
    boolean ignores(int signalNumber) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith("SigIgn:")) {
                long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
                return (mask & (1L << (signalNumber - 1))) != 0;
            }
        }
        return false;
    }

    /** True once the process is gone (or a zombie: an orphan is reaped by whatever PID 1 is, maybe never). */
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
