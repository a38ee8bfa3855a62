package org.jcluster.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How workers are started and talked to: Node's {@code cluster.settings}, immutable.
 *
 * <p>Every key is optional: a settings object holds only the keys that were set, so that
 * {@link Cluster#setupPrimary} can merge them (later calls change only the keys they give, see
 * {@link #mergedWith}). The cluster fills in defaults from the primary's own command line the first
 * time settings are needed.
 *
 * <pre>{@code
 * cluster.setupPrimary(ClusterSettings.builder()
 *         .exec("com.example.Worker")
 *         .args(List.of("--port", "8080"))
 *         .serialization("json")
 *         .build());
 * }</pre>
 */
public final class ClusterSettings {

    /** The default serialization provider name. */
    public static final String DEFAULT_SERIALIZATION = "json";
    /** Default largest frame, in bytes, accepted on an IPC channel. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
    /** Default outgoing backlog, in bytes, above which send() answers false. */
    public static final int DEFAULT_SEND_HIGH_WATER_MARK = 4 * 1024 * 1024;
    /** Smallest allowed maxFrameBytes: room for every internal protocol message. */
    public static final int MIN_FRAME_BYTES = 4096;

    private final Map<String, Object> values;

    private ClusterSettings(Map<String, Object> values) {
        this.values = values;
    }

    /** Settings with no key set. */
    public static ClusterSettings empty() {
        return new ClusterSettings(Map.of());
    }

    public static Builder builder() {
        return new Builder(new LinkedHashMap<>());
    }

    /** A builder holding this object's keys, to change some of them. */
    public Builder toBuilder() {
        return new Builder(new LinkedHashMap<>(values));
    }

    /** These settings with every key set in {@code later} replaced by its value there. */
    public ClusterSettings mergedWith(ClusterSettings later) {
        Map<String, Object> merged = new LinkedHashMap<>(values);
        merged.putAll(later.values);
        return new ClusterSettings(Map.copyOf(merged));
    }

    /** True when no key is set. */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /**
     * The program the worker runs: a main class ({@code com.example.Main}), a module and main class
     * ({@code com.example/com.example.Main}), or an executable jar ({@code /srv/app.jar}, any name
     * ending in {@code .jar}: run with {@code java -jar}, so its manifest gives the main class and the
     * class path, and the class path and module path settings are not used). Default: the primary's own.
     */
    public Optional<String> exec() {
        return get("exec", String.class);
    }

    /** The java launcher. Default: the one running the primary. */
    public Optional<String> javaCommand() {
        return get("javaCommand", String.class);
    }

    /** The worker's class path. Default: the primary's. */
    public Optional<String> classPath() {
        return get("classPath", String.class);
    }

    /** The worker's module path. Default: the primary's. */
    public Optional<String> modulePath() {
        return get("modulePath", String.class);
    }

    /**
     * JVM flags for the worker, such as {@code -Xmx256m}. Default: the primary's own flags. A JDWP
     * agent address in them is renumbered per worker (see {@link #debugPort()}). jcluster adds the
     * flags it needs itself.
     */
    public Optional<List<String>> execArgv() {
        return getList("execArgv");
    }

    /** The worker's main arguments. Default: the primary's. */
    public Optional<List<String>> args() {
        return getList("args");
    }

    /** The worker's working directory. Default: inherited from the primary. */
    public Optional<Path> cwd() {
        return get("cwd", Path.class);
    }

    /**
     * When true, the worker's standard output and error are piped to the primary (read them from
     * {@link Worker#process()}) instead of inherited. Default: false.
     */
    public Optional<Boolean> silent() {
        return get("silent", Boolean.class);
    }

    /** The serialization provider's name, such as "json" or "advanced". Default: "json". */
    public Optional<String> serialization() {
        return get("serialization", String.class);
    }

    /**
     * The first worker's JDWP debug port: when execArgv has a JDWP agent listening on a port, worker
     * {@code n} gets {@code debugPort + n - 1}. Default: the port in the primary's agent flag plus one.
     */
    public OptionalInt debugPort() {
        return get("debugPort", Integer.class).map(OptionalInt::of).orElse(OptionalInt.empty());
    }

    /** The largest frame, in bytes, accepted on an IPC channel. Default {@value #DEFAULT_MAX_FRAME_BYTES}. */
    public OptionalInt maxFrameBytes() {
        return get("maxFrameBytes", Integer.class).map(OptionalInt::of).orElse(OptionalInt.empty());
    }

    /** Outgoing backlog in bytes above which send() answers false. Default {@value #DEFAULT_SEND_HIGH_WATER_MARK}. */
    public OptionalInt sendHighWaterMark() {
        return get("sendHighWaterMark", Integer.class).map(OptionalInt::of).orElse(OptionalInt.empty());
    }

    /**
     * Types (records, enums) a serialization that carries typed values may encode and create on
     * receipt. The primary passes them to its workers by name.
     */
    public Optional<List<Class<?>>> messageTypes() {
        @SuppressWarnings("unchecked")
        Optional<List<Class<?>>> types = (Optional<List<Class<?>>>) (Optional<?>) get("messageTypes", List.class);
        return types;
    }

    private <T> Optional<T> get(String key, Class<T> type) {
        return Optional.ofNullable(type.cast(values.get(key)));
    }

    @SuppressWarnings("unchecked")
    private Optional<List<String>> getList(String key) {
        return Optional.ofNullable((List<String>) values.get(key));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterSettings other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "ClusterSettings" + values;
    }

    /** Builds {@link ClusterSettings}; each setter checks its value and says what is wrong with it. */
    public static final class Builder {
        private final Map<String, Object> values;

        private Builder(Map<String, Object> values) {
            this.values = values;
        }

        public Builder exec(String mainClassOrModule) {
            return put("exec", nonBlank("exec", mainClassOrModule));
        }

        public Builder javaCommand(String javaLauncher) {
            return put("javaCommand", nonBlank("javaCommand", javaLauncher));
        }

        public Builder classPath(String classPath) {
            return put("classPath", Objects.requireNonNull(classPath, "classPath"));
        }

        public Builder modulePath(String modulePath) {
            return put("modulePath", Objects.requireNonNull(modulePath, "modulePath"));
        }

        public Builder execArgv(List<String> jvmFlags) {
            return put("execArgv", List.copyOf(jvmFlags));
        }

        public Builder args(List<String> args) {
            return put("args", List.copyOf(args));
        }

        public Builder cwd(Path cwd) {
            return put("cwd", Objects.requireNonNull(cwd, "cwd"));
        }

        public Builder silent(boolean silent) {
            return put("silent", silent);
        }

        public Builder serialization(String name) {
            return put("serialization", nonBlank("serialization", name));
        }

        public Builder debugPort(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("debugPort must be a TCP port from 1 to 65535; got " + port);
            }
            return put("debugPort", port);
        }

        public Builder maxFrameBytes(int bytes) {
            if (bytes < MIN_FRAME_BYTES) {
                throw new IllegalArgumentException("maxFrameBytes must be at least " + MIN_FRAME_BYTES
                        + " bytes (room for the internal protocol); got " + bytes);
            }
            return put("maxFrameBytes", bytes);
        }

        public Builder sendHighWaterMark(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("sendHighWaterMark must be a positive number of bytes; got " + bytes);
            }
            return put("sendHighWaterMark", bytes);
        }

        public Builder messageTypes(List<Class<?>> types) {
            List<Class<?>> copy = new ArrayList<>();
            for (Class<?> type : types) {
                Objects.requireNonNull(type, "messageTypes holds null");
                if (type.isAnonymousClass() || type.isLocalClass() || type.isHidden()) {
                    throw new IllegalArgumentException("messageTypes: " + type.getName()
                            + " has no name a worker could load it by; use a top-level or static nested type");
                }
                copy.add(type);
            }
            return put("messageTypes", List.copyOf(copy));
        }

        public ClusterSettings build() {
            return new ClusterSettings(Map.copyOf(values));
        }

        private Builder put(String key, Object value) {
            values.put(key, value);
            return this;
        }

        private static String nonBlank(String key, String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(key + " must not be blank");
            }
            return value;
        }
    }
}
