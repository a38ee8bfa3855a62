package org.jcluster.supervisor;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a {@link Supervisor} keeps the service up: immutable, made by {@link #builder()}.
 *
 * <p>Every setting can also be given from outside the program, by a system property or an environment
 * variable, so that an operator (or jcluster's launcher) can change it without a rebuild. The property
 * names are the constants of this class ({@value #WORKERS}, ...); the environment variable is the same
 * name in capitals with {@code _} for {@code .} ({@code JCLUSTER_SUPERVISOR_WORKERS}). For each setting
 * the first of these that is present wins:
 * <ol>
 * <li>the system property ({@code -Djcluster.supervisor.workers=4}),</li>
 * <li>the environment variable ({@code JCLUSTER_SUPERVISOR_WORKERS=4}),</li>
 * <li>the value given to the builder in code,</li>
 * <li>the default.</li>
 * </ol>
 * Durations are written with their unit: {@code 250ms}, {@code 1.5s}, {@code 2m}, {@code 1h}, or ISO-8601
 * ({@code PT30S}); {@code 0} needs none. A value that cannot be used fails {@link Builder#build()} with an
 * {@link IllegalArgumentException} naming the setting, where the value came from, and what to write.
 *
 * <h2>Why these defaults</h2>
 * They follow what the process managers a service author already knows do (docs/supervisor.md has the
 * sources), where those agree, and the JVM's costs where they do not:
 * <ul>
 * <li>{@link #workers()}: one worker JVM per available processor, as {@code pm2 start -i max} and
 *     Node's own cluster example do (the JVM counts a container's CPU quota). Each worker is a whole
 *     JVM with its own heap: set it lower for memory-heavy services.</li>
 * <li>Respawn backoff 100 ms, x1.5 per consecutive crash, capped at 15 s, forgotten after 30 s up:
 *     PM2's {@code exp_backoff_restart_delay} (the 100 ms its documentation suggests; its factor 1.5,
 *     cap 15 s and 30 s reset), and systemd's default {@code RestartSec=100ms}. A JVM takes a few
 *     hundred milliseconds to start, so a worker that crashes at once still costs little CPU, and a
 *     single crash under load is replaced as fast as PM2 replaces one (~110 ms measured).</li>
 * <li>Crash loop: 5 unexpected exits within 10 s, systemd's {@code StartLimitBurst=5} in
 *     {@code StartLimitIntervalSec=10s}: a deploy whose workers cannot start is stopped within seconds,
 *     and the primary exits non-zero so that systemd or Kubernetes sees it (PM2 instead keeps an
 *     "errored" app with no workers, and gunicorn halts on the first boot error).</li>
 * <li>Shutdown deadline 25 s: gunicorn's and Puma's graceful timeout is 30 s, and so is Kubernetes'
 *     default termination grace period, after which it SIGKILLs the primary itself; 25 s leaves the
 *     primary the time to SIGKILL late workers and say which they were. (PM2's 1.6 s
 *     {@code kill_timeout} cuts requests off.)</li>
 * <li>Signals handled, and the primary exits with the shutdown's status: what gunicorn, Puma and PM2
 *     do for their own master process.</li>
 * </ul>
 */
public final class SupervisorSettings {

    /** Worker JVMs to keep running. Default: {@link Runtime#availableProcessors()}. */
    public static final String WORKERS = "jcluster.supervisor.workers";
    /** Delay before the first respawn of a crashed worker. Default 100ms. */
    public static final String RESTART_DELAY = "jcluster.supervisor.restart.delay";
    /** Factor the delay grows by with each further consecutive crash. Default 1.5. */
    public static final String RESTART_DELAY_FACTOR = "jcluster.supervisor.restart.delay.factor";
    /** Longest respawn delay. Default 15s. */
    public static final String RESTART_DELAY_MAX = "jcluster.supervisor.restart.delay.max";
    /** How long a worker must stay online for its slot's crashes to be forgotten. Default 30s. */
    public static final String STABLE_AFTER = "jcluster.supervisor.stable.after";
    /** Unexpected exits within the window that stop the respawning; 0 turns the breaker off. Default 5. */
    public static final String CRASH_LOOP_EXITS = "jcluster.supervisor.crashloop.exits";
    /** The crash-loop breaker's window. Default 10s. */
    public static final String CRASH_LOOP_WINDOW = "jcluster.supervisor.crashloop.window";
    /** Whether a crash loop shuts the service down (and the primary exits non-zero). Default true. */
    public static final String CRASH_LOOP_SHUTDOWN = "jcluster.supervisor.crashloop.shutdown";
    /** How long workers may drain in a graceful shutdown before they are SIGKILLed. Default 25s. */
    public static final String SHUTDOWN_TIMEOUT = "jcluster.supervisor.shutdown.timeout";
    /**
     * Whether SIGTERM and SIGINT to the primary start a graceful shutdown (and SIGHUP a reload, or with
     * {@link #RELOAD_SIGNAL} false a shutdown too). Default true.
     */
    public static final String SIGNALS = "jcluster.supervisor.signals";
    /** Whether the primary JVM exits with the shutdown's status once a shutdown is done. Default true. */
    public static final String SHUTDOWN_EXIT = "jcluster.supervisor.shutdown.exit";

    /** Whether SIGHUP to the primary starts a rolling {@link Supervisor#reload()} (else it shuts down). Default true. */
    public static final String RELOAD_SIGNAL = "jcluster.supervisor.reload.signal";
    /** Workers a reload replaces at a time. Default 1. */
    public static final String RELOAD_BATCH = "jcluster.supervisor.reload.batch";
    /**
     * Of a reload's batch, how many replacements are forked before the workers they replace leave (the
     * rest leave first, then are replaced: fewer JVMs at once, less capacity meanwhile). Default 1.
     */
    public static final String RELOAD_SURGE = "jcluster.supervisor.reload.surge";
    /** How long a replacement may take to become ready before the reload rolls back. Default 60s. */
    public static final String READY_TIMEOUT = "jcluster.supervisor.ready.timeout";
    /**
     * Whether a replacement is ready only once it calls {@link org.jcluster.api.Cluster#signalReady()}
     * (for workers that warm up after they listen); else once it listens where the worker it replaces did.
     * Default false.
     */
    public static final String READY_SIGNAL = "jcluster.supervisor.ready.signal";
    /**
     * Whether the workers' stdout and stderr go into the primary's, each line whole and prefixed with the
     * worker's id ({@link WorkerOutput}); the supervisor then sets {@code silent(true)} on the cluster so
     * that their output comes through pipes. Default false: the workers write to the terminal directly.
     */
    public static final String OUTPUT_PREFIX = "jcluster.supervisor.output.prefix";
    /** How long a replaced worker may drain its connections before SIGTERM (then SIGKILL). Default 25s. */
    public static final String DRAIN_TIMEOUT = "jcluster.supervisor.drain.timeout";
    /** How often each worker is pinged (hang check, recycling limits); 0: never. Default 5s. */
    public static final String PING_INTERVAL = "jcluster.supervisor.ping.interval";
    /** How long a worker may take to answer a ping before it counts as unresponsive. Default 30s. */
    public static final String PING_TIMEOUT = "jcluster.supervisor.ping.timeout";
    /**
     * Whether an unresponsive worker is replaced (a replacement first, then SIGQUIT for its thread dump,
     * then SIGKILL); else it is only reported. Default true.
     */
    public static final String UNRESPONSIVE_REPLACE = "jcluster.supervisor.unresponsive.replace";
    /** Connections after which a worker is recycled (replaced through the reload path); 0: never. Default 0. */
    public static final String RECYCLE_CONNECTIONS = "jcluster.supervisor.recycle.connections";
    /** Each worker's connection limit is raised by a random share of it, up to this fraction. Default 0.1. */
    public static final String RECYCLE_JITTER = "jcluster.supervisor.recycle.jitter";
    /** Resident memory (bytes; {@code 512m}, {@code 2g}) above which a worker is recycled; 0: never. Default 0. */
    public static final String RECYCLE_MEMORY = "jcluster.supervisor.recycle.memory";
    /** Heap used after GC (bytes, as the worker reports it) above which a worker is recycled; 0: never. Default 0. */
    public static final String RECYCLE_HEAP = "jcluster.supervisor.recycle.heap";

    /** Upper bound on {@link #workers()}: a typo guard, far above what one machine runs. */
    public static final int MAX_WORKERS = 1024;

    /** Every setting's value, by property name. */
    private final Map<String, Object> values;
    /** Where each setting's value came from, for messages: property name to a phrase. */
    private final Map<String, String> sources;

    private SupervisorSettings(Map<String, Object> values, Map<String, String> sources) {
        this.values = Map.copyOf(values);
        this.sources = Map.copyOf(sources);
    }

    /** A builder holding no value of its own: {@link Builder#build()} gives the defaults, with overrides from outside. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults, with whatever the system properties and the environment set. */
    public static SupervisorSettings fromEnvironment() {
        return builder().build();
    }

    /** The environment variable that sets {@code property}: {@code jcluster.supervisor.workers} gives {@code JCLUSTER_SUPERVISOR_WORKERS}. */
    public static String environmentVariable(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** Worker JVMs the supervisor keeps running (PM2's {@code instances}). */
    public int workers() {
        return (Integer) values.get(WORKERS);
    }

    /** Delay before a crashed worker's first respawn (PM2's {@code exp_backoff_restart_delay}). */
    public Duration restartDelay() {
        return (Duration) values.get(RESTART_DELAY);
    }

    /** The respawn delay is multiplied by this for each further consecutive crash of the same slot. */
    public double restartDelayFactor() {
        return (Double) values.get(RESTART_DELAY_FACTOR);
    }

    /** The longest respawn delay. */
    public Duration restartDelayMax() {
        return (Duration) values.get(RESTART_DELAY_MAX);
    }

    /** A worker online this long makes its slot forget its crashes: the next respawn waits {@link #restartDelay()} again. */
    public Duration stableAfter() {
        return (Duration) values.get(STABLE_AFTER);
    }

    /** This many unexpected exits within {@link #crashLoopWindow()} stop the respawning; 0: never. */
    public int crashLoopExits() {
        return (Integer) values.get(CRASH_LOOP_EXITS);
    }

    /** The window of the crash-loop breaker. */
    public Duration crashLoopWindow() {
        return (Duration) values.get(CRASH_LOOP_WINDOW);
    }

    /** Whether a crash loop starts a graceful shutdown (which ends with a non-zero status). */
    public boolean crashLoopShutdown() {
        return (Boolean) values.get(CRASH_LOOP_SHUTDOWN);
    }

    /** How long a graceful shutdown lets workers drain before it SIGKILLs the rest (PM2's {@code kill_timeout}). */
    public Duration shutdownTimeout() {
        return (Duration) values.get(SHUTDOWN_TIMEOUT);
    }

    /** Whether SIGTERM, SIGINT (and SIGHUP) to the primary start a graceful shutdown through a shutdown hook. */
    public boolean handleSignals() {
        return (Boolean) values.get(SIGNALS);
    }

    /** Whether the primary JVM exits with the shutdown's status ({@link ShutdownReport#exitStatus()}) once done. */
    public boolean exitAfterShutdown() {
        return (Boolean) values.get(SHUTDOWN_EXIT);
    }

    /** Whether SIGHUP to the primary starts a rolling reload. */
    public boolean reloadOnSignal() {
        return (Boolean) values.get(RELOAD_SIGNAL);
    }

    /** Workers a reload replaces at a time. */
    public int reloadBatch() {
        return (Integer) values.get(RELOAD_BATCH);
    }

    /** Of a batch, the replacements forked before the workers they replace leave; at most {@link #reloadBatch()}. */
    public int reloadSurge() {
        return Math.min(reloadBatch(), (Integer) values.get(RELOAD_SURGE));
    }

    /** How long a replacement may take to become ready. */
    public Duration readyTimeout() {
        return (Duration) values.get(READY_TIMEOUT);
    }

    /** Whether a replacement must call {@code cluster.signalReady()} to count as ready. */
    public boolean readySignal() {
        return (Boolean) values.get(READY_SIGNAL);
    }

    /** Whether the workers' output goes into the primary's, line by line, prefixed ({@link WorkerOutput}). */
    public boolean prefixOutput() {
        return (Boolean) values.get(OUTPUT_PREFIX);
    }

    /** How long a replaced worker may drain before SIGTERM. */
    public Duration drainTimeout() {
        return (Duration) values.get(DRAIN_TIMEOUT);
    }

    /** How often workers are pinged; zero: never. */
    public Duration pingInterval() {
        return (Duration) values.get(PING_INTERVAL);
    }

    /** How long a ping may go unanswered before the worker counts as unresponsive. */
    public Duration pingTimeout() {
        return (Duration) values.get(PING_TIMEOUT);
    }

    /** Whether an unresponsive worker is replaced and killed, or only reported. */
    public boolean replaceUnresponsive() {
        return (Boolean) values.get(UNRESPONSIVE_REPLACE);
    }

    /** Connections after which a worker is recycled; 0: never. */
    public long recycleConnections() {
        return (Long) values.get(RECYCLE_CONNECTIONS);
    }

    /** The fraction up to which each worker's connection limit is raised at random. */
    public double recycleJitter() {
        return (Double) values.get(RECYCLE_JITTER);
    }

    /** Resident memory in bytes above which a worker is recycled; 0: never. */
    public long recycleMemory() {
        return (Long) values.get(RECYCLE_MEMORY);
    }

    /** Heap used after GC in bytes above which a worker is recycled; 0: never. */
    public long recycleHeap() {
        return (Long) values.get(RECYCLE_HEAP);
    }

    /** The respawn delay after {@code crashes} consecutive crashes of one slot (1 for the first). */
    public Duration restartDelayAfter(int crashes) {
        if (crashes < 1) {
            throw new IllegalArgumentException("crashes counts from 1; got " + crashes);
        }
        double nanos = restartDelay().toNanos() * Math.pow(restartDelayFactor(), crashes - 1);
        long max = restartDelayMax().toNanos();
        return Duration.ofNanos(nanos >= max ? max : (long) nanos);
    }

    /** Where {@code property}'s value came from: "the default", "code", "system property ..." or "environment variable ...". */
    String sourceOf(String property) {
        return sources.getOrDefault(property, "the default");
    }

    /** How to change {@code property}, for messages: its property and environment variable, and its current value. */
    String howToSet(String property) {
        return property + " (environment variable " + environmentVariable(property) + "; now " + display(property) + ")";
    }

    private String display(String property) {
        Object value = values.get(property);
        if (value == null) {
            throw new IllegalArgumentException(property);
        }
        if (value instanceof Long bytes && BYTE_SETTINGS.contains(property)) {
            return formatBytes(bytes);
        }
        return value instanceof Duration d ? format(d) : String.valueOf(value);
    }

    /** A duration as people write it: 100ms, 1.5s, 2m. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000 && d.toNanos() % 1_000_000 == 0) {
            return ms + "ms";
        }
        if (ms % 60_000 == 0 && ms >= 60_000) {
            return (ms / 60_000) + "m";
        }
        return BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString() + "s";
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("SupervisorSettings{");
        for (String p : NAMES) {
            s.append(p.substring("jcluster.supervisor.".length())).append('=').append(display(p)).append(", ");
        }
        s.setLength(s.length() - 2);
        return s.append('}').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SupervisorSettings other && toString().equals(other.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    private static final List<String> NAMES = List.of(WORKERS, RESTART_DELAY, RESTART_DELAY_FACTOR, RESTART_DELAY_MAX,
            STABLE_AFTER, CRASH_LOOP_EXITS, CRASH_LOOP_WINDOW, CRASH_LOOP_SHUTDOWN, SHUTDOWN_TIMEOUT, SIGNALS,
            SHUTDOWN_EXIT, RELOAD_SIGNAL, RELOAD_BATCH, RELOAD_SURGE, READY_TIMEOUT, READY_SIGNAL, DRAIN_TIMEOUT,
            PING_INTERVAL, PING_TIMEOUT, UNRESPONSIVE_REPLACE, RECYCLE_CONNECTIONS, RECYCLE_JITTER, RECYCLE_MEMORY,
            RECYCLE_HEAP, OUTPUT_PREFIX);
    private static final List<String> BYTE_SETTINGS = List.of(RECYCLE_MEMORY, RECYCLE_HEAP);

    /** Builds {@link SupervisorSettings}; each setter checks its value at once and says what is wrong with it. */
    public static final class Builder {
        private final Map<String, Object> code = new HashMap<>();
        private Properties properties;
        private Map<String, String> environment;

        private Builder() {
        }

        /** Worker JVMs to keep, from 1 to {@value SupervisorSettings#MAX_WORKERS}. */
        public Builder workers(int workers) {
            return put(WORKERS, checkWorkers(workers, workers + " (set in code)"));
        }

        /** Delay before a crashed worker's first respawn; 0 respawns at once. */
        public Builder restartDelay(Duration delay) {
            return put(RESTART_DELAY, checkNotNegative(RESTART_DELAY, delay, delay + " (set in code)"));
        }

        /** Growth per further consecutive crash, at least 1 (1: every respawn waits {@link #restartDelay}). */
        public Builder restartDelayFactor(double factor) {
            return put(RESTART_DELAY_FACTOR, checkFactor(factor, factor + " (set in code)"));
        }

        /** The longest respawn delay; at least {@link #restartDelay}. */
        public Builder restartDelayMax(Duration max) {
            return put(RESTART_DELAY_MAX, checkNotNegative(RESTART_DELAY_MAX, max, max + " (set in code)"));
        }

        /** How long a worker must stay online for its slot's crashes to be forgotten; more than 0. */
        public Builder stableAfter(Duration uptime) {
            return put(STABLE_AFTER, checkPositive(STABLE_AFTER, uptime, uptime + " (set in code)"));
        }

        /** Unexpected exits within {@link #crashLoopWindow} that stop the respawning; 0 turns the breaker off. */
        public Builder crashLoopExits(int exits) {
            return put(CRASH_LOOP_EXITS, checkExits(exits, exits + " (set in code)"));
        }

        /** The crash-loop breaker's window; more than 0. */
        public Builder crashLoopWindow(Duration window) {
            return put(CRASH_LOOP_WINDOW, checkPositive(CRASH_LOOP_WINDOW, window, window + " (set in code)"));
        }

        /** Whether a crash loop shuts the service down (true) or only stops respawning (false). */
        public Builder crashLoopShutdown(boolean shutdown) {
            return put(CRASH_LOOP_SHUTDOWN, shutdown);
        }

        /** How long workers may drain in a graceful shutdown; 0 SIGKILLs them at once. */
        public Builder shutdownTimeout(Duration timeout) {
            return put(SHUTDOWN_TIMEOUT, checkNotNegative(SHUTDOWN_TIMEOUT, timeout, timeout + " (set in code)"));
        }

        /** Whether the supervisor handles SIGTERM and SIGINT (graceful shutdown) and SIGHUP (reload, or shutdown). */
        public Builder handleSignals(boolean handle) {
            return put(SIGNALS, handle);
        }

        /** Whether the primary JVM exits with the shutdown's status once a shutdown is done. */
        public Builder exitAfterShutdown(boolean exit) {
            return put(SHUTDOWN_EXIT, exit);
        }

        /** Whether SIGHUP to the primary starts a rolling reload (true) or a graceful shutdown (false). */
        public Builder reloadOnSignal(boolean reload) {
            return put(RELOAD_SIGNAL, reload);
        }

        /** Workers a reload replaces at a time, 1 to {@value #MAX_WORKERS}. */
        public Builder reloadBatch(int workers) {
            return put(RELOAD_BATCH, checkCount(RELOAD_BATCH, workers, 1, workers + " (set in code)"));
        }

        /** Of a batch, how many replacements start before the workers they replace leave; 0 to the batch size. */
        public Builder reloadSurge(int workers) {
            return put(RELOAD_SURGE, checkCount(RELOAD_SURGE, workers, 0, workers + " (set in code)"));
        }

        /** How long a replacement may take to become ready before the reload rolls back. */
        public Builder readyTimeout(Duration timeout) {
            return put(READY_TIMEOUT, checkPositive(READY_TIMEOUT, timeout, timeout + " (set in code)"));
        }

        /** Whether replacements count as ready only once they call {@code cluster.signalReady()}. */
        public Builder readySignal(boolean wait) {
            return put(READY_SIGNAL, wait);
        }

        /** Whether the workers' output goes into the primary's, each line whole and prefixed with the worker's id. */
        public Builder prefixOutput(boolean prefix) {
            return put(OUTPUT_PREFIX, prefix);
        }

        /** How long a replaced worker may drain before SIGTERM, then SIGKILL. */
        public Builder drainTimeout(Duration timeout) {
            return put(DRAIN_TIMEOUT, checkNotNegative(DRAIN_TIMEOUT, timeout, timeout + " (set in code)"));
        }

        /** How often workers are pinged; {@link Duration#ZERO}: never (no hang check, no recycling). */
        public Builder pingInterval(Duration interval) {
            return put(PING_INTERVAL, checkNotNegative(PING_INTERVAL, interval, interval + " (set in code)"));
        }

        /** How long a ping may go unanswered before the worker counts as unresponsive. */
        public Builder pingTimeout(Duration timeout) {
            return put(PING_TIMEOUT, checkPositive(PING_TIMEOUT, timeout, timeout + " (set in code)"));
        }

        /** Whether an unresponsive worker is replaced and killed (true) or only reported (false). */
        public Builder replaceUnresponsive(boolean replace) {
            return put(UNRESPONSIVE_REPLACE, replace);
        }

        /** Connections after which a worker is recycled; 0: never. */
        public Builder recycleConnections(long connections) {
            return put(RECYCLE_CONNECTIONS, checkAmount(RECYCLE_CONNECTIONS, connections, connections + " (set in code)"));
        }

        /** The fraction, 0 to 1, up to which each worker's connection limit is raised at random. */
        public Builder recycleJitter(double fraction) {
            return put(RECYCLE_JITTER, checkFraction(fraction, fraction + " (set in code)"));
        }

        /** Resident memory in bytes above which a worker is recycled; 0: never. */
        public Builder recycleMemory(long bytes) {
            return put(RECYCLE_MEMORY, checkAmount(RECYCLE_MEMORY, bytes, bytes + " (set in code)"));
        }

        /** Heap used after GC in bytes above which a worker is recycled; 0: never. */
        public Builder recycleHeap(long bytes) {
            return put(RECYCLE_HEAP, checkAmount(RECYCLE_HEAP, bytes, bytes + " (set in code)"));
        }

        /**
         * Reads overrides from these instead of {@link System#getProperties()} and {@link System#getenv()}
         * (pass empty ones to ignore the outside, as an embedder or a test may).
         */
        public Builder overridesFrom(Properties systemProperties, Map<String, String> environment) {
            this.properties = Objects.requireNonNull(systemProperties, "systemProperties");
            this.environment = Map.copyOf(environment);
            return this;
        }

        /** The settings: for each, the system property, else the environment variable, else the builder's value, else the default. */
        public SupervisorSettings build() {
            Properties props = properties != null ? properties : System.getProperties();
            Map<String, String> env = environment != null ? environment : System.getenv();
            Map<String, Object> values = new LinkedHashMap<>();
            Map<String, String> sources = new HashMap<>();
            for (String name : NAMES) {
                String fromProperty = props.getProperty(name);
                String variable = environmentVariable(name);
                String fromEnv = env.get(variable);
                if (fromProperty != null) {
                    String source = "system property -D" + name;
                    values.put(name, parse(name, fromProperty, source));
                    sources.put(name, source);
                } else if (fromEnv != null) {
                    String source = "environment variable " + variable;
                    values.put(name, parse(name, fromEnv, source));
                    sources.put(name, source);
                } else if (code.containsKey(name)) {
                    values.put(name, code.get(name));
                    sources.put(name, "code");
                } else {
                    values.put(name, defaultOf(name));
                }
            }
            Duration delay = (Duration) values.get(RESTART_DELAY);
            Duration max = (Duration) values.get(RESTART_DELAY_MAX);
            if (max.compareTo(delay) < 0) {
                throw new IllegalArgumentException(RESTART_DELAY_MAX + " (" + format(max) + ", from "
                        + sourceOr(sources, RESTART_DELAY_MAX) + ") is shorter than " + RESTART_DELAY + " ("
                        + format(delay) + ", from " + sourceOr(sources, RESTART_DELAY) + "): the longest respawn delay"
                        + " must be at least the first; raise " + RESTART_DELAY_MAX + " or lower " + RESTART_DELAY);
            }
            boolean recycling = (Long) values.get(RECYCLE_CONNECTIONS) > 0 || (Long) values.get(RECYCLE_MEMORY) > 0
                    || (Long) values.get(RECYCLE_HEAP) > 0;
            if (recycling && ((Duration) values.get(PING_INTERVAL)).isZero()) {
                throw new IllegalArgumentException("recycling limits are checked at each ping, and " + PING_INTERVAL
                        + " is 0 (from " + sourceOr(sources, PING_INTERVAL) + "): give it an interval, e.g. 5s, or set"
                        + " the recycle.* limits to 0");
            }
            return new SupervisorSettings(values, sources);
        }

        private static String sourceOr(Map<String, String> sources, String name) {
            return sources.getOrDefault(name, "the default");
        }

        private Builder put(String name, Object value) {
            code.put(name, value);
            return this;
        }
    }

    // ---- defaults, parsing, checks ----

    private static Object defaultOf(String name) {
        return switch (name) {
            case WORKERS -> Math.min(MAX_WORKERS, Runtime.getRuntime().availableProcessors());
            case RESTART_DELAY -> Duration.ofMillis(100);
            case RESTART_DELAY_FACTOR -> 1.5;
            case RESTART_DELAY_MAX -> Duration.ofSeconds(15);
            case STABLE_AFTER -> Duration.ofSeconds(30);
            case CRASH_LOOP_EXITS -> 5;
            case CRASH_LOOP_WINDOW -> Duration.ofSeconds(10);
            case CRASH_LOOP_SHUTDOWN, SIGNALS, SHUTDOWN_EXIT, RELOAD_SIGNAL, UNRESPONSIVE_REPLACE -> true;
            case READY_SIGNAL, OUTPUT_PREFIX -> false;
            case SHUTDOWN_TIMEOUT, DRAIN_TIMEOUT -> Duration.ofSeconds(25);
            case RELOAD_BATCH, RELOAD_SURGE -> 1;
            case READY_TIMEOUT -> Duration.ofSeconds(60);
            case PING_INTERVAL -> Duration.ofSeconds(5);
            case PING_TIMEOUT -> Duration.ofSeconds(30);
            case RECYCLE_CONNECTIONS, RECYCLE_MEMORY, RECYCLE_HEAP -> 0L;
            case RECYCLE_JITTER -> 0.1;
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static Object parse(String name, String raw, String source) {
        String text = raw.trim();
        String where = "\"" + raw + "\" (from the " + source + ")";
        switch (name) {
            case WORKERS -> {
                return checkWorkers(parseInt(text, name + " = " + where, "a whole number of worker JVMs, e.g. 4"), where);
            }
            case CRASH_LOOP_EXITS -> {
                return checkExits(parseInt(text, name + " = " + where, "a whole number of exits, e.g. 5 (0 turns the breaker off)"), where);
            }
            case RESTART_DELAY_FACTOR -> {
                double factor;
                try {
                    factor = Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(name + " = " + where + ": write a number of at least 1, e.g. 1.5 (1 keeps every delay"
                            + " at " + RESTART_DELAY + ")");
                }
                return checkFactor(factor, where);
            }
            case RELOAD_BATCH -> {
                return checkCount(name, parseInt(text, name + " = " + where, "a whole number of workers, e.g. 1"), 1, where);
            }
            case RELOAD_SURGE -> {
                return checkCount(name, parseInt(text, name + " = " + where, "a whole number of workers, e.g. 1"), 0, where);
            }
            case RECYCLE_CONNECTIONS -> {
                try {
                    return checkAmount(name, Long.parseLong(text), where);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(name + " = " + where + ": write a whole number of connections,"
                            + " e.g. 100000 (0: never recycle)");
                }
            }
            case RECYCLE_MEMORY, RECYCLE_HEAP -> {
                return checkAmount(name, parseBytes(text, name + " = " + where), where);
            }
            case RECYCLE_JITTER -> {
                try {
                    return checkFraction(Double.parseDouble(text), where);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(name + " = " + where + ": write a fraction from 0 to 1, e.g. 0.1");
                }
            }
            case CRASH_LOOP_SHUTDOWN, SIGNALS, SHUTDOWN_EXIT, RELOAD_SIGNAL, READY_SIGNAL, UNRESPONSIVE_REPLACE,
                    OUTPUT_PREFIX -> {
                if (text.equalsIgnoreCase("true")) {
                    return true;
                }
                if (text.equalsIgnoreCase("false")) {
                    return false;
                }
                throw new IllegalArgumentException(name + " = " + where + ": write true or false");
            }
            case STABLE_AFTER, CRASH_LOOP_WINDOW, READY_TIMEOUT, PING_TIMEOUT -> {
                return checkPositive(name, parseDuration(text, name + " = " + where), where);
            }
            default -> {
                return checkNotNegative(name, parseDuration(text, name + " = " + where), where);
            }
        }
    }

    private static int parseInt(String text, String where, String what) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": write " + what);
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    /** 250ms, 1.5s, 2m, 1h, PT30S, or 0. */
    static Duration parseDuration(String text, String where) {
        String fix = ": write a duration with its unit, e.g. 250ms, 1.5s, 2m or PT30S";
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        if (text.startsWith("P") || text.startsWith("p")) {
            try {
                return Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(where + fix);
            }
        }
        Matcher m = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            boolean bareNumber = text.matches("\\d+(\\.\\d+)?");
            throw new IllegalArgumentException(where + fix + (bareNumber ? " (a bare number is ambiguous: " + text
                    + "ms or " + text + "s?)" : ""));
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        long nanosPerUnit = switch (m.group(2)) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        try {
            return Duration.ofNanos(amount.multiply(BigDecimal.valueOf(nanosPerUnit)).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(where + ": too long; write at most a few hours");
        }
    }

    private static int checkWorkers(int workers, String where) {
        if (workers < 1 || workers > MAX_WORKERS) {
            throw new IllegalArgumentException(WORKERS + " = " + where + " is out of range: give the number of worker JVMs"
                    + " to keep, from 1 to " + MAX_WORKERS + " (the default is one per available processor)");
        }
        return workers;
    }

    private static int checkExits(int exits, String where) {
        if (exits < 0) {
            throw new IllegalArgumentException(CRASH_LOOP_EXITS + " = " + where + " is negative: give the number of"
                    + " unexpected exits within " + CRASH_LOOP_WINDOW + " that stop the respawning, e.g. 5, or 0 to turn"
                    + " the breaker off");
        }
        return exits;
    }

    private static double checkFactor(double factor, String where) {
        if (!(factor >= 1.0) || Double.isInfinite(factor) || factor > 100) {
            throw new IllegalArgumentException(RESTART_DELAY_FACTOR + " = " + where + " is out of range: give a number"
                    + " from 1 to 100, e.g. 1.5 (1 keeps every delay at " + RESTART_DELAY + ")");
        }
        return factor;
    }

    private static Duration checkNotNegative(String name, Duration d, String where) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " = " + where + " is negative: give 0 or more, e.g. 100ms");
        }
        return d;
    }

    private static Duration checkPositive(String name, Duration d, String where) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " = " + where + " must be more than 0, e.g. 30s");
        }
        return d;
    }

    private static int checkCount(String name, int workers, int min, String where) {
        if (workers < min || workers > MAX_WORKERS) {
            throw new IllegalArgumentException(name + " = " + where + " is out of range: give a number of workers from "
                    + min + " to " + MAX_WORKERS + ", e.g. 1");
        }
        return workers;
    }

    private static long checkAmount(String name, long amount, String where) {
        if (amount < 0) {
            throw new IllegalArgumentException(name + " = " + where + " is negative: give 0 (never) or a limit");
        }
        return amount;
    }

    private static double checkFraction(double fraction, String where) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException(RECYCLE_JITTER + " = " + where + " is out of range: give a fraction from 0"
                    + " to 1, e.g. 0.1 (each worker's limit raised by up to 10%)");
        }
        return fraction;
    }

    private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*([kmg]?)b?");

    /** {@code 0}, {@code 800k}, {@code 512m}, {@code 2g} (binary units), or a number of bytes. */
    static long parseBytes(String text, String where) {
        Matcher m = BYTES.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(where + ": write a size, e.g. 512m or 2g (k, m, g: KiB, MiB, GiB;"
                    + " no unit: bytes)");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        try {
            long amount = Long.parseLong(m.group(1));
            if (amount > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return amount << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": too large");
        }
    }

    static String formatBytes(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "g";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "m";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "k";
        }
        return Long.toString(bytes);
    }
}
