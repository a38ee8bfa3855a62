package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.launcher.Clients.freeTcpPort;
import static org.jcluster.launcher.Clients.pidsAnswering;
import static org.jcluster.launcher.Clients.union;
import static org.jcluster.launcher.Clients.workersOf;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jcluster.launcher.Clients.ClientLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/jcluster run -jar} with a Spring Boot web application (examples-spring-boot: Tomcat, Spring's
 * executable jar, no jcluster import), as a user would run it. Every wait has a deadline; none of these
 * deadlines is a performance claim (two Spring Boot JVMs start side by side, on a small machine too).
 */
class SpringBootIT {
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final Duration RELOAD = Duration.ofSeconds(180);

    @Test
    void aSpringBootJarAnswersFromBothWorkers_reloadsUnderLoad_andStopsLeavingNothing(@TempDir Path tomcatBase)
            throws Exception {
        int port = freeTcpPort();
        String name = "it-spring-boot";
        // Spring Boot's Tomcat leaves a tomcat.PORT.* directory in /tmp at every exit, alone as here: it goes
        // where the test can remove it.
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--name", name, "--drain-timeout", "5s",
                "-jar", Jcluster.springBootJar().toString(), "--server.port=" + port,
                "--server.tomcat.basedir=" + tomcatBase)) {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] .* Started SpringBootHello in .*"), 2, START,
                    "both workers started");
            Set<Long> before = pidsAnswering(port);

            List<Map<String, Object>> workers = workersOf(name, COMMAND);
            assertThat(workers).extracting(w -> w.get("pid")).containsExactlyInAnyOrderElementsOf(before);
            assertThat(workers).extracting(w -> w.get("state")).containsOnly("online");

            ClientLoop load = ClientLoop.start(port);
            Jcluster.Result reload = Jcluster.run(RELOAD, "reload", "--name", name);
            load.stop();
            assertThat(reload.status()).as(reload.output()).isZero();
            assertThat(reload.output()).contains("2 workers replaced");
            System.out.printf("Spring Boot: %d answered and %d failed during the reload%s%n", load.answered(),
                    load.failures().size(), load.failures().isEmpty() ? "" : ": " + load.failures());
            assertThat(load.answered()).as("requests answered during the reload").isPositive();
            assertThat(load.failures()).as("failed requests during a reload").isEmpty();
            Set<Long> after = pidsAnswering(port);
            assertThat(after).doesNotContainAnyElementsOf(before);

            Jcluster.Result stop = Jcluster.run(COMMAND, "stop", "--name", name);
            assertThat(stop.status()).as(stop.output()).isZero();
            assertThat(run.awaitExit(COMMAND)).as(run.output()).isZero();
            for (long pid : union(before, after)) {
                assertThat(Jcluster.alive(pid)).as("worker pid " + pid + " after stop").isFalse();
            }
            // Nothing from the JDK (17 or 25) or jcluster to warn about, and nothing unusual from Spring.
            assertThat(run.output().lines().filter(l -> l.contains("WARNING") || l.contains(" WARN ")))
                    .as(run.output()).isEmpty();
        }
    }
}
