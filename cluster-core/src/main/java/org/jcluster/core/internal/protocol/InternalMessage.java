package org.jcluster.core.internal.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenAddress;

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

    /**
     * Worker to primary: a server of this worker wants to listen (Node's queryServer). Equal queries
     * from different workers share one handle in the primary; {@code index} counts this worker's open
     * listens with the same address, so that its second listen gets a handle of its own (Node rule 31).
     *
     * @param kind "tcp", "unix", "udp4" or "udp6"
     * @param host "" for every address
     * @param path the absolute socket path for "unix", else ""
     */
    record QueryServer(int seq, int index, String kind, String host, int port, String path, int backlog,
            boolean ipv6Only, boolean acceptsItself) implements InternalMessage {
        /** What makes two queries share a handle: everything but the sequence number and the backlog. */
        public String key() {
            return kind + "|" + host + "|" + port + "|" + path + "|" + ipv6Only + "|" + index;
        }
    }

    /**
     * Primary to worker, the answer to {@link QueryServer}: an error ({@code errorCode} not empty), or
     * the handle's id and real address. For a shared handle ("none", or UDP) the frame carries the
     * listening socket; under round-robin it carries none.
     */
    record ServerReply(int seq, int handleId, String errorCode, String errorMessage, String address, int port,
            String addressType) implements InternalMessage {
        public boolean failed() {
            return !errorCode.isEmpty();
        }
    }

    /** Worker to primary: the server on {@code handleId} listens; emit 'listening'. */
    record Listening(int handleId, String address, int port, String addressType) implements InternalMessage { }

    /** Worker to primary: this worker's server on {@code handleId} closed; answered with {@link Ack}. */
    record CloseServer(int seq, int handleId) implements InternalMessage { }

    /** Primary to worker, carrying the connection's socket: a connection for the server on {@code handleId}. */
    record NewConnection(int handleId, long connectionId) implements InternalMessage { }

    /** Worker to primary: whether it took connection {@code connectionId} (Node's {accepted} ack). */
    record ConnectionAck(long connectionId, boolean accepted) implements InternalMessage { }

    /** Primary to worker: answer with {@link Health} from your event thread. */
    /**
     * Primary to worker: answer with {@link Health} from your event thread; {@code wantsServers}: with what
     * each server took (a primary older than that field sends none, and gets a Health without it).
     */
    record Ping(int seq, boolean wantsServers) implements InternalMessage { }

    /**
     * Worker to primary, the answer to {@link Ping}; {@code heapUsedAfterGc} is -1 when unknown;
     * {@code connectionsByServer}: what each of its servers took, counted when the ping was read; null when
     * the ping did not ask (an older primary, which would refuse the field).
     */
    record Health(int seq, long heapUsed, long heapUsedAfterGc, long gcMillis, long connections,
            Map<ListenAddress, Long> connectionsByServer) implements InternalMessage { }

    /** Primary to worker: answer with {@link Answer}, from your event thread, what you answer for {@code topic}. */
    record Ask(int seq, String topic) implements InternalMessage { }

    /**
     * Worker to primary, the answer to {@link Ask}: the answer encoded with the cluster's serialization,
     * or, when {@code error} is not empty, why there is none.
     */
    record Answer(int seq, String error, byte[] payload) implements InternalMessage { }

    /** Worker to primary: the application said it is ready to serve. */
    record Ready() implements InternalMessage { }

    byte HELLO = 1;
    byte DISCONNECT = 2;
    byte EXITED_AFTER_DISCONNECT = 3;
    byte ACK = 4;
    byte EXITING = 5;
    byte QUERY_SERVER = 6;
    byte SERVER_REPLY = 7;
    byte LISTENING = 8;
    byte CLOSE_SERVER = 9;
    byte NEW_CONNECTION = 10;
    byte CONNECTION_ACK = 11;
    byte PING = 12;
    byte HEALTH = 13;
    byte READY = 14;
    byte ASK = 15;
    byte ANSWER = 16;

    /** A length, then that many bytes, all of which must be there ({@code in} reads an array: available() is exact). */
    private static byte[] sizedBytes(DataInputStream in) throws IOException, ProtocolException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new ProtocolException("a byte string of " + length + " bytes where " + in.available() + " are left");
        }
        return in.readNBytes(length);
    }

    /** A size, then that many (address, port, address type, count), each at least 16 bytes. */
    private static Map<ListenAddress, Long> readCountsByServer(DataInputStream in) throws IOException, ProtocolException {
        int size = in.readInt();
        if (size < 0 || (long) size * 16 > in.available()) {
            throw new ProtocolException(size + " server counts where " + in.available() + " bytes are left");
        }
        Map<ListenAddress, Long> counts = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            String address = in.readUTF();
            int port = in.readInt();
            String type = in.readUTF();
            AddressType addressType;
            try {
                addressType = AddressType.valueOf(type);
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("unknown address type " + type + " in a health answer");
            }
            counts.put(new ListenAddress(address, port, addressType), in.readLong());
        }
        return counts;
    }

    /** Encodes a message as a frame payload. */
    static byte[] encode(InternalMessage message) {
        if (message instanceof NewConnection m) {
            // The one message on the per-connection path: no stream, no copy.
            return ByteBuffer.allocate(13).put(NEW_CONNECTION).putInt(m.handleId()).putLong(m.connectionId()).array();
        }
        if (message instanceof ConnectionAck m) {
            return ByteBuffer.allocate(10).put(CONNECTION_ACK).putLong(m.connectionId())
                    .put((byte) (m.accepted() ? 1 : 0)).array();
        }
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
            } else if (message instanceof QueryServer m) {
                out.writeByte(QUERY_SERVER);
                out.writeInt(m.seq());
                out.writeInt(m.index());
                out.writeUTF(m.kind());
                out.writeUTF(m.host());
                out.writeInt(m.port());
                out.writeUTF(m.path());
                out.writeInt(m.backlog());
                out.writeBoolean(m.ipv6Only());
                out.writeBoolean(m.acceptsItself());
            } else if (message instanceof ServerReply m) {
                out.writeByte(SERVER_REPLY);
                out.writeInt(m.seq());
                out.writeInt(m.handleId());
                out.writeUTF(m.errorCode());
                out.writeUTF(m.errorMessage());
                out.writeUTF(m.address());
                out.writeInt(m.port());
                out.writeUTF(m.addressType());
            } else if (message instanceof Listening m) {
                out.writeByte(LISTENING);
                out.writeInt(m.handleId());
                out.writeUTF(m.address());
                out.writeInt(m.port());
                out.writeUTF(m.addressType());
            } else if (message instanceof CloseServer m) {
                out.writeByte(CLOSE_SERVER);
                out.writeInt(m.seq());
                out.writeInt(m.handleId());
            } else if (message instanceof Ping m) {
                out.writeByte(PING);
                out.writeInt(m.seq());
                if (m.wantsServers()) {
                    out.writeBoolean(true);
                }
            } else if (message instanceof Health m) {
                out.writeByte(HEALTH);
                out.writeInt(m.seq());
                out.writeLong(m.heapUsed());
                out.writeLong(m.heapUsedAfterGc());
                out.writeLong(m.gcMillis());
                out.writeLong(m.connections());
                if (m.connectionsByServer() != null) {
                    out.writeInt(m.connectionsByServer().size());
                    for (Map.Entry<ListenAddress, Long> e : m.connectionsByServer().entrySet()) {
                        out.writeUTF(e.getKey().address());
                        out.writeInt(e.getKey().port());
                        out.writeUTF(e.getKey().addressType().name());
                        out.writeLong(e.getValue());
                    }
                }
            } else if (message instanceof Ready) {
                out.writeByte(READY);
            } else if (message instanceof Ask m) {
                out.writeByte(ASK);
                out.writeInt(m.seq());
                out.writeUTF(m.topic());
            } else if (message instanceof Answer m) {
                out.writeByte(ANSWER);
                out.writeInt(m.seq());
                out.writeUTF(m.error());
                out.writeInt(m.payload().length);
                out.write(m.payload());
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
        // The two messages of every rr connection are read in place, as encode writes them without a stream.
        int start = payload.position();
        if (payload.remaining() == 13 && payload.get(start) == NEW_CONNECTION) {
            ByteBuffer b = payload.slice().order(ByteOrder.BIG_ENDIAN);
            payload.position(payload.limit()); // consumed, as the general path leaves it
            return new NewConnection(b.getInt(1), b.getLong(5));
        }
        if (payload.remaining() == 10 && payload.get(start) == CONNECTION_ACK) {
            ByteBuffer b = payload.slice().order(ByteOrder.BIG_ENDIAN);
            payload.position(payload.limit());
            return new ConnectionAck(b.getLong(1), b.get(9) != 0);
        }
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        if (bytes.length == 0) {
            throw new ProtocolException("empty internal message");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte type = in.readByte();
            InternalMessage message = switch (type) {
                case HELLO -> new Hello(in.readInt(), in.readUTF());
                case DISCONNECT -> new Disconnect();
                case EXITED_AFTER_DISCONNECT -> new ExitedAfterDisconnect(in.readInt());
                case ACK -> new Ack(in.readInt());
                case EXITING -> new Exiting(in.readUTF());
                case QUERY_SERVER -> new QueryServer(in.readInt(), in.readInt(), in.readUTF(), in.readUTF(), in.readInt(),
                        in.readUTF(), in.readInt(), in.readBoolean(), in.readBoolean());
                case SERVER_REPLY -> new ServerReply(in.readInt(), in.readInt(), in.readUTF(), in.readUTF(), in.readUTF(),
                        in.readInt(), in.readUTF());
                case LISTENING -> new Listening(in.readInt(), in.readUTF(), in.readInt(), in.readUTF());
                case CLOSE_SERVER -> new CloseServer(in.readInt(), in.readInt());
                case NEW_CONNECTION -> new NewConnection(in.readInt(), in.readLong());
                case CONNECTION_ACK -> new ConnectionAck(in.readLong(), in.readBoolean());
                // The fields added later are read when present: a peer of the version before sends none.
                case PING -> new Ping(in.readInt(), in.available() > 0 && in.readBoolean());
                case HEALTH -> new Health(in.readInt(), in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                        in.available() > 0 ? readCountsByServer(in) : Map.of());
                case READY -> new Ready();
                case ASK -> new Ask(in.readInt(), in.readUTF());
                case ANSWER -> new Answer(in.readInt(), in.readUTF(), sizedBytes(in));
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
