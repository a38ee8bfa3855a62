package org.jcluster.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/** {@code bin/jcluster}'s end of a running cluster's control socket. */
final class ControlClient {
    private static final JsonFactory JSON = new JsonFactory();

    private ControlClient() {
    }

    /** The socket of the cluster {@code name}, or of the only one running when no name is given. */
    static Path socketOf(String name) throws IOException, ControlException {
        ControlDirectory directory = ControlDirectory.forThisUser();
        List<String> running = Files.isDirectory(directory.path()) ? directory.names() : List.of();
        if (!running.isEmpty()) {
            directory.check();
        }
        if (name != null) {
            Path socket = directory.socket(name);
            if (!Files.exists(socket)) {
                throw new ControlException(1, "no cluster named " + name + " is running (no " + socket + ")"
                        + (running.isEmpty() ? "" : "; running: " + String.join(", ", running)));
            }
            return socket;
        }
        if (running.isEmpty()) {
            throw new ControlException(1, "no jcluster is running for this user (nothing in " + directory.path() + ")");
        }
        if (running.size() > 1) {
            throw new ControlException(Main.USAGE, "several clusters are running (" + String.join(", ", running)
                    + "): say which with --name");
        }
        return directory.socket(running.get(0));
    }

    /** True when a primary answers on {@code socket}; false for a socket file a killed primary left. */
    static boolean answers(Path socket) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** Sends {@code command} and returns the primary's JSON answer, within {@code timeout}. */
    static String request(Path socket, String command, Duration timeout) throws IOException, ControlException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new ControlException(1, "the cluster's control socket " + socket + " does not answer ("
                        + e.getMessage() + "): its primary has ended");
            }
            String answer;
            try {
                channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
                channel.shutdownOutput();
                answer = readAll(channel, timeout);
            } catch (IOException e) {
                answer = ""; // a broken pipe or a reset: the primary went away
            }
            if (answer.isBlank()) {
                throw new ControlException(1, "the cluster's primary ended before it answered '" + command + "'");
            }
            return answer;
        } catch (TimeoutException e) {
            throw new ControlException(1, "the cluster did not answer '" + command + "' within "
                    + timeout.toSeconds() + "s");
        }
    }

    /** One command line, of at most {@link ControlServer#MAX_REQUEST_BYTES}, within {@code timeout}. */
    static String readLine(SocketChannel channel, Duration timeout) throws IOException, TimeoutException {
        String text = readAll(channel, timeout, ControlServer.MAX_REQUEST_BYTES);
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).trim();
    }

    private static String readAll(SocketChannel channel, Duration timeout) throws IOException, TimeoutException {
        return readAll(channel, timeout, Integer.MAX_VALUE);
    }

    /** Reads until end of stream (or {@code limit} bytes, or a newline within them), within the deadline. */
    private static String readAll(SocketChannel channel, Duration timeout, int limit) throws IOException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            while (text.size() < limit) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException();
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    break;
                }
                text.write(buffer.array(), 0, n);
                if (limit != Integer.MAX_VALUE && text.toString(StandardCharsets.UTF_8).indexOf('\n') >= 0) {
                    break;
                }
            }
        }
        channel.configureBlocking(true); // for the answer; the selector has let go of it
        return text.toString(StandardCharsets.UTF_8);
    }

    /** A JSON document as maps, lists, strings, numbers (Long or Double) and booleans. */
    static Object parse(String json) throws IOException {
        try (JsonParser parser = JSON.createParser(json)) {
            parser.nextToken();
            return value(parser);
        }
    }

    private static Object value(JsonParser p) throws IOException {
        JsonToken token = p.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    map.put(field, value(p));
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(p));
                }
                return list;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return p.getBooleanValue();
            }
            default -> {
                return null;
            }
        }
    }

    /** A failure to report with its exit code. */
    static final class ControlException extends Exception {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        ControlException(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }
}
