package org.jcluster.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.jcluster.api.spi.ServiceLookup;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import com.alibaba.fastjson2.JSON;
import com.dslplatform.json.DslJson;
import com.dslplatform.json.JsonWriter;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * How fast can JSON on the JVM go, for the echo object of {@code benchmarks/compare/ipc-echo.sh}? The
 * floor under the "json" serialization's object figures: jcluster's codec beside the fastest JVM JSON
 * libraries and two lower bounds that no JSON codec producing the value model can beat.
 *
 * <ul>
 * <li>{@code jclusterDecode}/{@code jclusterEncode}: the "json" serialization (Jackson's streaming API).</li>
 * <li>{@code jacksonTokensOnly}: Jackson's parser walking the tokens and building nothing, the floor
 * of any Jackson-based decoder.</li>
 * <li>{@code fastjson2Decode}/{@code fastjson2Encode} and {@code dslJsonDecode}/{@code dslJsonEncode}:
 * the two JVM libraries that lead JSON benchmarks, decoding into their own maps (fastjson2's
 * JSONObject, dsl-json's LinkedHashMap), which the value model would still have to convert.</li>
 * <li>{@code buildValueOnly}: allocating the decoded value (five maps, a list, their strings) from
 * constants, with no parsing at all.</li>
 * </ul>
 *
 * Node's side of the same object: {@code node benchmarks/compare/json-cost.js}.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar JsonFloorBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonFloorBenchmark {

    @Param({"echo4"})
    public String payload;

    private Object message;
    private byte[] encoded;
    private Serialization json;
    private final JsonFactory jackson = new JsonFactory();
    private final DslJson<Object> dslJson = new DslJson<>();
    private JsonWriter dslWriter;
    private int items;

    @Setup
    public void setUp() {
        message = SerializationPayloads.of(payload);
        items = Integer.parseInt(payload.substring("echo".length()));
        json = ServiceLookup.serialization("json").create(SerializationOptions.defaults());
        encoded = json.encode(message);
        dslWriter = dslJson.newWriter();
        // Each library must read back what the others wrote, or the rows compare different work.
        check(JSON.parseObject(encoded), "fastjson2");
        check(dslJsonDecode(), "dsl-json");
        check(JSON.parseObject(fastjson2Encode()), "fastjson2's own output");
        check(json.decode(ByteBuffer.wrap(dslJsonEncode())), "dsl-json's output");
    }

    /** Compares through one writer, so that Integer against Long or a map's class does not count. */
    private void check(Object decoded, String who) {
        if (!JSON.toJSONString(decoded).equals(JSON.toJSONString(message))) {
            throw new IllegalStateException(who + " decoded " + decoded + ", expected " + message);
        }
    }

    @Benchmark
    public Object jclusterDecode() {
        return json.decode(ByteBuffer.wrap(encoded));
    }

    @Benchmark
    public byte[] jclusterEncode() {
        return json.encode(message);
    }

    @Benchmark
    public int jacksonTokensOnly() throws IOException {
        int tokens = 0;
        try (JsonParser p = jackson.createParser(encoded)) {
            while (p.nextToken() != null) {
                tokens++;
            }
        }
        return tokens;
    }

    @Benchmark
    public Object fastjson2Decode() {
        return JSON.parseObject(encoded);
    }

    @Benchmark
    public byte[] fastjson2Encode() {
        return JSON.toJSONBytes(message);
    }

    @Benchmark
    public Object dslJsonDecode() {
        try {
            return dslJson.deserialize(Map.class, encoded, encoded.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Benchmark
    public byte[] dslJsonEncode() {
        try {
            dslWriter.reset();
            dslJson.serialize(dslWriter, message);
            return dslWriter.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Benchmark
    public Object buildValueOnly() {
        return SerializationPayloads.echo(items);
    }
}
