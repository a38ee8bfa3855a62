package org.jcluster.ipc.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jcluster.api.spi.MalformedMessageException;
import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.junit.jupiter.api.Test;

class JsonMalformedTest {

    private final Serialization json = new JsonSerializationProvider().create(SerializationOptions.defaults());

    private Object decode(String text) {
        return json.decode(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private Object decode(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return json.decode(ByteBuffer.wrap(b));
    }

    @Test
    void emptyPayload() {
        assertThatThrownBy(() -> json.decode(ByteBuffer.allocate(0)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("the payload is empty");
        assertThatThrownBy(() -> decode(" \n "))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("only whitespace (3 bytes)");
    }

    @Test
    void trailingData() {
        assertThatThrownBy(() -> decode("[1,2] [3]"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("unexpected data after the message's value, at byte offset 6 of 9")
                .hasMessageContaining("exactly one JSON value");
        assertThatThrownBy(() -> decode("{\"a\":1}x"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("unexpected data after the message's value at byte offset");
        assertThatThrownBy(() -> decode("1 2"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("at byte offset 2 of 3");
    }

    @Test
    void truncatedInput() {
        assertThatThrownBy(() -> decode("{\"a\":[1,2"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("ends inside an unfinished value (truncated?)")
                .hasMessageContaining("of 9");
        assertThatThrownBy(() -> decode("\"abc"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> decode("tru"))
                .isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("{\"a\""))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void invalidJson() {
        assertThatThrownBy(() -> decode("{a:1}"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("invalid JSON at byte offset 1 of 5");
        assertThatThrownBy(() -> decode("[1,]")).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("[1}")).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("NaN")).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("01")).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("'single'")).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("[1] // comment")).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("\"raw\ncontrol\"")).isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void invalidUtf8IsRefusedStrictly() {
        assertThatThrownBy(() -> decode('"', 0xFF, '"'))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("invalid UTF-8 at byte offset 1 of 3 (bytes FF 22)")
                .hasMessageContaining("never appears in UTF-8");
        // Overlong forms, encoded surrogates and code points past U+10FFFF, which Jackson would accept.
        assertThatThrownBy(() -> decode('"', 0xC0, 0x80, '"')).hasMessageContaining("invalid UTF-8 at byte offset 1");
        assertThatThrownBy(() -> decode('"', 0xE0, 0x80, 0x80, '"')).hasMessageContaining("invalid UTF-8");
        assertThatThrownBy(() -> decode('"', 0xED, 0xA0, 0x80, '"')).hasMessageContaining("invalid UTF-8");
        assertThatThrownBy(() -> decode('"', 0xF4, 0x90, 0x80, 0x80, '"')).hasMessageContaining("invalid UTF-8");
        assertThatThrownBy(() -> decode('"', 0xF0, 0x80, 0x80, 0x80, '"')).hasMessageContaining("invalid UTF-8");
        assertThatThrownBy(() -> decode('"', 0x80, '"')).hasMessageContaining("continuation byte with no lead byte");
        assertThatThrownBy(() -> decode('"', 0xE2, 0x82, '"')).hasMessageContaining("missing a continuation byte");
        assertThatThrownBy(() -> decode('"', 'a', 0xE2, 0x82)).hasMessageContaining("cut off by the end of the payload");
        // Past the eight-bytes-at-a-time fast path.
        StringBuilder longAscii = new StringBuilder("\"");
        longAscii.append("a".repeat(37));
        byte[] prefix = longAscii.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] bad = new byte[prefix.length + 2];
        System.arraycopy(prefix, 0, bad, 0, prefix.length);
        bad[prefix.length] = (byte) 0xC1;
        bad[prefix.length + 1] = '"';
        assertThatThrownBy(() -> json.decode(ByteBuffer.wrap(bad))).hasMessageContaining("invalid UTF-8 at byte offset 38 of 40");
    }

    @Test
    void validMultiByteUtf8IsAccepted() {
        assertThat(decode('"', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xF4, 0x8F, 0xBF, 0xBF, '"'))
                .isEqualTo("é€\uD83D\uDE00\uDBFF\uDFFF");
    }

    @Test
    void utf16AndBinaryAreRefused() {
        assertThatThrownBy(() -> decode(0, '[', 0, ']'))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("a NUL byte at byte offset 0")
                .hasMessageContaining("UTF-16");
        assertThatThrownBy(() -> decode('[', 0, ']', 0)).hasMessageContaining("a NUL byte at byte offset 1");
    }

    @Test
    void overlongNumbersAreRefused() {
        assertThatThrownBy(() -> decode("1".repeat(1001)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("exceeds a parsing limit");
        assertThat(decode("1".repeat(1000))).isEqualTo(new java.math.BigInteger("1".repeat(1000)));
    }

    @Test
    void hugeExponentsDecodeAsInfinityAsJavaScriptDoes() {
        assertThat(decode("1e400")).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void nestingDeeperThanTheLimitIsRefusedWithItsOffset() {
        Serialization shallow = new JsonSerialization(new SerializationOptions(List.of(), 3));
        assertThat(shallow.decode(ByteBuffer.wrap("[{\"a\":[]}]".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo(List.of(java.util.Map.of("a", List.of())));
        assertThatThrownBy(() -> shallow.decode(ByteBuffer.wrap("[{\"a\":[[]]}]".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("nests deeper than the limit of 3 levels, at byte offset 7 of 12");
    }

    @Test
    void hostileNestingCannotOverflowTheStackWhateverTheLimit() {
        Serialization unlimited = new JsonSerialization(new SerializationOptions(List.of(), Integer.MAX_VALUE));
        int depth = 200_000;
        String text = "[".repeat(depth) + "]".repeat(depth);
        Object value = unlimited.decode(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        assertThat(value).isInstanceOf(List.class);
        assertThatThrownBy(() -> json.decode(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("nests deeper than the limit of 256 levels, at byte offset 256");
    }

    @Test
    void encodingTooDeepForTheStackIsAClearError() {
        Serialization unlimited = new JsonSerialization(new SerializationOptions(List.of(), Integer.MAX_VALUE));
        Object deep = 1;
        for (int i = 0; i < 1_000_000; i++) {
            deep = List.of(deep);
        }
        Object value = deep;
        assertThatThrownBy(() -> unlimited.encode(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too deeply for the sending thread's stack");
    }

    @Test
    void theCauseDoesNotKeepTheParser() {
        Throwable cause = org.assertj.core.api.Assertions.catchThrowable(() -> decode("{a:1}")).getCause();
        assertThat(cause).isInstanceOf(com.fasterxml.jackson.core.exc.StreamReadException.class);
        assertThat(((com.fasterxml.jackson.core.exc.StreamReadException) cause).getProcessor()).isNull();
    }
}
