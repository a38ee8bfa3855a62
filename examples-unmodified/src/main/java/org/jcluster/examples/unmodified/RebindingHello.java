package org.jcluster.examples.unmodified;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpServer;

/**
 * Binds its port, stops, and binds it again, as a program that restarts its server in place does;
 * then answers "pid N". Argument: the port.
 */
public final class RebindingHello {
    private RebindingHello() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        HttpServer first = HttpServer.create(new InetSocketAddress(port), 0);
        first.start();
        first.stop(0);
        byte[] body = ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        HttpServer again = HttpServer.create(new InetSocketAddress(port), 0);
        again.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        again.start();
        System.out.println("listening again on " + again.getAddress().getPort());
    }
}
