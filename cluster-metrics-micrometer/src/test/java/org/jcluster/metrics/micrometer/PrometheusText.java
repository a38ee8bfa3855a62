package org.jcluster.metrics.micrometer;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The exposition read by a real parser: the Prometheus Python client's ({@code prometheus_client.parser},
 * Debian's {@code python3-prometheus-client}, which .ci/run installs). It is lenient where the format is
 * strict about layout, so the checks it leaves out are made here on its result: every family has a type
 * (a sample whose family has none, or whose TYPE line does not name it, comes out as "unknown"), and no
 * family appears twice (the format wants a family's samples together).
 */
final class PrometheusText {
    /** Each family on a line "F name type", each of its samples after it "S name value key=value..." (URL-encoded). */
    private static final String SCRIPT = String.join("\n",
            "import sys",
            "from urllib.parse import quote",
            "from prometheus_client.parser import text_string_to_metric_families",
            "for f in text_string_to_metric_families(sys.stdin.read()):",
            "    print('F', quote(f.name, safe=''), f.type)",
            "    for s in f.samples:",
            "        print('S', quote(s.name, safe=''), repr(float(s.value)),",
            "              *[quote(k, safe='') + '=' + quote(v, safe='') for k, v in sorted(s.labels.items())])");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    record Family(String name, String type, List<Sample> samples) {
    }

    private PrometheusText() {
    }

    static List<Family> parse(String exposition) throws IOException, InterruptedException {
        Process python = new ProcessBuilder(python(), "-c", SCRIPT).start();
        python.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        python.getOutputStream().close();
        byte[] out = python.getInputStream().readAllBytes();
        String err = new String(python.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!python.waitFor(30, TimeUnit.SECONDS)) {
            python.destroyForcibly();
            fail("the Prometheus parser did not finish in 30s");
        }
        if (python.exitValue() != 0) {
            fail("the Prometheus parser refused the exposition: " + err + "\nexposition:\n" + exposition);
        }
        List<Family> families = new ArrayList<>();
        for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.split(" ");
            if (f[0].equals("F")) {
                families.add(new Family(decode(f[1]), f[2], new ArrayList<>()));
            } else if (f[0].equals("S")) {
                Map<String, String> labels = new LinkedHashMap<>();
                for (int i = 3; i < f.length; i++) {
                    String[] kv = f[i].split("=", 2);
                    labels.put(decode(kv[0]), decode(kv[1]));
                }
                families.get(families.size() - 1).samples().add(new Sample(decode(f[1]), labels, number(f[2])));
            }
        }
        List<String> names = new ArrayList<>();
        for (Family family : families) {
            if (names.contains(family.name())) {
                fail("family " + family.name() + " appears twice (its samples are not together):\n" + exposition);
            }
            names.add(family.name());
            if (family.type().equals("unknown")) {
                fail("family " + family.name() + " has no TYPE naming its samples:\n" + exposition);
            }
        }
        return families;
    }

    /** The value of the one sample named {@code name} with these labels among others; fails when there is none. */
    static double value(List<Family> families, String name, Map<String, String> labels) {
        List<Double> found = new ArrayList<>();
        for (Family family : families) {
            for (Sample s : family.samples()) {
                if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
                    found.add(s.value());
                }
            }
        }
        if (found.size() != 1) {
            fail(found.size() + " samples " + name + labels + " where one was expected: " + families);
        }
        return found.get(0);
    }

    private static String python() throws IOException, InterruptedException {
        // Debian's interpreter first: a python3 of pyenv's or a virtualenv's ahead on the PATH lacks Debian's package.
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process probe = new ProcessBuilder(candidate, "-c", "import prometheus_client.parser")
                        .redirectErrorStream(true).start();
                probe.getInputStream().readAllBytes();
                if (probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException absent) {
                // try the next
            }
        }
        throw new AssertionError("no python3 with the Prometheus client's parser: apt-get install python3-prometheus-client"
                + " (or pip install prometheus-client)");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static double number(String python) {
        return switch (python) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(python);
        };
    }
}
