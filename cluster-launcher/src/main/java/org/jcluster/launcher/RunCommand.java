package org.jcluster.launcher;

import java.io.IOException;
import java.net.BindException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.jar.JarFile;

import org.jcluster.agent.AgentMain;
import org.jcluster.api.Cluster;
import org.jcluster.api.ClusterSettings;
import org.jcluster.metrics.micrometer.ClusterScraper;
import org.jcluster.supervisor.ShutdownReport;
import org.jcluster.supervisor.Supervisor;
import org.jcluster.supervisor.SupervisorSettings;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster run [options] -jar app.jar [args...]} or {@code ... -cp CLASSPATH main.Class [args...]}. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs an unmodified Java program on N worker JVMs that share the ports it binds,",
            "supervised: crashed workers are replaced, SIGHUP reloads with no lost connection, SIGTERM and",
            "SIGINT shut down gracefully. Everything after -jar FILE, or after -cp PATH MAIN, is the program's."},
        footer = {"", "Durations: 250ms, 1.5s, 2m, PT30S. Sizes: 512m, 2g. Each supervisor option can also be set",
            "with its system property or environment variable (docs/supervisor.md)."})
final class RunCommand implements Callable<Integer> {
    private static final List<String> PROGRAM_OPTIONS = List.of("-jar", "-cp", "-classpath", "--class-path");

    @Spec
    CommandSpec spec;

    @Option(names = "--workers", paramLabel = "N|max", defaultValue = "max",
            description = "Worker JVMs (default: ${DEFAULT-VALUE}, the CPUs this JVM sees, container limits included).")
    String workers;

    @Option(names = "--policy", paramLabel = "none|reuseport", defaultValue = "none",
            description = {"none (default): the primary binds each address once and every worker accepts on it;",
                "reuseport: each worker binds its own socket with SO_REUSEPORT and the kernel spreads connections."})
    String policy;

    @Option(names = "--name", description = "The cluster's name for status, reload and stop (default: the jar's or"
            + " the main class's name).")
    String name;

    @Option(names = "--java-option", paramLabel = "OPT", description = "A JVM flag for the workers, e.g."
            + " --java-option=-Xmx512m (repeatable).")
    List<String> javaOptions = new ArrayList<>();

    @Option(names = "--drain-timeout", paramLabel = "DURATION", description = "How long a replaced worker may finish"
            + " its connections before SIGTERM (default 25s).")
    String drainTimeout;

    @Option(names = "--ready-timeout", paramLabel = "DURATION", description = "How long a new worker may take to"
            + " listen before a reload rolls back (default 60s).")
    String readyTimeout;

    @Option(names = "--shutdown-timeout", paramLabel = "DURATION", description = "How long workers may drain on"
            + " SIGTERM/SIGINT or stop before SIGKILL (default 25s).")
    String shutdownTimeout;

    @Option(names = "--reload-signal", paramLabel = "true|false", description = "Whether SIGHUP reloads (default"
            + " true; false: SIGHUP shuts down).")
    String reloadSignal;

    @Option(names = "--restart-delay", paramLabel = "DURATION", description = "First respawn delay after a crash"
            + " (default 100ms), growing 1.5x per further crash.")
    String restartDelay;

    @Option(names = "--restart-delay-max", paramLabel = "DURATION", description = "Longest respawn delay (default 15s).")
    String restartDelayMax;

    @Option(names = "--crash-loop-exits", paramLabel = "N", description = "Crashes within --crash-loop-window that"
            + " stop the service (default 5; 0: never).")
    String crashLoopExits;

    @Option(names = "--crash-loop-window", paramLabel = "DURATION", description = "(default 10s)")
    String crashLoopWindow;

    @Option(names = "--max-memory", paramLabel = "SIZE", description = "Replace a worker whose resident memory"
            + " exceeds this (default 0: never).")
    String maxMemory;

