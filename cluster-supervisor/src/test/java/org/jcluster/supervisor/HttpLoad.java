package org.jcluster.supervisor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jcluster.testkit.WorkerJvms;

/**
 * HTTP/1.1 clients on loopback, each sending one request after another until closed: keep-alive ones
 * reuse their connection until the server answers {@code Connection: close}, the others open a
 * connection per request. Every request that does not get a whole 200 answer is a failure, with why.
 */
final class HttpLoad implements AutoCloseable {
    private final int port;
    private final AtomicLong answered = new AtomicLong();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> clients = new ArrayList<>();
    private volatile boolean stopped;

    HttpLoad(int port, int keepAliveClients, int closeClients) {
        this.port = port;
        for (int i = 0; i < keepAliveClients + closeClients; i++) {
            boolean keepAlive = i < keepAliveClients;
            Thread t = new Thread(() -> run(keepAlive), "http-client-" + i);
            t.setDaemon(true);
            clients.add(t);
            t.start();
        }
    }

    long answered() {
        return answered.get();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    /** Waits until {@code count} requests in all were answered, within the deadline. */
    void awaitAnswered(long count) throws InterruptedException {
        long deadline = System.nanoTime() + WorkerJvms.DEADLINE.toNanos();
        synchronized (answered) {
            while (answered.get() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(answered.get() + " of " + count + " requests answered within "
                            + WorkerJvms.DEADLINE + "; failures: " + failures);
                }
                answered.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private void run(boolean keepAlive) {
        byte[] request = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        Socket socket = null;
        BufferedReader in = null;
        while (!stopped) {
            try {
                if (socket == null) {
                    socket = new Socket(InetAddress.getLoopbackAddress(), port);
                    socket.setSoTimeout((int) WorkerJvms.DEADLINE.toMillis());
                    in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                }
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
                boolean serverCloses = readAnswer(in);
                synchronized (answered) {
                    answered.incrementAndGet();
                    answered.notifyAll();
                }
                if (serverCloses || !keepAlive) {
                    socket.close();
                    socket = null;
                }
            } catch (IOException | RuntimeException e) {
                if (!stopped) {
                    failures.add((keepAlive ? "keep-alive" : "close") + ": " + e);
                }
                closeQuietly(socket);
                socket = null;
            }
        }
        closeQuietly(socket);
    }

    /** Reads one answer; true when the server said it closes the connection. */
    private static boolean readAnswer(BufferedReader in) throws IOException {
        String status = in.readLine();
        if (status == null) {
            throw new IOException("the connection ended before an answer");
        }
        if (!status.startsWith("HTTP/1.1 200 ")) {
            throw new IOException("answer " + status);
        }
        int length = -1;
        boolean closes = false;
        for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
            String lower = header.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(lower.substring(15).trim());
            }
            closes |= lower.equals("connection: close");
        }
        if (length < 0) {
            throw new IOException("an answer without Content-Length");
        }
        for (int i = 0; i < length; i++) {
            if (in.read() < 0) {
                throw new IOException("the connection ended in the body");
            }
        }
        return closes;
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Stops the clients and waits for them, within the deadline. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread t : clients) {
            t.join(WorkerJvms.DEADLINE.toMillis());
        }
    }
}
