package org.jcluster.ipc.advanced;

import java.nio.ByteBuffer;

import org.jcluster.api.spi.MalformedMessageException;
import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;

/**
 * The "advanced" serialization. Thread-safe: it holds only immutable configuration, and each
 * encode/decode works in its own encoder or decoder.
 */
final class AdvancedSerialization implements Serialization {
    static final String NAME = "advanced";

    private final TypeRegistry types;
    private final int maxDepth;

    AdvancedSerialization(SerializationOptions options) {
        this.types = TypeRegistry.of(options.messageTypes());
        this.maxDepth = options.maxNestingDepth();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] encode(Object message) {
        try {
            return new CborEncoder(types, maxDepth).encode(message);
        } catch (EncodeRefusal r) {
            throw new IllegalArgumentException(r.describe(), r.getCause());
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("The message nests too deeply for this thread's stack; lower"
                    + " maxNestingDepth (now " + maxDepth + ") or flatten the message");
        }
    }

    /**
     * Decodes the buffer's remaining bytes, reading them in place (a heap buffer's array directly, a
     * direct buffer through its absolute getters) and leaving its position unchanged, as "json" does.
     * Never throws anything but {@link MalformedMessageException} for bad bytes.
     */
    @Override
    public Object decode(ByteBuffer payload) {
        CborDecoder decoder = new CborDecoder(payload, types, maxDepth);
        try {
            return decoder.decode();
        } catch (MalformedMessageException e) {
            throw e;
        } catch (StackOverflowError e) {
            throw new MalformedMessageException("Malformed advanced (CBOR) message: it nests too deeply for this"
                    + " thread's stack; lower maxNestingDepth (now " + maxDepth + ")");
        } catch (RuntimeException e) {
            // Only a bug (or a registered type's own hashCode/equals failing) gets here; the channel is
            // still closed cleanly instead of the exception escaping into the IPC reader.
            throw new MalformedMessageException("Malformed advanced (CBOR) message: decoding failed unexpectedly"
                    + " with " + e + " (if the payload is valid CBOR, this is a bug in jcluster.ipc.advanced)", e);
        }
    }

    @Override
    public String toString() {
        return "Serialization[advanced, maxNestingDepth=" + maxDepth + "]";
    }
}
