package org.jcluster.examples.unmodified;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.PackageVersion;
import com.sun.net.httpserver.HttpServer;

/**
 * A server that brings its own Jackson (another version than jcluster's), answering
 * {@code {"pid":N,"jackson":"2.x.y"}} written with it. Argument: the port (0: any).
 */
public final class JacksonHello {
    private JacksonHello() {
    }

    public static void main(String[] args) throws Exception {
        JsonFactory json = new JsonFactory();
        HttpServer server = HttpServer.create(new InetSocketAddress(Integer.parseInt(args[0])), 0);
        server.createContext("/", exchange -> {
            byte[] body = answer(json);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        System.out.println("listening on " + server.getAddress().getPort() + " with Jackson " + PackageVersion.VERSION);
    }

    private static byte[] answer(JsonFactory json) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("pid", ProcessHandle.current().pid());
            g.writeStringField("jackson", PackageVersion.VERSION.toString());
            g.writeEndObject();
        }
        return out.toByteArray();
    }
}
