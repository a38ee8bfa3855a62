package org.jcluster.benchmarks;

/** Prints each SerializationBenchmark payload's encoded size in both formats. */
public final class SerializationSizes {
    private SerializationSizes() {
    }

    public static void main(String[] args) {
        System.out.printf("%-10s %12s %12s%n", "payload", "advanced", "json");
        for (String name : SerializationPayloads.NAMES) {
            Object message = SerializationPayloads.of(name);
            int advanced = SerializationBenchmark.codec("advanced", name).encode(message).length;
            int json = SerializationBenchmark.codec("json", name).encode(message).length;
            System.out.printf("%-10s %12d %12d%n", name, advanced, json);
        }
    }
}
