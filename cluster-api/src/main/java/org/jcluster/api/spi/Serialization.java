package org.jcluster.api.spi;

import java.nio.ByteBuffer;

/**
 * Turns user messages into frame payloads and back. Instances are shared by every thread of a
 * cluster: they must be thread-safe.
 *
 * <h2>The value model</h2>
 * Every serialization carries at least: {@code null}, {@link Boolean}, integral numbers (decoded as
 * {@link Long}), other numbers (decoded as {@link Double}), {@link String}, {@link java.util.List}, and
 * {@link java.util.Map} with String keys, whose insertion order is kept. A serialization may carry
 * more. An exception arrives as a value that keeps its fields, never as an instance of its class:
 * "json" makes it a map ({@code name}, {@code message}, {@code code} where the exception has one,
 * {@code stack}); "advanced" makes it a {@code RemoteError} (class name, message, stack, cause). Never
 * java.io object serialization.
 */
public interface Serialization {
    /** The provider name, e.g. "json". */
    String name();

    /**
     * Encodes one message; called on the sending thread so that an unsupported value fails the
     * send() that gave it.
     *
     * @throws IllegalArgumentException naming the value's type when it cannot be carried
     */
    byte[] encode(Object message);

    /**
     * Decodes one frame payload (the buffer's remaining bytes), leaving the buffer's position where it
     * was. Must not allocate beyond what the bytes present justify, whatever lengths the bytes declare.
     *
     * @throws MalformedMessageException when the bytes are not a valid message
     */
    Object decode(ByteBuffer payload);
}
