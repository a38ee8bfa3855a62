package org.jcluster.examples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot web application (Tomcat) answering "pid N" on GET /; its port is Spring's own
 * {@code server.port} ({@code --server.port=8080}).
 */
@SpringBootApplication(proxyBeanMethods = false)
@RestController
public class SpringBootHello {
    private static final String BODY = "pid " + ProcessHandle.current().pid() + "\n";

    public static void main(String[] args) {
        SpringApplication.run(SpringBootHello.class, args);
    }

    @GetMapping(value = "/", produces = "text/plain")
    public String hello() {
        return BODY;
    }
}
