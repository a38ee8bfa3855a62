package org.jcluster.core.internal.protocol;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The internal protocol between primary and worker, in its own frame kind. A small fixed binary
 * encoding: it must work whatever serialization module is present, and it is on no hot path.
 *
 * <p>Requests that need an answer carry a sequence number, answered by {@link Ack} (as Node's
 * NODE_CLUSTER messages carry seq/ack).
 */
public sealed interface InternalMessage {

    /** Worker to primary, first frame: who it is and the secret the primary gave it. */
    record Hello(int workerId, String secret) implements InternalMessage { }

    /** Primary to worker: close your servers, then the channel (a graceful disconnect). */
    record Disconnect() implements InternalMessage { }

    /** Worker to primary: I am leaving on purpose (worker-side disconnect or kill); answer with Ack. */
    record ExitedAfterDisconnect(int seq) implements InternalMessage { }

    /** The answer to a request carrying {@code seq}. */
    record Ack(int seq) implements InternalMessage { }

    /**
     * Worker to primary, from its shutdown hook: the JVM is exiting, and the signal that started it,
     * if any (empty string for a plain exit), so the primary can tell exit(143) from SIGTERM.
     */
    record Exiting(String signal) implements InternalMessage { }

    byte HELLO = 1;
    byte DISCONNECT = 2;
    byte EXITED_AFTER_DISCONNECT = 3;
    byte ACK = 4;
    byte EXITING = 5;

    /** Encodes a message as a frame payload. */
    static byte[] encode(InternalMessage message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (message instanceof Hello m) {
                out.writeByte(HELLO);
                out.writeInt(m.workerId());
                out.writeUTF(m.secret());
            } else if (message instanceof Disconnect) {
                out.writeByte(DISCONNECT);
            } else if (message instanceof ExitedAfterDisconnect m) {
                out.writeByte(EXITED_AFTER_DISCONNECT);
                out.writeInt(m.seq());
            } else if (message instanceof Ack m) {
                out.writeByte(ACK);
                out.writeInt(m.seq());
            } else if (message instanceof Exiting m) {
                out.writeByte(EXITING);
                out.writeUTF(m.signal());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes a frame payload.
     *
     * @throws ProtocolException naming what was wrong: an unknown type, a truncated or overlong body
     */
    static InternalMessage decode(ByteBuffer payload) throws ProtocolException {
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        if (bytes.length == 0) {
            throw new ProtocolException("empty internal message");
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            byte type = in.readByte();
            InternalMessage message = switch (type) {
                case HELLO -> new Hello(in.readInt(), in.readUTF());
                case DISCONNECT -> new Disconnect();
                case EXITED_AFTER_DISCONNECT -> new ExitedAfterDisconnect(in.readInt());
                case ACK -> new Ack(in.readInt());
                case EXITING -> new Exiting(in.readUTF());
                default -> throw new ProtocolException("unknown internal message type " + type
                        + " (a peer of another jcluster version, or not jcluster at all)");
            };
            if (in.available() > 0) {
                throw new ProtocolException("internal message type " + type + " has " + in.available()
                        + " unexpected trailing bytes");
            }
            return message;
        } catch (EOFException e) {
            throw new ProtocolException("truncated internal message of " + bytes.length + " bytes");
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException e) {
            throw new ProtocolException("unreadable internal message: " + e.getMessage());
        }
    }
}
