package org.jcluster.benchmarks;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.jcluster.api.spi.ServiceLookup;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode and decode, "advanced" (CBOR) against "json", for the echo payloads, a ~1 KB and a ~64 KB
 * object graph, and a 1 MB byte[].
 *
 * <p>JSON has no binary type, so for {@code bytes1m} json carries the bytes the way a Node program
 * would ({@code buffer.toString('base64')}): encode is Base64 then JSON, decode is JSON then Base64,
 * so both rows start from a byte[] and end with an equal byte[]. Base64 is the fairest of json's
 * options (a list of numbers is ~3.6x larger and far slower).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar SerializationBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s</pre>
 * Wire sizes: {@code java -cp benchmarks/target/benchmarks.jar org.jcluster.benchmarks.SerializationSizes}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SerializationBenchmark {

    @Param({"advanced", "json"})
    public String format;

    @Param({"string12", "echo4", "echo10", "graph1k", "graph64k", "bytes1m"})
    public String payload;

    private Codec codec;
    private Object message;
    private byte[] encoded;

    /** What one row measures: the message in, the frame payload out, and back. */
    interface Codec {
        byte[] encode(Object message);

        Object decode(byte[] payload);
    }

    static Codec codec(String format, String payload) {
        Serialization s = ServiceLookup.serialization(format).create(SerializationOptions.defaults());
        if (payload.equals("bytes1m") && format.equals("json")) {
            return new Codec() {
                @Override
                public byte[] encode(Object message) {
                    return s.encode(Base64.getEncoder().encodeToString((byte[]) message));
                }

                @Override
                public Object decode(byte[] bytes) {
                    return Base64.getDecoder().decode((String) s.decode(ByteBuffer.wrap(bytes)));
                }
            };
        }
        return new Codec() {
            @Override
            public byte[] encode(Object message) {
                return s.encode(message);
            }

            @Override
            public Object decode(byte[] bytes) {
                return s.decode(ByteBuffer.wrap(bytes));
            }
        };
    }

    @Setup(Level.Trial)
    public void setUp() {
        codec = codec(format, payload);
        message = SerializationPayloads.of(payload);
        encoded = codec.encode(message);
        Object back = codec.decode(encoded);
        boolean same = message instanceof byte[] b ? Arrays.equals(b, (byte[]) back) : message.equals(back);
        if (!same) {
            throw new IllegalStateException(format + " does not round-trip " + payload + ": got " + back);
        }
    }

    @Benchmark
    public byte[] encode() {
        return codec.encode(message);
    }

    @Benchmark
    public Object decode() {
        return codec.decode(encoded);
    }
}
