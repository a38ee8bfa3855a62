package org.jcluster.metrics.micrometer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One Prometheus text exposition (format 0.0.4): families in the order they were first added, each with
 * its {@code # HELP} (when it has one) and {@code # TYPE} line followed by all its samples, as the format
 * requires; free comments first.
 */
final class Exposition {
    /** What a family's samples mean, as the format names it. */
    enum Type {
        COUNTER, GAUGE, SUMMARY, HISTOGRAM;

        String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One sample: its full name ({@code x_total}, {@code x_count}), its labels in order, its value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final class Family {
        final Type type;
        final String help;
        final List<Sample> samples = new ArrayList<>();

        Family(Type type, String help) {
            this.type = type;
            this.help = help;
        }
    }

    /** Suffixes the format gives samples itself: a meter name ending with one loses it (Micrometer does the same). */
    private static final Set<String> RESERVED_SUFFIXES = Set.of("_total", "_created", "_bucket", "_info");

    private final List<String> comments = new ArrayList<>();
    private final Map<String, Family> families = new LinkedHashMap<>();

    /**
     * Adds a sample to family {@code family}, creating it with {@code type} and {@code help} (null: none)
     * if it is new.
     *
     * @return the type the family already has when it differs from {@code type} (the sample is not added:
     *     one name has one type in the format); null when added
     */
    Type add(String family, Type type, String help, Sample sample) {
        Family f = families.computeIfAbsent(family, n -> new Family(type, help));
        if (f.type != type) {
            return f.type;
        }
        f.samples.add(sample);
        return null;
    }

    /** Creates an empty family now, to fix its place in the output. */
    void declare(String family, Type type, String help) {
        families.putIfAbsent(family, new Family(type, help));
    }

    void comment(String text) {
        comments.add(text.replace('\n', ' '));
    }

    /** The text, with each family's samples in {@code order}; empty families are left out. */
    String render(Comparator<Sample> order) {
        StringBuilder out = new StringBuilder(4096);
        for (String comment : comments) {
            out.append("# ").append(comment).append('\n');
        }
        families.forEach((name, f) -> {
            if (f.samples.isEmpty()) {
                return;
            }
            if (f.help != null && !f.help.isBlank()) {
                out.append("# HELP ").append(name).append(' ').append(escapeHelp(f.help)).append('\n');
            }
            out.append("# TYPE ").append(name).append(' ').append(f.type.text()).append('\n');
            f.samples.stream().sorted(order).forEach(s -> {
                out.append(s.name());
                if (!s.labels().isEmpty()) {
                    out.append('{');
                    boolean first = true;
                    for (Map.Entry<String, String> label : s.labels().entrySet()) {
                        if (!first) {
                            out.append(',');
                        }
                        first = false;
                        out.append(label.getKey()).append("=\"").append(escapeLabelValue(label.getValue())).append('"');
                    }
                    out.append('}');
                }
                out.append(' ').append(value(s.value())).append('\n');
            });
        });
        return out.toString();
    }

    /** A label value: backslash, double quote and line feed escaped, as the format requires. */
    static String escapeLabelValue(String value) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A help text: backslash and line feed escaped (a double quote is itself there). */
    static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** A value as the format writes it: whole numbers without a fraction, NaN and the infinities by name. */
    static String value(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /**
     * A histogram bucket's bound as Micrometer's Prometheus registry writes {@code le} ({@code 0.01},
     * {@code 1.0}, {@code +Inf}): a series moved from a per-worker endpoint keeps its label values.
     */
    static String bound(double v) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return Double.toString(v);
    }

    /**
     * A metric name from a meter's: Micrometer's dots, and any other character a Prometheus name cannot
     * hold, become underscores, as Micrometer's Prometheus registry writes them.
     */
    static String metricName(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || i > 0 && c >= '0' && c <= '9';
            out.append(ok ? c : c >= '0' && c <= '9' ? "_" + c : "_");
        }
        return out.length() == 0 ? "_" : out.toString();
    }

    /** A label name from a tag key: as a metric name, without colons. */
    static String labelName(String key) {
        return metricName(key).replace(':', '_');
    }

    /**
     * The family name Micrometer's Prometheus registry gives a meter: the base unit appended to counters,
     * gauges and distribution summaries that do not already end with it, {@code _seconds} to timers, and
     * the suffixes the format reserves for itself ({@code _total}, {@code _created}, {@code _bucket},
     * {@code _info}) stripped, since they are added back where they belong.
     */
    static String baseName(String name, String type, String baseUnit) {
        String n = metricName(name);
        switch (type) {
            case "counter", "gauge", "distribution_summary" -> {
                if (baseUnit != null && !baseUnit.isEmpty() && !n.endsWith("_" + metricName(baseUnit))) {
                    n += "_" + metricName(baseUnit);
                }
            }
            case "timer", "long_task_timer" -> {
                if (!n.endsWith("_seconds")) {
                    n += "_seconds";
                }
            }
            default -> {
                // other meters carry their unit in their statistics
            }
        }
        boolean stripped = true;
        while (stripped) {
            stripped = false;
            for (String suffix : RESERVED_SUFFIXES) {
                if (n.endsWith(suffix) && n.length() > suffix.length()) {
                    n = n.substring(0, n.length() - suffix.length());
                    stripped = true;
                }
            }
        }
        return n;
    }
}
