package org.jcluster.core.internal.primary;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jcluster.api.ClusterSettings;

/** Builds a worker JVM's command line from resolved settings. */
final class WorkerCommand {
    private static final Pattern JDWP = Pattern.compile("^(-agentlib:jdwp=|-Xrunjdwp:)(.*)$");
    private static final Pattern ADDRESS = Pattern.compile("(^|,)address=((?:[^,:]*:)?)(\\d+)(?=,|$)");
    private static final Pattern RECORDING = Pattern.compile("^(-XX:StartFlightRecording[:=])(.*)$");
    private static final Pattern RECORDING_FILE = Pattern.compile("(^|,)filename=([^,]*)\\.jfr(?=,|$)");

    private WorkerCommand() {
    }

    static List<String> build(ClusterSettings settings, int workerId) {
        String exec = settings.exec().orElseThrow(() -> new IllegalStateException(
                "No program for the worker: the primary's main class could not be found from its command line."
                        + " Set it with ClusterSettings.builder().exec(\"com.example.Main\") in setupPrimary()."));
        boolean jarMode = exec.endsWith(".jar");
        boolean moduleMode = !jarMode && exec.contains("/");
        List<String> command = new ArrayList<>();
        command.add(settings.javaCommand().orElseThrow());
        List<String> flags = settings.execArgv().orElse(List.of());
        OptionalInt debugBase = settings.debugPort();
        for (String flag : flags) {
            command.add(recordingPerWorker(renumberDebugPort(flag, workerId, debugBase), workerId));
        }
        // What the framework itself needs in a worker; the user never has to add these.
        addOnce(command, "--add-opens=java.base/sun.nio.ch=" + (moduleMode ? "jcluster.core" : "ALL-UNNAMED"));
        addOnce(command, "--enable-native-access=" + (moduleMode ? "org.jnrproject.jffi" : "ALL-UNNAMED"));
        if (jarMode) {
            command.add("-jar"); // the jar's manifest names the main class and the class path
        } else {
            settings.modulePath().filter(p -> !p.isEmpty()).ifPresent(p -> {
                command.add("--module-path");
                command.add(p);
            });
            settings.classPath().filter(p -> !p.isEmpty()).ifPresent(p -> {
                command.add("-cp");
                command.add(p);
            });
            if (moduleMode) {
                command.add("-m");
            }
        }
        command.add(exec);
        command.addAll(settings.args().orElse(List.of()));
        return command;
    }

    private static void addOnce(List<String> command, String flag) {
        if (!command.contains(flag)) {
            command.add(flag);
        }
    }

    /**
     * Worker n records to {@code name-worker-n.jfr} when the flight recording it inherits names a file
     * ({@code filename=name.jfr}): every JVM would otherwise write the same file, the last to exit winning.
     * A name with {@code %p} (the pid) or a directory is left as it is: each JVM's file is its own already.
     */
    static String recordingPerWorker(String flag, int workerId) {
        Matcher recording = RECORDING.matcher(flag);
        if (!recording.matches()) {
            return flag;
        }
        Matcher file = RECORDING_FILE.matcher(recording.group(2));
        if (!file.find() || file.group(2).contains("%p")) {
            return flag;
        }
        String options = file.replaceFirst("$1filename=" + Matcher.quoteReplacement(file.group(2)) + "-worker-" + workerId
                + ".jfr");
        return recording.group(1) + options;
    }

    /**
     * Worker n's JDWP agent listens on {@code base + n - 1}, base being the debugPort setting or the
     * primary's own port plus one, so that each worker can be debugged (Node's inspectPort).
     */
    static String renumberDebugPort(String flag, int workerId, OptionalInt debugBase) {
        Matcher jdwp = JDWP.matcher(flag);
        if (!jdwp.matches()) {
            return flag;
        }
        Matcher address = ADDRESS.matcher(jdwp.group(2));
        if (!address.find()) {
            return flag;
        }
        int base = debugBase.orElse(Integer.parseInt(address.group(3)) + 1);
        int port = base + workerId - 1;
        String options = address.replaceFirst("$1address=" + Matcher.quoteReplacement(address.group(2)) + port);
        return jdwp.group(1) + options;
    }
}
