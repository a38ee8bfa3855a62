package org.jcluster.core.internal.transport;

import jnr.constants.platform.Errno;
import jnr.constants.platform.Signal;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The process-wide native jnr-posix instance, and signals by name.
 *
 * <p>Only jnr-posix's int-fd overloads may be used: the {@code FileDescriptor} ones reach into
 * java.io internals and need {@code --add-opens java.base/java.io}.
 */
public final class Posix {
    /** Shown when a name is not a signal: the ones people actually send. */
    private static final String COMMON_SIGNALS = "SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2";
    /** Aliases that lose to their usual name when a number is turned back into a name (as in Node). */
    private static final Set<String> ALIASES = Set.of("SIGIOT", "SIGCLD", "SIGPOLL", "SIGUNUSED");

    private Posix() {
    }

    private static final class Holder {
        // Created on first use: jnr-posix's class generation costs tens of milliseconds.
        static final POSIX INSTANCE = load();
    }

    private static final class Signals {
        static final Map<String, Integer> BY_NAME;
        static final Map<Integer, String> BY_NUMBER;

        static {
            Map<String, Integer> byName = new HashMap<>();
            Map<Integer, String> byNumber = new HashMap<>();
            for (Signal signal : Signal.values()) {
                String name = signal.name();
                if (!signal.defined() || !name.startsWith("SIG")) {
                    continue; // NSIG and __UNKNOWN_CONSTANT__ are not signals
                }
                byName.put(name, signal.intValue());
                if (!ALIASES.contains(name) || !byNumber.containsKey(signal.intValue())) {
                    byNumber.put(signal.intValue(), name);
                }
            }
            BY_NAME = Collections.unmodifiableMap(byName);
            BY_NUMBER = Collections.unmodifiableMap(byNumber);
        }
    }

    /** The native POSIX instance; fails (IllegalStateException) rather than fall back to jnr-posix's Java emulation. */
    static POSIX posix() {
        return Holder.INSTANCE;
    }

    private static POSIX load() {
        POSIX posix;
        try {
            posix = POSIXFactory.getNativePOSIX();
        } catch (Throwable e) {
            throw new IllegalStateException(notNative(e.toString()), e);
        }
        if (posix == null || !posix.isNative()) {
            throw new IllegalStateException(notNative("jnr-posix returned its Java emulation"));
        }
        return posix;
    }

    private static String notNative(String why) {
        // The Java emulation cannot pass descriptors or send signals, so carrying on would fail later and obscurely.
        return "jcluster needs jnr-posix's native implementation, which did not load (" + why + "). Check that"
                + " jnr-posix, jnr-ffi and jffi with its 'native' jar are on the path; on Java 22+ run with"
                + " --enable-native-access=org.jnrproject.jffi (ALL-UNNAMED on the class path).";
    }

    /** The real uid of this process (compared with a connecting peer's SO_PEERCRED uid). */
    public static int currentUid() {
        return Syscalls.getuid(); // not jnr-posix: the primary asks at its first worker's connection
    }

    /**
     * Makes this process the leader of a process group of its own (setpgid(0, 0)), so that a signal the
     * terminal sends to its foreground group (Ctrl-C) no longer reaches it. The process stays in the
     * session; if the terminal has {@code stty tostop}, writing to it from the background stops it.
     *
     * @return false if the call failed (e.g. EPERM for a session leader); nothing else changes then
     */
    public static boolean leaveProcessGroup() {
        // Through jffi directly: a worker calls this at start-up, and loading jnr-posix would cost it
        // most of a second. setpgid(0, 0) also succeeds for a process that already leads its group.
        return Syscalls.setpgid(0, 0) == 0;
    }

    /**
     * The number of a signal: "SIGTERM", "TERM" and "sigterm" all give 15.
     *
     * @throws IllegalArgumentException naming the bad name and listing common valid ones
     */
    public static int signalNumber(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("no signal name given; use one of " + COMMON_SIGNALS + ", ...");
        }
        String upper = name.trim().toUpperCase(Locale.ROOT);
        Integer number = Signals.BY_NAME.get(upper.startsWith("SIG") ? upper : "SIG" + upper);
        if (number == null) {
            throw new IllegalArgumentException("unknown signal '" + name + "'; use one of " + COMMON_SIGNALS
                    + ", ... (the SIG prefix is optional)");
        }
        return number;
    }

    /** The usual name of a signal number (SIGCHLD rather than SIGCLD for 17), if it is one. */
    public static Optional<String> signalName(int number) {
        return Optional.ofNullable(Signals.BY_NUMBER.get(number));
    }

    /**
     * Sends a signal to a process.
     *
     * @throws IllegalArgumentException when the name is not a signal (nothing is sent)
     * @throws UncheckedIOException when kill(2) fails, e.g. ESRCH: the process is gone; EPERM: not ours
     */
    public static void kill(long pid, String signalName) {
        int signal = signalNumber(signalName);
        if (!send(pid, signal)) {
            throw new UncheckedIOException(new IOException("kill(" + pid + ", " + signalName(signal).orElse(signalName)
                    + ") failed: " + Syscalls.describe(Errno.ESRCH.intValue())));
        }
    }

    /**
     * As {@link #kill}, but a process that is already gone (ESRCH) is not an error: answers false.
     * Meant for the race between a worker exiting and being told to stop.
     */
    public static boolean trySignal(long pid, String signalName) {
        return send(pid, signalNumber(signalName));
    }

    private static boolean send(long pid, int signal) {
        if (pid <= 0) {
            // kill(2) with 0 or a negative pid signals process groups, never what a caller of this meant.
            throw new IllegalArgumentException("pid must be positive, was " + pid);
        }
        if (pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pid " + pid + " is not a pid of this system");
        }
        int result = Syscalls.kill((int) pid, signal);
        if (result == 0) {
            return true;
        }
        int errno = -result;
        if (errno == Errno.ESRCH.intValue()) {
            return false;
        }
        throw new UncheckedIOException(new IOException("kill(" + pid + ", " + signalName(signal).orElse("signal " + signal)
                + ") failed: " + Syscalls.describe(errno)));
    }
}
