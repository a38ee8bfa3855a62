package org.jcluster.ipc.json;

import java.nio.ByteBuffer;

import org.jcluster.api.spi.MalformedMessageException;
import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.StreamWriteFeature;

/**
 * The {@code "json"} serialization: messages as UTF-8 JSON text, as Node's default
 * {@code serialization: 'json'} sends them. Thread-safe.
 *
 * <h2>What encode accepts</h2>
 * <table>
 * <caption>Java value to JSON, and what decode gives back</caption>
 * <tr><th>sent</th><th>JSON</th><th>received</th></tr>
 * <tr><td>{@code null}</td><td>null</td><td>{@code null}</td></tr>
 * <tr><td>Boolean</td><td>true/false</td><td>Boolean</td></tr>
 * <tr><td>String, Character</td><td>string</td><td>String</td></tr>
 * <tr><td>Byte, Short, Integer, Long</td><td>integer</td><td>Long</td></tr>
 * <tr><td>BigInteger (up to 1000 digits)</td><td>integer, every digit</td><td>Long when it fits, else BigInteger</td></tr>
 * <tr><td>Float, Double (finite)</td><td>number with a fraction or exponent</td><td>Double
 *     (a Float arrives as the Double of its shortest decimal form: 0.1f arrives as 0.1)</td></tr>
 * <tr><td>BigDecimal (up to 1000 characters)</td><td>number, exactly as {@code toString()}</td><td>Long
 *     when its text has no fraction or exponent, else Double</td></tr>
 * <tr><td>enum constant</td><td>string: its {@code name()}</td><td>String</td></tr>
 * <tr><td>Collection, Object[] and primitive arrays</td><td>array, in iteration order</td><td>ArrayList
 *     (a char[] becomes an array of one-character strings)</td></tr>
 * <tr><td>Map with String keys</td><td>object, in iteration order</td><td>LinkedHashMap, in that order</td></tr>
 * <tr><td>record</td><td>object of its components, in declaration order</td><td>LinkedHashMap</td></tr>
 * <tr><td>Throwable</td><td>object {@code {"name": class name, "message": ..., "code": ..., "stack": ...}}</td>
 *     <td>LinkedHashMap</td></tr>
 * </table>
 *
 * <p>A Throwable's {@code code} is the value of its {@code getCode()} method, else its {@code code()}
 * method, else its {@code code} field, omitted when it has none (or it is not readable); a code that
 * is not a string, number, boolean or enum is sent as its {@code toString()}. {@code stack} is the
 * full {@code printStackTrace} text, causes included; {@code message} is present even when null.
 * Decoded containers are fresh and mutable; typed records come back through
 * {@code org.jcluster.api.MessageValues.convert}.
 *
 * <h2>What encode refuses</h2>
 * With an {@link IllegalArgumentException} that names the value's path in the message ({@code $.a[2]}),
 * the problem and the fix: NaN and infinities, map keys that are not strings, circular references,
 * nesting deeper than {@link SerializationOptions#maxNestingDepth()}, and every other type. The
 * {@code "advanced"} serialization carries NaN, non-string keys and cycles.
 *
 * <h2>What decode refuses</h2>
 * With a {@link MalformedMessageException} naming the byte offset: an empty payload, invalid JSON,
 * truncated input, data after the value, invalid UTF-8 (strictly: no overlong forms, no encoded
 * surrogates), a number longer than 1000 characters, and nesting deeper than the limit. Decode reads
 * the buffer's remaining bytes in place when it has an accessible array (else copies them once) and
 * leaves the buffer's position unchanged.
 *
 * <p>{@link SerializationOptions#messageTypes()} is not used: JSON never creates typed values.
 */
public final class JsonSerialization implements Serialization {

    /**
     * Longest number text carried, in characters. Jackson's own read limit, kept because parsing a
     * huge BigInteger costs time quadratic in its length; encode refuses longer numbers so that
     * everything sent can be received.
     */
    static final int MAX_NUMBER_CHARS = 1000;

    private final SerializationOptions options;
    private final JsonEncoder encoder;
    private final JsonDecoder decoder;

    /** A serialization configured with {@code options}. */
    public JsonSerialization(SerializationOptions options) {
        this.options = options;
        JsonFactory factory = newFactory(options.maxNestingDepth(), true);
        this.encoder = new JsonEncoder(factory, options.maxNestingDepth());
        this.decoder = new JsonDecoder(factory, options.maxNestingDepth());
    }

    /** {@code lean}: a LeanJsonFactory; false only for tests that hold it against Jackson's own. */
    static JsonFactory newFactory(int maxDepth, boolean lean) {
        // Our own depth checks give the better message (path, cycle detection), so Jackson's must
        // never fire first: one level of slack.
        int jacksonDepth = maxDepth == Integer.MAX_VALUE ? maxDepth : maxDepth + 1;
        JsonFactoryBuilder builder = new JsonFactoryBuilder();
        builder.streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(jacksonDepth)
                        // The frame size limit already bounds strings and names, and encode sends
                        // any length: Jackson's defaults (20M chars, 50k for names) would make
                        // sendable messages unreceivable.
                        .maxStringLength(Integer.MAX_VALUE)
                        .maxNameLength(Integer.MAX_VALUE)
                        .maxNumberLength(MAX_NUMBER_CHARS)
                        .build())
                .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(jacksonDepth).build())
                // Keys come from other processes: interning them would fill the JVM string table
                // with whatever a peer sends. Canonicalizing (on by default) is bounded and keeps
                // repeated keys cheap.
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
                .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                // A refused message is thrown away: closing brackets after a failure are wasted work.
                .disable(StreamWriteFeature.AUTO_CLOSE_CONTENT);
        return lean ? new LeanJsonFactory(builder) : builder.build();
    }

    @Override
    public String name() {
        return JsonSerializationProvider.NAME;
    }

    /** The options this serialization was created with. */
    public SerializationOptions options() {
        return options;
    }

    @Override
    public byte[] encode(Object message) {
        return encoder.encode(message);
    }

    @Override
    public Object decode(ByteBuffer payload) {
        return decoder.decode(payload);
    }

    @Override
    public String toString() {
        return "JsonSerialization[maxNestingDepth=" + options.maxNestingDepth() + "]";
    }
}
