import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Does what the README's "Using jcluster from your own project" tells a reader to do, and fails when the
 * result is not what the README says it is.
 *
 * <p>The README is the only source: every code block that follows a {@code <!-- recipe: ... -->} comment
 * is taken from it as written, so the README cannot drift from what is tested. The comments are
 * <ul>
 * <li>{@code <!-- recipe: file PATH -->}: the block is the file PATH of the reader's project;
 * <li>{@code <!-- recipe: build -->}: shell commands that build it;
 * <li>{@code <!-- recipe: run NAME -->}: shell commands that run it (NAME says how, e.g. "on the module path");
 * <li>{@code <!-- recipe: output -->}: what every run prints, in any order (workers answer in any order).
 * </ul>
 *
 * <p>The one step not taken from the README is its {@code mvn -DskipTests install}: the build that runs
 * this check installed the jcluster artifacts it just built into a repository of its own
 * ({@code --repository}, by invoker:install), and the README's {@code mvn} is pointed there, with the
 * reader's usual repository ({@code --user-repository}) as a read-only source of plugins and libraries.
 *
 * <p>Each run must exit 0, print exactly the README's output and nothing at all on stderr (on JDK 24 and
 * later a missing native-access flag, or a library's use of sun.misc.Unsafe, prints warnings there), and
 * leave no process behind. Each step has a deadline, after which its whole process tree is killed.
 */
public final class ReadmeRecipeCheck {

    private static final Pattern MARKER = Pattern.compile("^<!--\\s*recipe:\\s*(.+?)\\s*-->\\s*$");
    private static final Pattern FENCE = Pattern.compile("^```.*$");
    private static final Pattern VERSION_PROPERTY = Pattern.compile("<jcluster\\.version>([^<]+)</jcluster\\.version>");

    private static final long BUILD_DEADLINE_SECONDS = 180;
    private static final long RUN_DEADLINE_SECONDS = 60;
    /** How long workers may take to go after their primary has exited (they are watched for less). */
    private static final long LEFTOVER_GRACE_MILLIS = 5_000;

    /** What the README says, by marker. */
    record Recipe(Map<String, String> files, String build, Map<String, String> runs, List<String> output) {

        static Recipe parse(List<String> lines) {
            Map<String, String> files = new LinkedHashMap<>();
            Map<String, String> runs = new LinkedHashMap<>();
            String build = null;
            List<String> output = null;
            for (int i = 0; i < lines.size(); i++) {
                Matcher marker = MARKER.matcher(lines.get(i).trim());
                if (!marker.matches()) {
                    continue;
                }
                String what = marker.group(1);
                int lineNumber = i + 1;
                int open = i + 1;
                while (open < lines.size() && lines.get(open).isBlank()) {
                    open++;
                }
                if (open >= lines.size() || !FENCE.matcher(lines.get(open)).matches()) {
                    throw new IllegalStateException("README line " + lineNumber + ": '" + what
                            + "' must be followed by a fenced code block");
                }
                int close = open + 1;
                while (close < lines.size() && !lines.get(close).startsWith("```")) {
                    close++;
                }
                if (close >= lines.size()) {
                    throw new IllegalStateException("README line " + (open + 1) + ": code block never closed");
                }
                String block = String.join("\n", lines.subList(open + 1, close)) + "\n";
                i = close;
                if (what.startsWith("file ")) {
                    String path = what.substring("file ".length()).trim();
                    if (path.startsWith("/") || path.contains("..")) {
                        throw new IllegalStateException("README line " + lineNumber + ": " + path
                                + " must be a path inside the project");
                    }
                    putOnce(files, path, block, lineNumber);
                } else if (what.equals("build")) {
                    if (build != null) {
                        throw new IllegalStateException("README line " + lineNumber + ": a second build block");
                    }
                    build = block;
                } else if (what.startsWith("run ")) {
                    putOnce(runs, what.substring("run ".length()).trim(), block, lineNumber);
                } else if (what.equals("output")) {
                    if (output != null) {
                        throw new IllegalStateException("README line " + lineNumber + ": a second output block");
                    }
                    output = block.lines().filter(line -> !line.isBlank()).collect(Collectors.toList());
                } else {
                    throw new IllegalStateException("README line " + lineNumber + ": unknown recipe marker '"
                            + what + "' (file PATH, build, run NAME or output)");
                }
            }
            List<String> missing = new ArrayList<>();
            if (!files.containsKey("pom.xml")) {
                missing.add("file pom.xml");
            }
            if (files.keySet().stream().noneMatch(path -> path.endsWith(".java"))) {
                missing.add("a file *.java");
            }
            if (build == null) {
                missing.add("build");
            }
            if (runs.isEmpty()) {
                missing.add("run NAME");
            }
            if (output == null) {
                missing.add("output");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("The README has no recipe block for: " + String.join(", ", missing));
            }
            return new Recipe(files, build, runs, output);
        }

