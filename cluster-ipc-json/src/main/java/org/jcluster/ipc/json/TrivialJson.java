package org.jcluster.ipc.json;

import java.nio.charset.StandardCharsets;

/**
 * Messages that are a single trivial value (null, a boolean, an integer of up to 18 digits, a string
 * of printable ASCII with nothing to escape) written and read without Jackson.
 *
 * <p>Why: for such a message, creating Jackson's generator or parser costs several times the work
 * itself, and these are common messages (commands, ids, acknowledgements). Everything else, and any
 * variant of these forms (whitespace, escapes, leading zeros, longer numbers), is left to Jackson:
 * this class answers only where its answer is certainly the one Jackson would give, byte for byte on
 * encode and value for value on decode. JsonFastPathTest compares the two.
 */
final class TrivialJson {

    /** Returned by {@link #decode} when the payload is not one of the forms handled here. */
    static final Object NOT_TRIVIAL = new Object();

    /** Beyond 18 digits a number may not fit a long; 18 never overflows. */
    private static final int MAX_DIGITS = 18;

    private TrivialJson() {
    }

    /** The JSON for {@code v}, or null when {@code v} is not trivial. */
    static byte[] encode(Object v) {
        if (v == null) {
            return new byte[] {'n', 'u', 'l', 'l'};
        }
        Class<?> c = v.getClass();
        if (c == String.class) {
            return string((String) v);
        } else if (c == Long.class || c == Integer.class) {
            return Long.toString(((Number) v).longValue()).getBytes(StandardCharsets.ISO_8859_1);
        } else if (c == Boolean.class) {
            return (Boolean) v ? new byte[] {'t', 'r', 'u', 'e'} : new byte[] {'f', 'a', 'l', 's', 'e'};
        }
        return null;
    }

    private static byte[] string(String s) {
        int n = s.length();
        byte[] out = new byte[n + 2];
        out[0] = '"';
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            if (!plain(ch)) {
                return null;
            }
            out[i + 1] = (byte) ch;
        }
        out[n + 1] = '"';
        return out;
    }

    /**
     * A character Jackson writes as itself: printable ASCII but the quote and the backslash. DEL
     * (0x7F), which Jackson also writes unescaped, is left out to keep the rule obvious.
     */
    private static boolean plain(int ch) {
        return ch >= 0x20 && ch <= 0x7E && ch != '"' && ch != '\\';
    }

    /** The value of {@code b[off, off+len)}, or {@link #NOT_TRIVIAL}. {@code len} is at least 1. */
    static Object decode(byte[] b, int off, int len) {
        int end = off + len;
        byte first = b[off];
        if (first == '"') {
            if (len < 2 || b[end - 1] != '"') {
                return NOT_TRIVIAL;
            }
            for (int i = off + 1; i < end - 1; i++) {
                if (!plain(b[i])) {
                    return NOT_TRIVIAL;
                }
            }
            return new String(b, off + 1, len - 2, StandardCharsets.ISO_8859_1);
        }
        if (first == '-' || (first >= '0' && first <= '9')) {
            return integer(b, off, end);
        }
        if (len == 4 && first == 'n' && b[off + 1] == 'u' && b[off + 2] == 'l' && b[off + 3] == 'l') {
            return null;
        }
        if (len == 4 && first == 't' && b[off + 1] == 'r' && b[off + 2] == 'u' && b[off + 3] == 'e') {
            return Boolean.TRUE;
        }
        if (len == 5 && first == 'f' && b[off + 1] == 'a' && b[off + 2] == 'l' && b[off + 3] == 's'
                && b[off + 4] == 'e') {
            return Boolean.FALSE;
        }
        return NOT_TRIVIAL;
    }

    private static Object integer(byte[] b, int off, int end) {
        boolean negative = b[off] == '-';
        int start = negative ? off + 1 : off;
        int digits = end - start;
        if (digits < 1 || digits > MAX_DIGITS || (b[start] == '0' && digits > 1)) {
            return NOT_TRIVIAL;
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return NOT_TRIVIAL;
            }
            value = value * 10 + d;
        }
        return negative ? -value : value;
    }
}
