package org.jcluster.ipc.advanced;

import java.nio.charset.StandardCharsets;

/** How one registered record or enum goes on the wire: a tag-27 typed object named {@link #wireName}. */
abstract sealed class TypeCodec permits RecordCodec, EnumCodec {
    final Class<?> type;
    /** {@code "java/" + binary class name}: stable, and never used to load a class. */
    final String wireName;
    /** Tag 27, array(2), the type name: the bytes every value of this type starts with. */
    final byte[] prefix;

    TypeCodec(Class<?> type) {
        this.type = type;
        this.wireName = Cbor.JAVA_TYPE_PREFIX + type.getName();
        byte[] name = textItem(wireName);
        byte[] p = new byte[3 + name.length];
        p[0] = (byte) 0xD8;
        p[1] = (byte) Cbor.TAG_TYPED_OBJECT;
        p[2] = (byte) 0x82;
        System.arraycopy(name, 0, p, 3, name.length);
        this.prefix = p;
    }

    /** A complete CBOR text string item (header and UTF-8 bytes). */
    static byte[] textItem(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        byte[] header = header(Cbor.MAJOR_TEXT, utf8.length);
        byte[] item = new byte[header.length + utf8.length];
        System.arraycopy(header, 0, item, 0, header.length);
        System.arraycopy(utf8, 0, item, header.length, utf8.length);
        return item;
    }

    static byte[] header(int major, long argument) {
        int size = Cbor.headerSize(argument);
        byte[] h = new byte[size];
        int m = major << 5;
        switch (size) {
            case 1 -> h[0] = (byte) (m | argument);
            case 2 -> {
                h[0] = (byte) (m | 24);
                h[1] = (byte) argument;
            }
            case 3 -> {
                h[0] = (byte) (m | 25);
                h[1] = (byte) (argument >>> 8);
                h[2] = (byte) argument;
            }
            case 5 -> {
                h[0] = (byte) (m | 26);
                for (int i = 0; i < 4; i++) {
                    h[1 + i] = (byte) (argument >>> (24 - 8 * i));
                }
            }
            default -> {
                h[0] = (byte) (m | 27);
                for (int i = 0; i < 8; i++) {
                    h[1 + i] = (byte) (argument >>> (56 - 8 * i));
                }
            }
        }
        return h;
    }
}
