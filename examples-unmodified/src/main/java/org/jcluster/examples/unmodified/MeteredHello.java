package org.jcluster.examples.unmodified;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpServer;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The JDK's HTTP server answering "pid N" on every path and counting its requests in Micrometer's global
 * registry, as a program instrumented with Micrometer does. Argument: the port (0: any).
 */
public final class MeteredHello {
    private MeteredHello() {
    }

    public static void main(String[] args) throws Exception {
        // The global registry records nothing until a registry is added to it (Spring Boot adds its own).
        Metrics.addRegistry(new SimpleMeterRegistry());
        byte[] body = ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        HttpServer server = HttpServer.create(new InetSocketAddress(Integer.parseInt(args[0])), 0);
        server.createContext("/", exchange -> {
            Metrics.counter("hello.requests").increment();
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        System.out.println("listening on " + server.getAddress().getPort());
    }
}
