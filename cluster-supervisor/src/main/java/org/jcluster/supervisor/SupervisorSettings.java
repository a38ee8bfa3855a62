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
    /** Whether SIGTERM, SIGINT and SIGHUP to the primary start a graceful shutdown. Default true. */
    public static final String SIGNALS = "jcluster.supervisor.signals";
    /** Whether the primary JVM exits with the shutdown's status once a shutdown is done. Default true. */
    public static final String SHUTDOWN_EXIT = "jcluster.supervisor.shutdown.exit";

    /** Upper bound on {@link #workers()}: a typo guard, far above what one machine runs. */
    public static final int MAX_WORKERS = 1024;

    private final int workers;
    private final Duration restartDelay;
    private final double restartDelayFactor;
    private final Duration restartDelayMax;
    private final Duration stableAfter;
    private final int crashLoopExits;
    private final Duration crashLoopWindow;
    private final boolean crashLoopShutdown;
    private final Duration shutdownTimeout;
    private final boolean handleSignals;
    private final boolean exitAfterShutdown;
    /** Where each setting's value came from, for messages: property name to a phrase. */
    private final Map<String, String> sources;

    private SupervisorSettings(Map<String, Object> v, Map<String, String> sources) {
        this.workers = (Integer) v.get(WORKERS);
        this.restartDelay = (Duration) v.get(RESTART_DELAY);
        this.restartDelayFactor = (Double) v.get(RESTART_DELAY_FACTOR);
        this.restartDelayMax = (Duration) v.get(RESTART_DELAY_MAX);
        this.stableAfter = (Duration) v.get(STABLE_AFTER);
        this.crashLoopExits = (Integer) v.get(CRASH_LOOP_EXITS);
        this.crashLoopWindow = (Duration) v.get(CRASH_LOOP_WINDOW);
        this.crashLoopShutdown = (Boolean) v.get(CRASH_LOOP_SHUTDOWN);
        this.shutdownTimeout = (Duration) v.get(SHUTDOWN_TIMEOUT);
        this.handleSignals = (Boolean) v.get(SIGNALS);
        this.exitAfterShutdown = (Boolean) v.get(SHUTDOWN_EXIT);
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
        return workers;
    }

    /** Delay before a crashed worker's first respawn (PM2's {@code exp_backoff_restart_delay}). */
    public Duration restartDelay() {
        return restartDelay;
    }

    /** The respawn delay is multiplied by this for each further consecutive crash of the same slot. */
    public double restartDelayFactor() {
        return restartDelayFactor;
    }

    /** The longest respawn delay. */
    public Duration restartDelayMax() {
        return restartDelayMax;
    }

    /** A worker online this long makes its slot forget its crashes: the next respawn waits {@link #restartDelay()} again. */
    public Duration stableAfter() {
        return stableAfter;
    }

    /** This many unexpected exits within {@link #crashLoopWindow()} stop the respawning; 0: never. */
    public int crashLoopExits() {
        return crashLoopExits;
    }

    /** The window of the crash-loop breaker. */
    public Duration crashLoopWindow() {
        return crashLoopWindow;
    }

    /** Whether a crash loop starts a graceful shutdown (which ends with a non-zero status). */
    public boolean crashLoopShutdown() {
        return crashLoopShutdown;
    }

    /** How long a graceful shutdown lets workers drain before it SIGKILLs the rest (PM2's {@code kill_timeout}). */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /** Whether SIGTERM, SIGINT (and SIGHUP) to the primary start a graceful shutdown through a shutdown hook. */
    public boolean handleSignals() {
        return handleSignals;
    }

    /** Whether the primary JVM exits with the shutdown's status ({@link ShutdownReport#exitStatus()}) once done. */
    public boolean exitAfterShutdown() {
        return exitAfterShutdown;
    }

    /** The respawn delay after {@code crashes} consecutive crashes of one slot (1 for the first). */
    public Duration restartDelayAfter(int crashes) {
        if (crashes < 1) {
            throw new IllegalArgumentException("crashes counts from 1; got " + crashes);
        }
        double nanos = restartDelay.toNanos() * Math.pow(restartDelayFactor, crashes - 1);
        long max = restartDelayMax.toNanos();
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
        Object value = switch (property) {
            case WORKERS -> workers;
            case RESTART_DELAY -> restartDelay;
            case RESTART_DELAY_FACTOR -> restartDelayFactor;
            case RESTART_DELAY_MAX -> restartDelayMax;
            case STABLE_AFTER -> stableAfter;
            case CRASH_LOOP_EXITS -> crashLoopExits;
            case CRASH_LOOP_WINDOW -> crashLoopWindow;
            case CRASH_LOOP_SHUTDOWN -> crashLoopShutdown;
            case SHUTDOWN_TIMEOUT -> shutdownTimeout;
            case SIGNALS -> handleSignals;
            case SHUTDOWN_EXIT -> exitAfterShutdown;
            default -> throw new IllegalArgumentException(property);
        };
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
            SHUTDOWN_EXIT);

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

        /** Whether SIGTERM, SIGINT and SIGHUP to the primary start a graceful shutdown. */
        public Builder handleSignals(boolean handle) {
            return put(SIGNALS, handle);
        }

        /** Whether the primary JVM exits with the shutdown's status once a shutdown is done. */
        public Builder exitAfterShutdown(boolean exit) {
            return put(SHUTDOWN_EXIT, exit);
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
            case CRASH_LOOP_SHUTDOWN, SIGNALS, SHUTDOWN_EXIT -> true;
            case SHUTDOWN_TIMEOUT -> Duration.ofSeconds(25);
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
            case CRASH_LOOP_SHUTDOWN, SIGNALS, SHUTDOWN_EXIT -> {
                if (text.equalsIgnoreCase("true")) {
                    return true;
                }
                if (text.equalsIgnoreCase("false")) {
                    return false;
                }
                throw new IllegalArgumentException(name + " = " + where + ": write true or false");
            }
            case STABLE_AFTER, CRASH_LOOP_WINDOW -> {
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
}
