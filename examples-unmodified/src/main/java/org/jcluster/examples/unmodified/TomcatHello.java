package org.jcluster.examples.unmodified;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/** Tomcat embedded (its NIO connector), answering "pid N" on every path. Argument: the port (0: any). */
public final class TomcatHello {
    private TomcatHello() {
    }

    public static void main(String[] args) throws Exception {
        String body = "pid " + ProcessHandle.current().pid() + "\n";
        Path base = Files.createTempDirectory("tomcat-hello");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(base)));
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = tomcat.getConnector();
        connector.setPort(Integer.parseInt(args[0]));
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "hello", new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType("text/plain");
                response.getWriter().write(body);
            }
        });
        context.addServletMappingDecoded("/", "hello");
        tomcat.start();
        System.out.println("listening on " + connector.getLocalPort());
        tomcat.getServer().await();
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // the JVM is ending; a temporary directory left behind is the OS's to clean
        }
    }
}