    @Option(names = "--max-requests", paramLabel = "N", description = "Replace a worker after about this many"
            + " connections (default 0: never).")
    String maxRequests;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve every worker's Micrometer meters and"
            + " jcluster's per-worker figures as one Prometheus endpoint at http://127.0.0.1:PORT/metrics (default: none).")
    Integer metricsPort;

    @Option(names = "-jar", paramLabel = "FILE", description = "The program: an executable jar.")
    Path jar;

    @Option(names = {"-cp", "-classpath", "--class-path"}, paramLabel = "CLASSPATH",
            description = "The program: a class path, followed by the main class.")
    String classPath;

    @Parameters(paramLabel = "ARGS", description = "The main class (with -cp), then the program's arguments.")
    List<String> program = new ArrayList<>();

    /** The program's own arguments, set by {@link #splitProgram}: none of them is parsed as jcluster's. */
    List<String> programArguments = List.of();

    /**
     * Everything after {@code -jar FILE} or {@code -cp PATH MAIN} belongs to the program, as with the
     * {@code java} command, even when it looks like an option of ours: it is kept out of picocli's hands
     * and given to the run command as it is. Returns what picocli parses.
     */
    static String[] splitProgram(CommandLine root, String[] args) {
        List<String> all = Arrays.asList(args);
        int run = all.indexOf("run");
        if (run < 0) {
            return args;
        }
        CommandLine runLine = root.getSubcommands().get("run");
        CommandSpec runSpec = runLine.getCommandSpec();
        for (int i = run + 1; i < args.length; i++) {
            String token = args[i];
            String name = token.contains("=") ? token.substring(0, token.indexOf('=')) : token;
            if (PROGRAM_OPTIONS.contains(name)) {
                int valueTokens = token.contains("=") ? 0 : 1;
                int end = Math.min(args.length, i + 1 + valueTokens + (name.equals("-jar") ? 0 : 1));
                ((RunCommand) runLine.getCommand()).programArguments = List.copyOf(all.subList(end, args.length));
                return Arrays.copyOf(args, end);
            }
            OptionSpec option = token.startsWith("-") && !token.contains("=") ? runSpec.findOption(token) : null;
            if (option != null && option.arity().max() > 0) {
                i++; // its value, whatever it looks like
            }
        }
        return args;
    }

    @Override
    public Integer call() throws IOException {
        int workerCount = workerCount();
        checkPolicy();
        checkMetricsPort();
        ClusterSettings.Builder program = ClusterSettings.builder().args(programArguments());
        String defaultName;
        if (jar != null && classPath != null) {
            throw usage("give the program once: -jar FILE or -cp CLASSPATH MAIN, not both");
        }
        if (jar != null) {
            if (!this.program.isEmpty()) {
                throw usage("unexpected " + this.program + " before -jar: jcluster's options come first, the"
                        + " program's arguments after -jar FILE");
            }
            checkJar();
            program.exec(jar.toAbsolutePath().toString());
            defaultName = nameOf(jar.getFileName().toString().replaceFirst("\\.jar$", ""));
        } else if (classPath != null) {
            if (this.program.isEmpty()) {
                throw usage("-cp " + classPath + " needs the main class after it: -cp " + classPath + " com.example.Main");
            }
            program.exec(this.program.get(0)).classPath(classPath).modulePath("");
            defaultName = nameOf(this.program.get(0).substring(this.program.get(0).lastIndexOf('.') + 1));
        } else {
            throw usage("no program given: end the command with -jar app.jar [args...] or -cp CLASSPATH"
                    + " main.Class [args...]");
        }
        String clusterName = name != null ? name : defaultName;

        SupervisorSettings settings;
        try {
            Properties overrides = supervisorOverrides();
            overrides.setProperty(SupervisorSettings.WORKERS, Integer.toString(workerCount));
            // The primary cannot see a reuseport bind (the agent signals instead); under none it sees every bind.
            overrides.setProperty(SupervisorSettings.READY_SIGNAL, Boolean.toString(policy.equals("reuseport")));
            overrides.setProperty(SupervisorSettings.OUTPUT_PREFIX, "true");
            settings = SupervisorSettings.builder().overridesFrom(overrides, System.getenv()).build();
        } catch (IllegalArgumentException e) {
            throw usage(inOptionTerms(e.getMessage()));
        }

        List<String> jvmFlags = new ArrayList<>(javaOptions);
        jvmFlags.add("-javaagent:" + agentJar() + "=policy=" + policy + ",drain=" + agentDrain(settings));
        program.execArgv(jvmFlags);

        Cluster cluster = Cluster.get();
        cluster.schedulingPolicy("none");
        cluster.setupPrimary(program.build());
        Supervisor supervisor = Supervisor.create(cluster, settings);
        ControlServer control;
        try {
            control = ControlServer.start(ControlDirectory.forThisUser(), clusterName, supervisor, policy);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        } catch (IOException e) {
            System.err.println("jcluster: " + e.getMessage());
            return 1;
        }
        MetricsEndpoint metrics = null;
        if (metricsPort != null) {
            try {
                metrics = MetricsEndpoint.start(metricsPort, ClusterScraper.of(supervisor));
            } catch (BindException e) {
                control.close();
                String why = String.valueOf(e.getMessage()).contains("in use")
                        ? "the port is in use; give a free port, or stop what listens on it (ss -ltnp 'sport = :"
                                + metricsPort + "' names it)"
                        : "cannot listen on 127.0.0.1:" + metricsPort + " (" + e.getMessage() + "); give another port";
                throw usage("--metrics-port " + metricsPort + ": " + why);
            } catch (IOException e) {
                control.close();
                System.err.println("jcluster: --metrics-port " + metricsPort + ": cannot serve the metrics: " + e.getMessage());
                return 1;
            }
        }
        MetricsEndpoint endpoint = metrics;
        // The sockets go with the primary, however it ends (the supervisor exits the JVM after a shutdown).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            control.close();
            if (endpoint != null) {
                endpoint.close();
            }
        }, "jcluster-control-close"));
        supervisor.start();
        System.err.println("jcluster: " + clusterName + ": " + workerCount + " workers, policy " + policy
                + "; bin/jcluster status|reload|stop --name " + clusterName);
        if (endpoint != null) {
            System.err.println("jcluster: " + clusterName + ": metrics at http://127.0.0.1:" + endpoint.port() + MetricsEndpoint.PATH);
        }
        if (policy.equals("reuseport") && !migratesQueuedConnections()) {
            System.err.println("jcluster: note: under reuseport, Linux resets the connections still queued on a"
                    + " replaced worker's socket; sysctl -w net.ipv4.tcp_migrate_req=1 makes it move them to another"
                    + " worker instead (docs/launcher.md)");
        }
        ShutdownReport report = supervisor.whenDone().join();
        control.close();
        if (endpoint != null) {
            endpoint.close();
        }
        // The supervisor ends the JVM itself, after its last line: main must not race it with a System.exit.
        return settings.exitAfterShutdown() ? Main.EXIT_LEFT_TO_SUPERVISOR : report.exitStatus();
    }

    /** Linux 5.14+ moves a closing reuseport socket's queued connections to another one when this is 1. */
    private static boolean migratesQueuedConnections() {
        try {
            return Files.readString(Path.of("/proc/sys/net/ipv4/tcp_migrate_req")).trim().equals("1");
        } catch (IOException | RuntimeException unknown) {
            return false;
        }
    }

    /**
     * How long a leaving worker's agent waits for its connections before it exits through the
     * program's shutdown hooks: four fifths of the drain time (or of the shutdown deadline, if shorter),
     * so that the program's own shutdown starts before the supervisor's SIGTERM at the drain deadline
     * or its SIGKILL at the shutdown deadline, with time left for its hooks.
     */
    static Duration agentDrain(SupervisorSettings settings) {
        Duration drain = settings.drainTimeout();
        Duration shorter = drain.compareTo(settings.shutdownTimeout()) < 0 ? drain : settings.shutdownTimeout();
        return shorter.multipliedBy(4).dividedBy(5);
    }

    private List<String> programArguments() {
        List<String> arguments = new ArrayList<>();
        if (classPath != null && program.size() > 1) {
            arguments.addAll(program.subList(1, program.size()));
        }
        arguments.addAll(programArguments);
        return arguments;
    }

    /** A default cluster name from a jar or class name: what ControlDirectory accepts ("app+1" gives "app-1"). */
    static String nameOf(String jarOrClass) {
        String name = jarOrClass.replaceAll("[^A-Za-z0-9._-]", "-").replaceFirst("^[^A-Za-z0-9]+", "");
        name = name.length() > 64 ? name.substring(0, 64) : name;
        return name.isEmpty() ? "jcluster" : name;
    }

    private int workerCount() {
        if (workers.equals("max")) {
            return Math.min(SupervisorSettings.MAX_WORKERS, Runtime.getRuntime().availableProcessors());
        }
        try {
            int n = Integer.parseInt(workers);
            if (n >= 1 && n <= SupervisorSettings.MAX_WORKERS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below says what is allowed
        }
        throw usage("--workers " + workers + ": write a number of worker JVMs from 1 to " + SupervisorSettings.MAX_WORKERS
                + ", or max for one per CPU");
    }

    private void checkPolicy() {
        if (policy.equals("rr")) {
            throw usage("--policy rr: round-robin hands accepted connections to the program through jcluster's"
                    + " cluster.listen, which an unmodified server does not call; use --policy none (the default) or"
                    + " --policy reuseport");
        }
        if (!policy.equals("none") && !policy.equals("reuseport")) {
            throw usage("--policy " + policy + ": write none or reuseport");
        }
    }

    private void checkMetricsPort() {
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            throw usage("--metrics-port " + metricsPort + ": write a TCP port from 1 to 65535 (0: any free port, printed"
                    + " at start)");
        }
    }

    private void checkJar() {
        if (!Files.isRegularFile(jar)) {
            throw usage("-jar " + jar + ": no such file; give the path of the application's jar");
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            if (file.getManifest() == null || file.getManifest().getMainAttributes().getValue("Main-Class") == null) {
                throw usage("-jar " + jar + ": the jar's manifest names no Main-Class; run it with -cp " + jar
                        + " com.example.Main instead");
            }
        } catch (IOException e) {
            throw usage("-jar " + jar + ": not a readable jar (" + e.getMessage() + ")");
        }
    }

    /** The agent jar, which lies in lib/ beside everything it loads. */
    private static Path agentJar() {
        try {
            return Path.of(AgentMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot find the jcluster agent's jar: " + e.getMessage(), e);
        }
    }

    /** The supervisor options given, as the system properties they stand for, over the JVM's own. */
    private Properties supervisorOverrides() {
        Properties properties = new Properties();
        properties.putAll(System.getProperties());
        optionProperties().forEach((option, property) -> {
            String value = spec.findOption(option).getValue();
            if (value != null) {
                properties.setProperty(property, value);
            }
        });
        return properties;
    }

    private static Map<String, String> optionProperties() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("--drain-timeout", SupervisorSettings.DRAIN_TIMEOUT);
        map.put("--ready-timeout", SupervisorSettings.READY_TIMEOUT);
        map.put("--shutdown-timeout", SupervisorSettings.SHUTDOWN_TIMEOUT);
        map.put("--reload-signal", SupervisorSettings.RELOAD_SIGNAL);
        map.put("--restart-delay", SupervisorSettings.RESTART_DELAY);
        map.put("--restart-delay-max", SupervisorSettings.RESTART_DELAY_MAX);
        map.put("--crash-loop-exits", SupervisorSettings.CRASH_LOOP_EXITS);
        map.put("--crash-loop-window", SupervisorSettings.CRASH_LOOP_WINDOW);
        map.put("--max-memory", SupervisorSettings.RECYCLE_MEMORY);
        map.put("--max-requests", SupervisorSettings.RECYCLE_CONNECTIONS);
        return map;
    }

    /** The supervisor names its settings by property; name the option the user typed instead. */
    private String inOptionTerms(String message) {
        Map<String, String> given = new LinkedHashMap<>();
        optionProperties().forEach((option, property) -> {
            if (spec.findOption(option).getValue() != null) {
                given.put(option, property);
            }
        });
        return inOptionTerms(message, given);
    }

    /** Longest property first: restart.delay must not rewrite restart.delay.max. */
    static String inOptionTerms(String message, Map<String, String> propertyOfOption) {
        String result = message;
        List<Map.Entry<String, String>> entries = new ArrayList<>(propertyOfOption.entrySet());
        entries.sort((a, b) -> b.getValue().length() - a.getValue().length());
        for (Map.Entry<String, String> e : entries) {
            result = result.replace(" (from the system property -D" + e.getValue() + ")", "")
                    .replace(" (from system property -D" + e.getValue() + ")", "")
                    .replace(e.getValue(), e.getKey());
        }
        return result;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
