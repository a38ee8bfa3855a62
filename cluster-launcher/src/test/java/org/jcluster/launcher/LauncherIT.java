package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.launcher.Clients.freeTcpPort;
import static org.jcluster.launcher.Clients.get;
import static org.jcluster.launcher.Clients.pidIn;
import static org.jcluster.launcher.Clients.pidsAnswering;
import static org.jcluster.launcher.Clients.union;
import static org.jcluster.launcher.Clients.workersOf;
import static org.jcluster.launcher.Jcluster.APPS;
import static org.jcluster.launcher.Jcluster.APPS_CLASS_PATH;

import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.jcluster.launcher.Clients.ClientLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code bin/jcluster} end to end: unmodified servers (examples-unmodified, which has no jcluster
 * import) on real worker JVMs, reached over real sockets, reloaded and stopped through the control
 * socket. Every wait has a deadline; none of these deadlines is a performance claim.
 */
class LauncherIT {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final Duration RELOAD = Duration.ofSeconds(120);

    static Stream<Arguments> serversAndPolicies() {
        List<Arguments> cases = new ArrayList<>();
        for (String server : List.of("JdkHttpHello", "JettyHello", "NettyHello", "TomcatHello", "BlockingSocketHello",
                "AsyncChannelHello")) {
            for (String policy : List.of("none", "reuseport")) {
                cases.add(Arguments.of(server, policy));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} under {1}")
    @MethodSource("serversAndPolicies")
    void anUnmodifiedServerAnswersFromBothWorkers_reloadsUnderLoad_andStopsLeavingNothing(String server, String policy)
            throws Exception {
        int port = freeTcpPort();
        String name = "it-" + server.toLowerCase() + "-" + policy;
        // Netty 4.1 itself warns of sun.misc.Unsafe on JDK 24+; its own switch turns that off, as a user
        // would, so that the check below sees only what the JDK or jcluster would print.
        String javaOption = server.startsWith("Netty") ? "-Dio.netty.noUnsafe=true" : "-Dunmodified=true";
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--policy", policy, "--name", name,
                "--drain-timeout", "5s", "--java-option=" + javaOption, "-cp", APPS_CLASS_PATH, APPS + server,
                Integer.toString(port))) {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] listening on " + port), 2, START, "both workers listening");
            Set<Long> before = pidsAnswering(port);

            Map<Long, Set<String>> held = Clients.listeningSocketsHeld(port, before);
            assertThat(held.values()).as("listening sockets each worker holds: %s", held).allMatch(s -> s.size() == 1);
            Set<String> distinct = new HashSet<>();
            held.values().forEach(distinct::addAll);
            if (policy.equals("none")) {
                assertThat(distinct).as("under none, the one socket the primary bound").hasSize(1);
            } else {
                assertThat(distinct).as("under reuseport, each worker's own socket").hasSize(2);
            }

            List<Map<String, Object>> workers = workersOf(name, COMMAND);
            assertThat(workers).extracting(w -> w.get("pid")).containsExactlyInAnyOrderElementsOf(before);
            assertThat(workers).extracting(w -> w.get("state")).containsOnly("online");
            // Both answered a GET above: the agent saw each worker's accept, whatever kind of server took it.
            assertThat(workers).extracting(w -> ((Number) w.get("connections")).longValue()).allMatch(n -> n >= 1);
            Path socket = ControlDirectory.forThisUser().socket(name);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                    .isEqualTo("rwx------");

            ClientLoop load = ClientLoop.start(port);
            Jcluster.Result reload = Jcluster.run(RELOAD, "reload", "--name", name);
            load.stop();
            assertThat(reload.status()).as(reload.output()).isZero();
            assertThat(reload.output()).contains("2 workers replaced");
            assertThat(load.answered()).as("requests answered during the reload").isPositive();
            System.out.printf("%s under %s: %d answered and %d failed during the reload%s%n", server, policy,
                    load.answered(), load.failures().size(), load.failures().isEmpty() ? "" : ": " + load.failures());
            if (policy.equals("none")) {
                // One accept queue that outlives any worker: a reload loses nothing.
                assertThat(load.failures()).as("failed requests during a reload under none").isEmpty();
            }
            Set<Long> after = pidsAnswering(port);
            assertThat(after).doesNotContainAnyElementsOf(before);
            assertThat(workersOf(name, COMMAND)).extracting(w -> w.get("restarts")).containsOnly(1L);

            Jcluster.Result stop = Jcluster.run(COMMAND, "stop", "--name", name);
            assertThat(stop.status()).as(stop.output()).isZero();
            assertThat(run.awaitExit(COMMAND)).as(run.output()).isZero();
            for (long pid : union(before, after)) {
                assertThat(Jcluster.alive(pid)).as("worker pid " + pid + " after stop").isFalse();
            }
            assertThat(socket).doesNotExist();
            // Neither the JDK (17 or 25) nor jcluster had anything to warn about.
            assertThat(run.output().lines().filter(l -> l.contains("WARNING"))).as(run.output()).isEmpty();
        }
    }

    @Test
    void workersAskingForPortZeroShareOnePort() throws Exception {
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--name", "it-port-zero", "-cp", APPS_CLASS_PATH,
                APPS + "JdkHttpHello", "0")) {
            List<String> listening = run.awaitLines(l -> l.matches("\\[w\\d+\\] listening on \\d+"), 2, START,
                    "both workers listening");
            Set<String> ports = new HashSet<>();
            for (String line : listening) {
                ports.add(line.substring(line.lastIndexOf(' ') + 1));
            }
            assertThat(ports).hasSize(1).doesNotContain("0");
            assertThat(pidsAnswering(Integer.parseInt(ports.iterator().next()))).hasSize(2);
        }
    }

    @Test
    void aWildcardBindIsSharedOnIpv4AndIpv6AndAnIpv4StackOnIpv4Alone() throws Exception {
        InetAddress ipv6Loopback = InetAddress.getByName("::1");
        int port = freeTcpPort();
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--name", "it-dual-stack", "-cp", APPS_CLASS_PATH,
                APPS + "JdkHttpHello", Integer.toString(port))) {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] listening on " + port), 2, START, "both workers listening");
            // The program's socket is IPv6 (dual-stack): so is the one the primary binds for it.
            assertThat(pidsAnswering(InetAddress.getByName("127.0.0.1"), port)).hasSize(2);
            assertThat(pidsAnswering(ipv6Loopback, port)).hasSize(2);
        }
        int ipv4Port = freeTcpPort();
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--name", "it-ipv4-stack",
                "--java-option=-Djava.net.preferIPv4Stack=true", "-cp", APPS_CLASS_PATH, APPS + "JdkHttpHello",
                Integer.toString(ipv4Port))) {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] listening on " + ipv4Port), 2, START, "both workers listening");
            assertThat(pidsAnswering(InetAddress.getByName("127.0.0.1"), ipv4Port)).hasSize(2);
            // An INET socket: the primary binds IPv4 only, as the program would alone.
            assertThatThrownBy(() -> get(ipv6Loopback, ipv4Port)).isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void aServerClosedAndBoundAgainSharesThePortAgain() throws Exception {
        int port = freeTcpPort();
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--name", "it-rebind", "-cp", APPS_CLASS_PATH,
                APPS + "RebindingHello", Integer.toString(port))) {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] listening again on " + port), 2, START, "both workers bound again");
            assertThat(pidsAnswering(port)).hasSize(2);
        }
    }

    @Test
    void aNativeTransportIsNoticedAndTheWorkerSaysWhatToDo() throws Exception {
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--name", "it-epoll", "-cp", APPS_CLASS_PATH,
                APPS + "NettyEpollHello", Integer.toString(freeTcpPort()))) {
            // Netty's epoll binds without the JDK: one worker's own bind fails, and each worker said why.
            run.awaitLines(l -> l.matches("\\[w\\d\\] jcluster agent: this program uses a native Netty transport.*"
                    + "--policy reuseport.*"), 2, START, "the note of both workers");
            run.awaitLine(l -> l.contains("bind(..) failed: Address already in use"), START, "the second bind's failure");
        }
    }

    @Test
    void anApplicationBringingAnotherJacksonKeepsItsOwn() throws Exception {
        int port = freeTcpPort();
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--name", "it-jackson", "-cp", APPS_CLASS_PATH,
                APPS + "JacksonHello", Integer.toString(port))) {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] listening on " + port + " with Jackson .*"), 2, START,
                    "both workers listening");
            String body = get(port);
            assertThat(body).contains("\"jackson\":\"2.13.5\""); // examples-unmodified's, not jcluster's 2.18
            assertThat(run.output()).contains("with Jackson 2.13.5");
        }
    }

    @Test
    void udpIsSharedAsInNode() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(0)) {
            port = probe.getLocalPort();
        }
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--name", "it-udp", "-cp", APPS_CLASS_PATH,
                APPS + "UdpEcho", Integer.toString(port));
             DatagramSocket client = new DatagramSocket()) {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] listening on " + port), 2, START, "both workers bound");
            client.setSoTimeout(500);
            Set<Long> pids = new HashSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            byte[] buffer = new byte[256];
            for (int i = 0; pids.size() < 2 && System.nanoTime() < deadline; i++) {
                byte[] hello = ("hello " + i).getBytes(StandardCharsets.UTF_8);
                client.send(new DatagramPacket(hello, hello.length, InetAddress.getLoopbackAddress(), port));
                DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
                try {
                    client.receive(answer);
                } catch (SocketTimeoutException lost) {
                    continue; // UDP: ask again
                }
                String text = new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8);
                assertThat(text).endsWith(": hello " + i);
                pids.add(pidIn(text));
            }
            assertThat(pids).as("workers answering on the one UDP port; output:\n" + run.output()).hasSize(2);
        }
    }

    @Test
    void aPortInUseReachesTheApplicationAsTheBindExceptionItWouldGetAlone() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            Jcluster.Result run = Jcluster.run(START, "run", "--workers", "1", "--name", "it-port-in-use",
                    "--crash-loop-exits", "2", "-cp", APPS_CLASS_PATH, APPS + "JdkHttpHello",
                    Integer.toString(taken.getLocalPort()));
            assertThat(run.output()).contains("[w1] Exception in thread \"main\" java.net.BindException")
                    .contains("EADDRINUSE");
            assertThat(run.status()).as(run.output()).isEqualTo(1);
        }
    }

    @Test
    void aWorkerFailingInItsMainTripsTheCrashLoopBreakerWithAClearMessage() throws Exception {
        Jcluster.Result run = Jcluster.run(START, "run", "--workers", "2", "--name", "it-crash", "-cp", APPS_CLASS_PATH,
                APPS + "CrashingMain");
        assertThat(run.status()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("no database configured: set SHOP_DB_URL")
                .contains("workers exited unexpectedly within").contains("respawning stopped and the service shut down")
                .contains("jcluster.supervisor.crashloop.exits");
    }

    @Test
    void anExecutableJarRunsWithDashJar() throws Exception {
        int port = freeTcpPort();
        String jar = APPS_CLASS_PATH.substring(0, APPS_CLASS_PATH.indexOf(':'));
        try (Jcluster run = Jcluster.start("run", "--workers", "2", "--name", "it-jar", "-jar", jar,
                Integer.toString(port))) {
            run.awaitLines(l -> l.matches("\\[w\\d+\\] listening on " + port), 2, START, "both workers listening");
            assertThat(pidsAnswering(port)).hasSize(2);
        }
    }

    @Test
    void badCommandLinesFailWithExitTwoAndNameTheFix() throws Exception {
        Jcluster.Result noJar = Jcluster.run(COMMAND, "run", "-jar", "/nonexistent/app.jar");
        assertThat(noJar.status()).isEqualTo(2);
        assertThat(noJar.output()).contains("-jar /nonexistent/app.jar: no such file");

        Jcluster.Result typo = Jcluster.run(COMMAND, "run", "--wrokers", "2", "-cp", ".", "Main");
        assertThat(typo.status()).isEqualTo(2);
        assertThat(typo.output()).contains("Unknown option: '--wrokers'").contains("jcluster run --help");

        Jcluster.Result rr = Jcluster.run(COMMAND, "run", "--policy", "rr", "-cp", ".", "Main");
        assertThat(rr.status()).isEqualTo(2);
        assertThat(rr.output()).contains("--policy none").contains("--policy reuseport");

        Jcluster.Result zero = Jcluster.run(COMMAND, "run", "--workers", "0", "-cp", ".", "Main");
        assertThat(zero.status()).isEqualTo(2);
        assertThat(zero.output()).contains("--workers 0: write a number of worker JVMs from 1");

        Jcluster.Result badDuration = Jcluster.run(COMMAND, "run", "--drain-timeout", "soon", "-cp", ".", "Main");
        assertThat(badDuration.status()).isEqualTo(2);
        assertThat(badDuration.output()).contains("--drain-timeout").contains("write a duration with its unit");

        Jcluster.Result nothing = Jcluster.run(COMMAND, "status", "--name", "it-nothing-here");
        assertThat(nothing.status()).isEqualTo(1);
        assertThat(nothing.output()).contains("no cluster named it-nothing-here is running");

        for (String command : List.of("run", "status", "reload", "stop")) {
            Jcluster.Result help = Jcluster.run(COMMAND, command, "--help");
            assertThat(help.status()).as(command + " --help").isZero();
            assertThat(help.output()).contains("Usage: jcluster " + command);
        }
    }

}
