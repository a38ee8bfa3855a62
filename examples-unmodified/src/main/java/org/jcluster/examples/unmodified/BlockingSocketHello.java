package org.jcluster.examples.unmodified;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP hello on {@code java.net.ServerSocket}, a thread per connection, as blocking servers (Helidon 4,
 * older frameworks) are built: answers "pid N" to every request and closes. Argument: the port.
 */
public final class BlockingSocketHello {
    private BlockingSocketHello() {
    }

    public static void main(String[] args) throws IOException {
        byte[] body = ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n" + new String(body, StandardCharsets.US_ASCII))
                .getBytes(StandardCharsets.US_ASCII);
        try (ServerSocket server = new ServerSocket(Integer.parseInt(args[0]))) {
            System.out.println("listening on " + server.getLocalPort());
            while (true) {
                Socket connection;
                try {
                    connection = server.accept();
                } catch (SocketException closed) {
                    return; // the server was closed: the connections still open finish on their threads
                }
                new Thread(() -> answer(connection, response)).start();
            }
        }
    }

    private static void answer(Socket connection, byte[] response) {
        try (connection) {
            InputStream in = connection.getInputStream();
            int matched = 0; // of "\r\n\r\n", the end of the request's head
            for (int b; matched < 4 && (b = in.read()) >= 0; ) {
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            }
            if (matched == 4) {
                connection.getOutputStream().write(response);
            }
        } catch (IOException e) {
            System.err.println("connection failed: " + e);
        }
    }
}
