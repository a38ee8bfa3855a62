package org.jcluster.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jcluster.launcher.Jcluster.APPS;
import static org.jcluster.launcher.Jcluster.APPS_CLASS_PATH;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The control socket of a running cluster: who may use it, what it answers, what it leaves behind. */
class ControlSocketIT {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration COMMAND = Duration.ofSeconds(60);

    @Test
    @SuppressWarnings("unchecked")
    void oneNamePerClusterAStaleSocketIsReplacedAndUnknownCommandsAreRefused() throws Exception {
        ControlDirectory directory = ControlDirectory.forThisUser();
        directory.create();
        Path stale = directory.socket("it-control");
        try (ServerSocketChannel killed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            killed.bind(UnixDomainSocketAddress.of(stale)); // closed below without removing its file: a SIGKILLed primary's
        }
        assertThat(stale).exists();
        int port = Clients.freeTcpPort();
        try (Jcluster run = Jcluster.start("run", "--workers", "1", "--name", "it-control", "-cp", APPS_CLASS_PATH,
                APPS + "JdkHttpHello", Integer.toString(port))) {
            run.awaitLine(l -> l.equals("[w1] listening on " + port), START, "the worker listening");

            Jcluster.Result twice = Jcluster.run(COMMAND, "run", "--workers", "1", "--name", "it-control", "-cp",
                    APPS_CLASS_PATH, APPS + "JdkHttpHello", Integer.toString(Clients.freeTcpPort()));
            assertThat(twice.status()).isEqualTo(1);
            assertThat(twice.output()).contains("a cluster named it-control is already running")
                    .contains("another --name");

            assertThat(ask(stale, "restart")).contains("\"ok\":false").contains("unknown command 'restart'");

            for (int i = 0; i < 5; i++) {
                Clients.get(port);
            }
            // The program accepted them, not jcluster: the agent counted them, for status and --max-requests, and
            // by server.
            Map<String, Object> status = Clients.statusOf("it-control", COMMAND);
            Map<String, Object> worker = ((List<Map<String, Object>>) status.get("workers")).get(0);
            assertThat(worker.get("connections")).isEqualTo(5L);
            Map<String, Object> server = ((List<Map<String, Object>>) status.get("servers")).get(0);
            assertThat((String) server.get("address")).endsWith(":" + port);
            assertThat(server).containsEntry("policy", "none").containsEntry("primaryAccepts", false)
                    .containsEntry("workers", List.of(1L))
                    .containsEntry("takenByWorker", Map.of("1", 5L))
                    .containsEntry("accepted", 0L); // the kernel dealt them
            // The worker's stats: it said how its heap and collectors are; the primary counted its channel.
            assertThat(worker).containsKeys("heapUsedBytes", "gcMillis", "cpuMillis", "residentBytes", "pingMillis")
                    .containsEntry("messagesSent", 0L).containsEntry("messagesReceived", 0L)
                    .containsEntry("connectionsDealt", 0L); // under none the kernel deals them
            assertThat((Long) worker.get("heapUsedBytes")).isPositive();
            assertThat((Long) worker.get("bytesReceived")).as("hello, ready and ping answers").isPositive();

            String header = "ID   PID      STATE     UPTIME    RESTARTS  MEMORY      HEAP        CPU       GC       CONNECTIONS";
            String row = "\\n1 +\\d+ +online +\\d+s +0 +[0-9.]+ MiB +[0-9.]+ MiB +[0-9.]+s +[0-9.]+s +5";
            Jcluster.Result table = Jcluster.run(COMMAND, "status", "--name", "it-control");
            assertThat(table.status()).as(table.output()).isZero();
            assertThat(table.output()).contains("it-control: primary pid " + run.pid()).contains(header)
                    .containsPattern(row).containsPattern("\\n\\S+:" + port + " +- +- +- +- +- +1: 5(\\n|$)");
            try (Jcluster watch = Jcluster.start("status", "--name", "it-control", "--watch", "--interval", "200ms")) {
                watch.awaitLines(l -> l.equals(header), 3, COMMAND, "three tables, one after the other");
            }

            Jcluster.Result stop = Jcluster.run(COMMAND, "stop", "--name", "it-control");
            assertThat(stop.status()).as(stop.output()).isZero();
            assertThat(run.awaitExit(COMMAND)).isZero();
        }
        assertThat(stale).doesNotExist();
    }

    @Test
    void aPeerOfAnotherUserIsRefused(@org.junit.jupiter.api.io.TempDir Path probeDir) throws Exception {
        Assumptions.assumeTrue(ControlDirectory.thisProcessUser().getName().equals("root"),
                "needs root, to run the probe as nobody");
        int port = Clients.freeTcpPort();
        try (Jcluster run = Jcluster.start("run", "--workers", "1", "--name", "it-peer", "-cp", APPS_CLASS_PATH,
                APPS + "JdkHttpHello", Integer.toString(port))) {
            run.awaitLine(l -> l.equals("[w1] listening on " + port), START, "the worker listening");
            Path socket = ControlDirectory.forThisUser().socket("it-peer");
            // Open the door the directory and the file keep shut, to reach the peer check behind them. The
            // primary answers a refused peer at once, before reading: the probe only reads.
            Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            Path probe = probeDir.resolve("Probe.java");
            Files.writeString(probe, String.join("\n",
                    "import java.net.*; import java.nio.*; import java.nio.channels.*;",
                    "public class Probe { public static void main(String[] a) throws Exception {",
                    "  try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(a[0]))) {",
                    "    ByteBuffer b = ByteBuffer.allocate(4096); while (c.read(b) >= 0) { }",
                    "    System.out.print(new String(b.array(), 0, b.position())); } } }"));
            Files.setPosixFilePermissions(probeDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rw-r--r--"));
            Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), probe.toString(), socket.toString())
                    .redirectErrorStream(true).start();
            String answer = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(answer).isZero();
            assertThat(answer).contains("\"ok\":false").contains("answers its own user only, not nobody");
            Files.setPosixFilePermissions(socket.getParent(), ControlDirectory.OWNER_ONLY);
        }
    }

    /** One raw request, as bin/jcluster would send it. */
    private static String ask(Path socket, String command) throws Exception {
        return ControlClient.request(socket, command, Duration.ofSeconds(10));
    }
}
