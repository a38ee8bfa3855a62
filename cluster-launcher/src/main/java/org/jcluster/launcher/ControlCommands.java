package org.jcluster.launcher;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jcluster.launcher.ControlClient.ControlException;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code status}, {@code reload} and {@code stop}: requests to a running cluster's primary. */
final class ControlCommands {
    private ControlCommands() {
    }

    static final class Target {
        @Option(names = "--name", description = "Which cluster (default: the only one running for this user).")
        String name;

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        /** Runs {@code action} against the cluster's socket, turning a failure into its message and exit code. */
        int run(Action action) {
            PrintWriter err = spec.commandLine().getErr();
            try {
                return action.run(ControlClient.socketOf(name), spec.commandLine().getOut());
            } catch (ControlException e) {
                err.println("jcluster: " + e.getMessage());
                return e.exitCode;
            } catch (IllegalArgumentException e) {
                err.println("jcluster: " + e.getMessage());
                return Main.USAGE;
            } catch (IOException e) {
                err.println("jcluster: " + e.getMessage());
                return 1;
            }
        }
    }

    interface Action {
        int run(Path socket, PrintWriter out) throws IOException, ControlException;
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"One row per worker: id, pid, state, uptime, restarts, resident memory, heap in use, CPU"
                    + " time, GC time, connections taken; then one row per shared server: under rr the connections the"
                    + " primary accepted, those handed back, the dispatch queue, those in flight and the hand-off"
                    + " time; under any policy what each worker took.", "--json adds the channel's messages and bytes"
                    + " each way, its send backlog, the connections dealt and refused under rr, and the hand-off count"
                    + " and mean."})
    static final class Status implements Callable<Integer> {
        /** Cursor home and clear to the end of the screen: the table is redrawn where it was. */
        private static final String REDRAW = "\033[H\033[J";

        @Mixin
        Target target;

        @Option(names = "--json", description = "Print the primary's JSON answer as it is.")
        boolean json;

        @Option(names = "--watch", description = "Redraw the table every --interval until Ctrl-C (like pm2 monit);"
                + " piped, each table follows the last.")
        boolean watch;

        @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
                description = "How often --watch asks (default 2s).")
        Duration interval;

        @Override
        public Integer call() {
            if (interval.isNegative() || interval.isZero()) {
                throw new picocli.CommandLine.ParameterException(target.spec.commandLine(),
                        "--interval " + interval + ": write a positive duration, e.g. 1s");
            }
            return target.run((socket, out) -> {
                boolean redraw = watch && !json && System.console() != null;
                do {
                    String answer = ControlClient.request(socket, "status", Duration.ofSeconds(15));
                    if (redraw) {
                        out.print(REDRAW);
                    }
                    if (json) {
                        out.println(answer);
                    } else {
                        printTable(answer, out);
                    }
                    if (watch) {
                        out.println();
                        out.flush();
                        sleep(interval);
                    }
                } while (watch);
                return 0;
            });
        }

        private static void sleep(Duration interval) throws IOException {
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }

        @SuppressWarnings("unchecked")
        private static void printTable(String answer, PrintWriter out) throws IOException {
            Map<String, Object> status = (Map<String, Object>) ControlClient.parse(answer);
            List<Map<String, Object>> workers = (List<Map<String, Object>>) status.get("workers");
            out.printf("%s: primary pid %s, policy %s, %d workers%n", status.get("name"), status.get("pid"),
                    status.get("policy"), workers.size());
            String row = "%-4s %-8s %-9s %-9s %-9s %-11s %-11s %-9s %-8s %s%n";
            out.printf(row, "ID", "PID", "STATE", "UPTIME", "RESTARTS", "MEMORY", "HEAP", "CPU", "GC", "CONNECTIONS");
            for (Map<String, Object> w : workers) {
                out.printf(row, text(w, "id"), text(w, "pid"), w.get("state"),
                        number(w, "uptimeMillis").map(ms -> duration(Duration.ofMillis(ms))).orElse("-"),
                        w.get("restarts"), mebibytes(w, "residentBytes"), mebibytes(w, "heapUsedBytes"),
                        seconds(w, "cpuMillis"), seconds(w, "gcMillis"), text(w, "connections"));
            }
            List<Map<String, Object>> servers = (List<Map<String, Object>>) status.getOrDefault("servers", List.of());
            if (servers.isEmpty()) {
                return;
            }
            out.println();
            String serverRow = "%-22s %-9s %-9s %-8s %-10s %-18s %s%n";
            out.printf(serverRow, "SERVER", "ACCEPTED", "REFUSED", "WAITING", "IN FLIGHT", "HAND-OFF p50/p99", "TAKEN BY WORKER");
            for (Map<String, Object> s : servers) {
                boolean primaryAccepts = Boolean.TRUE.equals(s.get("primaryAccepts")); // else the kernel deals
                Map<String, Object> taken = (Map<String, Object>) s.get("takenByWorker");
                out.printf(serverRow, s.get("address"),
                        primaryAccepts ? text(s, "accepted") : "-", primaryAccepts ? text(s, "refused") : "-",
                        primaryAccepts ? text(s, "waiting") : "-", primaryAccepts ? text(s, "inFlight") : "-",
                        s.containsKey("handOffP50Micros")
                                ? micros(s, "handOffP50Micros") + " / " + micros(s, "handOffP99Micros") : "-",
                        taken.isEmpty() ? "-" : taken.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                                .collect(Collectors.joining(", ")));
            }
        }

        /** At most this, from the histogram's bucket bounds; "more" above the last bound. */
        private static String micros(Map<String, Object> row, String key) {
            return number(row, key).map(us -> "<=" + (us >= 1_000_000 ? decimal(us, 6) + "s"
                    : us >= 1000 ? decimal(us, 3) + "ms" : us + "us")).orElse("more");
        }

        private static String decimal(long units, int scale) {
            return BigDecimal.valueOf(units, scale).stripTrailingZeros().toPlainString();
        }

        private static String mebibytes(Map<String, Object> row, String key) {
            return number(row, key).map(b -> String.format("%.1f MiB", b / 1048576.0)).orElse("-");
        }

        private static String seconds(Map<String, Object> row, String key) {
            return number(row, key).map(ms -> String.format("%.1fs", ms / 1000.0)).orElse("-");
        }

        private static String text(Map<String, Object> row, String key) {
            Object value = row.get(key);
            return value == null ? "-" : value.toString();
        }

        private static Optional<Long> number(Map<String, Object> row, String key) {
            return Optional.ofNullable((Long) row.get(key));
        }

        static String duration(Duration d) {
            long s = d.toSeconds();
            if (s < 60) {
                return s + "s";
            }
            if (s < 3600) {
                return s / 60 + "m" + s % 60 + "s";
            }
            return s / 3600 + "h" + s % 3600 / 60 + "m";
        }
    }

    @Command(name = "reload", mixinStandardHelpOptions = true,
            description = {"Replaces every worker, one batch at a time, each new one ready before an old one leaves.",
                "Returns when the reload is done (exit 0) or rolled back (exit 1), saying which."})
    static final class Reload implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT30M", converter = DurationConverter.class,
                description = "How long to wait for the reload's end (default 30m; the reload goes on after it).")
        Duration timeout;

        @Override
        public Integer call() {
            return target.run((socket, out) -> {
                Map<?, ?> answer = (Map<?, ?>) ControlClient.parse(ControlClient.request(socket, "reload", timeout));
                out.println(answer.get("message"));
                return Boolean.TRUE.equals(answer.get("ok")) ? 0 : 1;
            });
        }
    }

    /** PT30S, or 30s, 2m, 500ms. */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            try {
                if (t.startsWith("p")) {
                    return Duration.parse(text.trim());
                }
                if (t.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
                }
                long n = Long.parseLong(t.substring(0, t.length() - 1));
                switch (t.charAt(t.length() - 1)) {
                    case 's': return Duration.ofSeconds(n);
                    case 'm': return Duration.ofMinutes(n);
                    case 'h': return Duration.ofHours(n);
                    default: break;
                }
            } catch (RuntimeException e) {
                // the message below says what is allowed
            }
            throw new picocli.CommandLine.TypeConversionException("'" + text + "': write a duration with its unit,"
                    + " e.g. 90s, 30m or PT1H");
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = {"Shuts the cluster down gracefully: workers stop taking connections and finish those they",
                "hold, until the shutdown deadline. Returns once the primary has ended."})
    static final class Stop implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return target.run((socket, out) -> {
                Map<?, ?> answer = (Map<?, ?>) ControlClient.parse(ControlClient.request(socket, "stop", Duration.ofSeconds(15)));
                if (!Boolean.TRUE.equals(answer.get("ok"))) {
                    throw new ControlException(1, String.valueOf(answer.get("message")));
                }
                long pid = (Long) answer.get("pid");
                Duration wait = Duration.ofMillis((Long) answer.get("deadlineMillis")).plusSeconds(15);
                Optional<ProcessHandle> primary = ProcessHandle.of(pid);
                if (primary.isPresent()) {
                    try {
                        primary.get().onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        throw new ControlException(1, "the primary (pid " + pid + ") is still running "
                                + Status.duration(wait) + " after stop");
                    }
                }
                out.println("stopped (primary pid " + pid + ")");
                return 0;
            });
        }
    }
}
