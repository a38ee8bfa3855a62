package org.jcluster.examples.unmodified;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;

/**
 * An HTTP hello on {@code AsynchronousServerSocketChannel} (as Tomcat's NIO2 connector is built): answers
 * "pid N" to every request and closes. Argument: the port.
 */
public final class AsyncChannelHello {
    private AsyncChannelHello() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        byte[] body = ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n" + new String(body, StandardCharsets.US_ASCII))
                .getBytes(StandardCharsets.US_ASCII);
        AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                .bind(new InetSocketAddress(Integer.parseInt(args[0])));
        server.accept(null, new CompletionHandler<AsynchronousSocketChannel, Void>() {
            @Override
            public void completed(AsynchronousSocketChannel connection, Void unused) {
                server.accept(null, this);
                new Thread(() -> answer(connection, response)).start();
            }

            @Override
            public void failed(Throwable closed, Void unused) {
                // the server was closed: the connections still open finish on their threads
            }
        });
        System.out.println("listening on " + ((InetSocketAddress) server.getLocalAddress()).getPort());
        Thread.currentThread().join(); // the channel group's threads are daemons: main keeps the JVM up
    }

    private static void answer(AsynchronousSocketChannel connection, byte[] response) {
        try (connection) {
            ByteBuffer head = ByteBuffer.allocate(8192);
            while (!new String(head.array(), 0, head.position(), StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
                if (!head.hasRemaining() || connection.read(head).get() < 0) {
                    return;
                }
            }
            ByteBuffer out = ByteBuffer.wrap(response);
            while (out.hasRemaining()) {
                connection.write(out).get();
            }
        } catch (IOException | ExecutionException e) {
            System.err.println("connection failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
