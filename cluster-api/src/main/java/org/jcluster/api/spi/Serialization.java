package org.jcluster.api.spi;

import java.nio.ByteBuffer;

/**
 * Turns user messages into frame payloads and back. Instances are shared by every thread of a
 * cluster: they must be thread-safe.
 *
 * <h2>The value model</h2>
 * Every serialization carries at least: {@code null}, {@link Boolean}, integral numbers (decoded as
 * {@link Long}), other numbers (decoded as {@link Double}), {@link String}, {@link java.util.List}, and
 * {@link java.util.Map} with String keys, whose insertion order is kept. A {@link Throwable} is sent
 * as a map keeping its fields ({@code name}, {@code message}, and {@code code} where the exception has
 * one). A serialization may carry more. Never java.io object serialization.
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
     * Decodes one frame payload (the buffer's remaining bytes). Must not allocate beyond what the
     * bytes present justify, whatever lengths the bytes declare.
     *
     * @throws MalformedMessageException when the bytes are not a valid message
     */
    Object decode(ByteBuffer payload);
}
