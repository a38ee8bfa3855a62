package org.jcluster.ipc.advanced;

import java.util.ArrayDeque;

/**
 * Why a message cannot be encoded, with where in the message (built while the encoder unwinds, so
 * the common path pays nothing for it). Becomes the IllegalArgumentException that send() throws.
 */
final class EncodeRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ArrayDeque<String> path = new ArrayDeque<>();

    EncodeRefusal(String message) {
        super(message, null, false, false);
    }

    EncodeRefusal(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    EncodeRefusal at(String segment) {
        path.addFirst(segment);
        return this;
    }

    String describe() {
        return path.isEmpty() ? getMessage() : getMessage() + " (at message" + String.join("", path) + ")";
    }

    static String keySegment(Object key) {
        if (key instanceof String s) {
            String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
            return shown.matches("[A-Za-z_$][A-Za-z0-9_$]*") ? "." + shown : "[\"" + shown + "\"]";
        }
        return "{key " + brief(key) + "}";
    }

    static String brief(Object value) {
        if (value == null) {
            return "null";
        }
        String s;
        try {
            s = value instanceof Number || value instanceof Boolean || value instanceof Enum<?>
                    ? String.valueOf(value)
                    : "a " + value.getClass().getName();
        } catch (RuntimeException e) {
            s = "a " + value.getClass().getName();
        }
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
