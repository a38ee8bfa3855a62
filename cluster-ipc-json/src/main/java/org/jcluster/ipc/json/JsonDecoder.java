package org.jcluster.ipc.json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;

import org.jcluster.api.spi.MalformedMessageException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;

/**
 * Reads one message with Jackson's streaming parser into the value model.
 *
 * <p>The walk is iterative: values wait on one growable stack until their container closes, and the
 * container is then built at its exact size. Hostile nesting therefore cannot overflow the thread's
 * stack whatever the configured limit, and nothing is allocated that the bytes do not justify: every
 * slot, list and map stands for at least one byte of input.
 */
final class JsonDecoder {

    private final JsonFactory factory;
    private final int maxDepth;

    JsonDecoder(JsonFactory factory, int maxDepth) {
        this.factory = factory;
        this.maxDepth = maxDepth;
    }

    Object decode(ByteBuffer payload) {
        int len = payload.remaining();
        if (len == 0) {
            throw new MalformedMessageException("Malformed JSON message: the payload is empty. A JSON message holds"
                    + " one value, at least \"null\".");
        }
        byte[] bytes;
        int off;
        if (payload.hasArray()) {
            bytes = payload.array();
            off = payload.arrayOffset() + payload.position();
        } else {
            bytes = new byte[len];
            payload.get(payload.position(), bytes);
            off = 0;
        }
        Object trivial = TrivialJson.decode(bytes, off, len);
        return trivial != TrivialJson.NOT_TRIVIAL ? trivial : decodeWithJackson(bytes, off, len);
    }

    /** The general path for a non-empty payload; package-private so that tests can hold the fast path against it. */
    Object decodeWithJackson(byte[] bytes, int off, int len) {
        // Jackson guesses UTF-16 or UTF-32 from NUL bytes at the start; JSON messages here are UTF-8 only.
        for (int i = 0; i < Math.min(len, 4); i++) {
            if (bytes[off + i] == 0) {
                throw new MalformedMessageException("Malformed JSON message: a NUL byte at byte offset " + i + " of "
                        + len + ". JSON messages are UTF-8 text, which never holds NUL bytes outside escapes;"
                        + " the sender wrote UTF-16, binary data, or another serialization.");
            }
        }
        Utf8.check(bytes, off, len);
        JsonParser p = null;
        try {
            p = factory.createParser(bytes, off, len);
            Object value = read(p, len);
            JsonToken extra;
            try {
                extra = p.nextToken();
            } catch (JsonProcessingException e) {
                throw malformed("unexpected data after the message's value", e, p, len);
            }
            if (extra != null) {
                throw new MalformedMessageException("Malformed JSON message: unexpected data after the message's value,"
                        + " at byte offset " + p.currentTokenLocation().getByteOffset() + " of " + len
                        + " (a second value starting with " + extra.asString() + "). A message holds exactly one"
                        + " JSON value.");
            }
            return value;
        } catch (JsonEOFException e) {
            throw malformed("it ends inside an unfinished value (truncated?)", e, p, len);
        } catch (StreamConstraintsException e) {
            throw malformed("it exceeds a parsing limit", e, p, len);
        } catch (JsonProcessingException e) {
            throw malformed("invalid JSON", e, p, len);
        } catch (IOException e) {
            throw new MalformedMessageException("Malformed JSON message: " + e.getMessage(), e);
        } finally {
            if (p != null) {
                try {
                    p.close();
                } catch (IOException ignored) {
                    // A byte-array parser has nothing to release that can fail.
                }
            }
        }
    }

    private Object read(JsonParser p, int len) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new MalformedMessageException("Malformed JSON message: the payload holds only whitespace ("
                    + len + " bytes) and no value.");
        }
        if (t != JsonToken.START_ARRAY && t != JsonToken.START_OBJECT) {
            return scalar(p, t);
        }
        Object[] stack = new Object[16];
        int sp = 0;
        int[] starts = new int[16];
        int depth = 0;
        while (true) {
            Object value;
            switch (t) {
                case START_ARRAY, START_OBJECT -> {
                    if (depth == maxDepth) {
                        throw new MalformedMessageException("Malformed JSON message: it nests deeper than the limit of "
                                + maxDepth + " levels, at byte offset " + p.currentTokenLocation().getByteOffset()
                                + " of " + len + ". The sender must flatten it, or both sides must raise"
                                + " SerializationOptions.maxNestingDepth.");
                    }
                    depth++;
                    if (depth == starts.length) {
                        starts = Arrays.copyOf(starts, depth * 2);
                    }
                    starts[depth] = sp;
                    t = next(p);
                    continue;
                }
                case END_ARRAY -> {
                    int start = starts[depth--];
                    value = list(stack, start, sp);
                    sp = start;
                }
                case END_OBJECT -> {
                    int start = starts[depth--];
                    value = map(stack, start, sp);
                    sp = start;
                }
                case FIELD_NAME -> value = p.currentName();
                default -> value = scalar(p, t);
            }
            if (depth == 0) {
                return value;
            }
            if (sp == stack.length) {
                stack = Arrays.copyOf(stack, sp * 2);
            }
            stack[sp++] = value;
            t = next(p);
        }
    }

    private static JsonToken next(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            // Jackson reports this itself; kept so that a change there cannot turn into a silent loop.
            throw new JsonEOFException(p, null, "Unexpected end of input inside an array or object");
        }
        return t;
    }

    private static ArrayList<Object> list(Object[] stack, int start, int end) {
        int n = end - start;
        ArrayList<Object> list = n == 0 ? new ArrayList<>() : new ArrayList<>(n);
        for (int i = start; i < end; i++) {
            list.add(stack[i]);
        }
        return list;
    }

    private static LinkedHashMap<String, Object> map(Object[] stack, int start, int end) {
        int pairs = (end - start) >>> 1;
        LinkedHashMap<String, Object> map = pairs == 0 ? new LinkedHashMap<>()
                : new LinkedHashMap<>((int) (pairs / 0.75f) + 1);
        for (int i = start; i < end; i += 2) {
            // A repeated key keeps its first position and its last value, as JSON.parse does.
            map.put((String) stack[i], stack[i + 1]);
        }
        return map;
    }

    private static Object scalar(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT:
                        return (long) p.getIntValue();
                    case LONG:
                        return p.getLongValue();
                    default:
                        return p.getBigIntegerValue();
                }
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new MalformedMessageException("Malformed JSON message: unexpected " + t + " at byte offset "
                        + p.currentTokenLocation().getByteOffset() + ".");
        }
    }

    private static MalformedMessageException malformed(String what, JsonProcessingException e, JsonParser p, int len) {
        JsonLocation at = e.getLocation();
        long offset = at != null ? at.getByteOffset() : -1;
        if (offset < 0 && p != null) {
            offset = p.currentLocation().getByteOffset();
        }
        if (e instanceof StreamReadException sre) {
            // The parser holds the payload; the exception, which may be kept and logged, need not.
            sre.withParser(null);
        }
        String where = offset >= 0 ? " at byte offset " + offset + " of " + len : " (" + len + " bytes)";
        return new MalformedMessageException("Malformed JSON message: " + what + where + ": " + e.getOriginalMessage(), e);
    }
}
