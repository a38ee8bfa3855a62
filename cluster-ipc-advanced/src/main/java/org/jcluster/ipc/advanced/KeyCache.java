package org.jcluster.ipc.advanced;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Short ASCII map keys seen recently, so that decoding the same keys over and over ("id", "name" in
 * every element of a list) hands back one String instead of allocating and validating a new one each
 * time, as Jackson's symbol table does for JSON.
 *
 * <p>Shared by all threads without locks. The race is harmless: a slot holds an immutable {@link Entry}
 * whose fields are final, so a reader sees either an older entry or a complete newer one, and checks
 * the bytes before trusting it; losing a write to another thread only costs a later miss.
 */
final class KeyCache {
    static final int MAX_LENGTH = 32;
    private static final int SLOTS = 1024; // a power of two

    private static final class Entry {
        final byte[] bytes;
        final String string;

        Entry(byte[] bytes, String string) {
            this.bytes = bytes;
            this.string = string;
        }
    }

    private static final Entry[] TABLE = new Entry[SLOTS];

    private KeyCache() {
    }

    /**
     * The key held in {@code b[offset, offset + length)}, or null when those bytes are not all ASCII
     * (the caller then decodes and validates them as UTF-8). Length at most {@link #MAX_LENGTH}.
     */
    static String ascii(byte[] b, int offset, int length) {
        int h = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            int c = b[i];
            if (c < 0) {
                return null;
            }
            h = 31 * h + c;
        }
        int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
        Entry e = TABLE[slot];
        if (e != null && Arrays.equals(e.bytes, 0, e.bytes.length, b, offset, offset + length)) {
            return e.string;
        }
        String s = new String(b, offset, length, StandardCharsets.ISO_8859_1);
        TABLE[slot] = new Entry(Arrays.copyOfRange(b, offset, offset + length), s);
        return s;
    }
}
