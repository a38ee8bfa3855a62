package org.jcluster.examples;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The demo's command line: the one list of its options, their parsing, and the {@code --help} text.
 *
 * <p>It uses the JDK alone, so that demo.sh can check a command line before anything is built: it compiles
 * this file on its own (once per change) and runs {@link #main}. --help and a bad option are then answered
 * in a fraction of a second, not after a Maven build.
 *
 * @param policy the scheduling policy's name, or null for the cluster's default
 * @param handlerOnIoThread under rr, whether jcluster's I/O thread runs the connection handler
 */
record DemoOptions(String policy, int workers, int port, int threads, int seconds, boolean handlerOnIoThread) {
    static final int MAX_WORKERS = 1024;
    static final int MAX_THREADS = 64;
    static final int DEFAULT_PORT = 8000;
    /** Cluster.SCHED_POLICY_ENV, spelled out: this class may not depend on jcluster (DemoOptionsTest checks). */
    static final String SCHED_POLICY_ENV = "JCLUSTER_SCHED_POLICY";

    /** {@link #main}'s exit status when the demo should start. */
    static final int CHECK_RUN = 0;
    /** {@link #main}'s and the demo's exit status for a bad command line (the error is on stderr). */
    static final int CHECK_BAD_OPTION = 2;
    /** {@link #main}'s exit status when it printed the usage (--help): nothing to run. */
    static final int CHECK_HELP_SHOWN = 3;

    /** One option as --help shows it ({@code meaning} may hold line breaks). */
    record Option(String name, String value, String meaning) {
    }

    /** Every option, in --help's order; {@link #parse} takes exactly these (DemoOptionsTest checks). */
    static final List<Option> OPTIONS = List.of(
            new Option("--policy", "rr|none", "the scheduling policy (default: $" + SCHED_POLICY_ENV + ", else rr)"),
            new Option("--workers", "N", "how many worker JVMs, 1 to " + MAX_WORKERS + " (default: one per core)"),
            new Option("--port", "P", "the port they share, 0 to 65535; 0 picks a free one (default " + DEFAULT_PORT + ")"),
            new Option("--threads", "T", "Netty event-loop threads per worker, 1 to " + MAX_THREADS + " (default 1)"),
            new Option("--seconds", "S", "stop gracefully after S seconds (default: run until Ctrl-C)"),
            new Option("--handler-thread", "io|own", "under rr, which thread runs the connection handler:\n"
                    + "jcluster's I/O thread (io, the default) or a thread of the server's own (own)"),
            new Option("--help", "", "this text (also -h)"));

    static final String USAGE = """
            Usage: ./demo.sh [options]
               or: java --module-path ... -m jcluster.examples/org.jcluster.examples.Demo [options]

            Node's cluster HTTP hello world on jcluster: a primary JVM forks worker JVMs that serve
            "Hello World" with Netty on one shared port, and its supervisor keeps them up: a worker
            that crashes is replaced; SIGHUP (kill -HUP <primary pid>) replaces every worker, one at a
            time, each only once its replacement listens (new code on disk is picked up); Ctrl-C (or
            SIGTERM) stops it gracefully, each worker printing its request count as it leaves.

            Options:
            %s

            The supervisor's settings apply (docs/supervisor.md): JCLUSTER_SUPERVISOR_* variables or
            -Djcluster.supervisor.* properties; JCLUSTER_SUPERVISOR_WORKERS wins over --workers.

            Exit status: 0 after --seconds, Ctrl-C or SIGTERM when every worker left in time; 1 when a
            worker had to be killed at the shutdown deadline, a worker cannot listen (the port is taken,
            say), workers crash in a loop, or every worker left on its own; 2 for a bad option or setting.
            """.formatted(OPTIONS.stream()
                    .map(o -> "  %-24s %s".formatted((o.name() + " " + o.value()).strip(),
                            o.meaning().replace("\n", "\n" + " ".repeat(27))))
                    .collect(Collectors.joining("\n")));

    /**
     * demo.sh's check of a command line, run before it builds anything: exits {@link #CHECK_RUN} for a
     * good one, {@link #CHECK_BAD_OPTION} with the error on stderr for a bad one, and
     * {@link #CHECK_HELP_SHOWN} after printing the usage for --help.
     */
    public static void main(String[] args) {
        if (asksForHelp(args)) {
            System.out.print(USAGE);
            System.exit(CHECK_HELP_SHOWN);
        }
        try {
            parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(CHECK_BAD_OPTION);
        }
        System.exit(CHECK_RUN);
    }

    /** Whether the command line asks for the usage: --help or -h anywhere wins over everything else. */
    static boolean asksForHelp(String[] args) {
        return List.of(args).contains("--help") || List.of(args).contains("-h");
    }

    /** Parses a command line without --help; an IllegalArgumentException says what is wrong and what is accepted. */
    static DemoOptions parse(String[] args) {
        String policy = null; // the cluster's default: JCLUSTER_SCHED_POLICY, else rr
        int workers = Runtime.getRuntime().availableProcessors();
        int port = DEFAULT_PORT;
        int threads = 1;
        int seconds = 0;
        boolean handlerOnIoThread = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--policy" -> policy = value(args, ++i, "--policy");
                case "--workers" -> workers = number(args, ++i, "--workers", 1, MAX_WORKERS);
                case "--port" -> port = number(args, ++i, "--port", 0, 65535);
                case "--threads" -> threads = number(args, ++i, "--threads", 1, MAX_THREADS);
                case "--seconds" -> seconds = number(args, ++i, "--seconds", 1, Integer.MAX_VALUE);
                case "--handler-thread" -> handlerOnIoThread = switch (value(args, ++i, "--handler-thread")) {
                    case "io" -> true;
                    case "own" -> false;
                    default -> throw new IllegalArgumentException("--handler-thread takes io or own, not " + args[i]);
                };
                default -> throw new IllegalArgumentException("Unknown option " + args[i] + "; the options are "
                        + OPTIONS.stream().map(Option::name).collect(Collectors.joining(", "))
                        + " (--help says what each does)");
            }
        }
        return new DemoOptions(policy, workers, port, threads, seconds, handlerOnIoThread);
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(name + " needs a value: " + name + " " + optionNamed(name).value());
        }
        return args[i];
    }

    private static int number(String[] args, int i, String name, int min, int max) {
        String text = value(args, i, name);
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with the range
        }
        throw new IllegalArgumentException(name + " takes a whole number from " + min + " to " + max + ", not " + text);
    }

    private static Option optionNamed(String name) {
        return OPTIONS.stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow();
    }
}