        private static void putOnce(Map<String, String> blocks, String key, String block, int lineNumber) {
            if (blocks.putIfAbsent(key, block) != null) {
                throw new IllegalStateException("README line " + lineNumber + ": a second block for " + key);
            }
        }
    }

    /** A finished step: its exit code (null when it was killed at its deadline) and what it printed. */
    record Outcome(Integer exitCode, String stdout, String stderr, double seconds) {
        String describe() {
            return (exitCode == null ? "killed at its deadline" : "exit code " + exitCode)
                    + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr + "---";
        }
    }

    private final Map<String, String> options;
    private final Path work;
    private final Path project;
    private final Path repository;
    /** The build running this check is offline: so is the README's build. */
    private final boolean offline;
    private int passed;
    private final List<String> failures = new ArrayList<>();

    private ReadmeRecipeCheck(Map<String, String> options) {
        this.options = options;
        this.work = Path.of(option("work")).toAbsolutePath();
        this.project = work.resolve("hello-cluster");
        this.repository = Path.of(option("repository")).toAbsolutePath();
        this.offline = Boolean.parseBoolean(options.getOrDefault("offline", "false"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("arguments are --name=value; got " + arg);
            }
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        ReadmeRecipeCheck check = new ReadmeRecipeCheck(options);
        boolean ok = check.run();
        System.exit(ok ? 0 : 1);
    }

    private String option(String name) {
        String value = options.get(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("missing --" + name + "=...");
        }
        return value;
    }

    private boolean run() throws IOException, InterruptedException {
        Path readme = Path.of(option("readme"));
        Recipe recipe = Recipe.parse(Files.readAllLines(readme, StandardCharsets.UTF_8));
        System.out.println("README recipe: " + recipe.files().size() + " files, a build, "
                + recipe.runs().size() + " runs (" + String.join("; ", recipe.runs().keySet()) + ")");

        Matcher version = VERSION_PROPERTY.matcher(recipe.files().get("pom.xml"));
        String readmeVersion = version.find() ? version.group(1) : null;
        String builtVersion = option("jcluster-version");
        if (!builtVersion.equals(readmeVersion)) {
            fail("the README's pom.xml must set <jcluster.version>" + builtVersion
                    + "</jcluster.version>, the version this build installs; it has " + readmeVersion);
            return report();
        }

        writeProject(recipe);
        Path settings = writeSettings();

        Outcome build = step("build", recipe.build(), settings, BUILD_DEADLINE_SECONDS);
        if (build.exitCode() == null || build.exitCode() != 0) {
            fail("the README's build failed"
                    + (offline ? " (offline: a reader's build also reads POMs this build never needs, such as"
                            + " jnr-ffi's own choice of jffi, from Maven Central; run once online)" : "")
                    + ": " + build.describe());
            return report();
        }
        pass("build", build);

        List<String> expected = sorted(recipe.output());
        for (Map.Entry<String, String> run : recipe.runs().entrySet()) {
            String name = "run " + run.getKey();
            Outcome outcome = step(name, run.getValue(), settings, RUN_DEADLINE_SECONDS);
            List<String> leftovers = killLeftovers();
            List<String> problems = new ArrayList<>();
            if (outcome.exitCode() == null || outcome.exitCode() != 0) {
                problems.add(outcome.exitCode() == null ? "it did not end within " + RUN_DEADLINE_SECONDS + " s"
                        : "it exited with " + outcome.exitCode());
            }
            if (!outcome.stderr().isEmpty()) {
                problems.add("it printed on stderr");
            }
            List<String> printed = sorted(outcome.stdout().lines().filter(line -> !line.isBlank()).collect(Collectors.toList()));
            if (!printed.equals(expected)) {
                problems.add("its output is not the README's (in any order):\n  README: " + expected + "\n  run:    " + printed);
            }
            if (!leftovers.isEmpty()) {
                problems.add("processes outlived it (killed now):\n  " + String.join("\n  ", leftovers));
            }
            if (problems.isEmpty()) {
                pass(name, outcome);
            } else {
                fail(name + ": " + String.join("; ", problems) + "\n" + outcome.describe());
            }
        }
        return report();
    }

    private void writeProject(Recipe recipe) throws IOException {
        deleteTree(project);
        for (Map.Entry<String, String> file : recipe.files().entrySet()) {
            Path path = project.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Global settings (the reader's own settings.xml, if any, still applies on top) that add the
     * reader's usual local repository as a file repository, tried before Maven Central: the plugins and
     * libraries the outer build already fetched are copied from there instead of downloaded. Releases
     * only: jcluster's snapshots must come from this build's repository, never from an older install.
     */
    private Path writeSettings() throws IOException {
        String userRepository = Path.of(option("user-repository")).toAbsolutePath().toUri().toString();
        String xml = """
                <settings>
                  <profiles>
                    <profile>
                      <id>readers-local-repository</id>
                      <repositories>
                %1$s
                      </repositories>
                      <pluginRepositories>
                %2$s
                      </pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>readers-local-repository</activeProfile></activeProfiles>
                </settings>
                """.formatted(releasesOnly("repository", userRepository), releasesOnly("pluginRepository", userRepository));
        Path settings = work.resolve("settings.xml");
        Files.createDirectories(work);
        Files.writeString(settings, xml, StandardCharsets.UTF_8);
        return settings;
    }

    private static String releasesOnly(String element, String url) {
        return """
                        <%1$s>
                          <id>readers-local-repository</id>
                          <url>%2$s</url>
                          <releases><enabled>true</enabled></releases>
                          <snapshots><enabled>false</enabled></snapshots>
                        </%1$s>""".formatted(element, url);
    }

    /**
     * Runs README shell commands in the project with bash, as a reader's terminal would, with the JDK
     * and Maven of this build first on the PATH. {@code mvn} is a function that adds only where the
     * artifacts are (see the class comment) and batch-mode output.
     */
    private Outcome step(String name, String commands, Path settings, long deadlineSeconds)
            throws IOException, InterruptedException {
        String slug = name.replaceAll("[^A-Za-z0-9]+", "-");
        Path stdout = work.resolve(slug + ".out");
        Path stderr = work.resolve(slug + ".err");
        String script = "set -euo pipefail\n"
                + "mvn() { command mvn --batch-mode --no-transfer-progress" + (offline ? " --offline" : "")
                + " --global-settings '" + settings + "' -Dmaven.repo.local='" + repository + "' \"$@\"; }\n"
                + commands;
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script)
                .directory(project.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        Map<String, String> env = builder.environment();
        // A jcluster variable left in the environment would make the reader's primary take itself for
        // a worker; the JVM prints "Picked up ..." on stderr for these two.
        env.keySet().removeIf(key -> key.startsWith("JCLUSTER_"));
        env.remove("JAVA_TOOL_OPTIONS");
        env.remove("JDK_JAVA_OPTIONS");
        String javaHome = System.getProperty("java.home");
        env.put("JAVA_HOME", javaHome);
        env.put("PATH", Path.of(javaHome, "bin") + ":" + Path.of(option("maven-home"), "bin") + ":" + env.getOrDefault("PATH", ""));

        long start = System.nanoTime();
        Process process = builder.start();
        Integer exitCode = null;
        if (process.waitFor(deadlineSeconds, TimeUnit.SECONDS)) {
            exitCode = process.exitValue();
        } else {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Outcome(exitCode, Files.readString(stdout), Files.readString(stderr), seconds);
    }

    /**
     * Workers run in process groups of their own and, once their primary is gone, have no parent here:
     * they are found by the one thing every JVM of the reader's program has on its command line, the
     * path of this check's repository (in its module path or class path).
     */
    private List<String> killLeftovers() throws InterruptedException {
        String marker = repository.toString();
        long deadline = System.currentTimeMillis() + LEFTOVER_GRACE_MILLIS;
        List<ProcessHandle> alive = ours(marker);
        while (!alive.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            alive = ours(marker);
        }
        List<String> described = new ArrayList<>();
        for (ProcessHandle process : alive) {
            described.add(process.pid() + " " + process.info().commandLine().orElse("?"));
            // Its children need not carry the path (a shell's background job, say).
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        return described;
    }

    private static List<ProcessHandle> ours(String marker) {
        long self = ProcessHandle.current().pid();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(ProcessHandle::isAlive)
                    .filter(process -> process.pid() != self)
                    .filter(process -> process.info().commandLine().map(line -> line.contains(marker)).orElse(false))
                    .collect(Collectors.toList());
        }
    }

    private void pass(String name, Outcome outcome) {
        passed++;
        System.out.printf("README recipe: %s passed in %.1f s%n", name, outcome.seconds());
    }

    private void fail(String message) {
        failures.add(message);
        System.out.println("README recipe FAILED: " + message);
    }

    private boolean report() {
        System.out.println("recipe: " + passed + " passed, " + failures.size() + " failed");
        return failures.isEmpty();
    }

    private static List<String> sorted(List<String> lines) {
        return lines.stream().map(String::strip).sorted().collect(Collectors.toList());
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
