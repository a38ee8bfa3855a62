package org.jcluster.core.internal.transport;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/**
 * Removes the IPC directories that primaries which died without cleaning up (SIGKILL, a crash) left
 * beside a new one. A directory is stale when this user owns it, no process listens on its socket, and
 * either the pid in its name is gone or (a name without a pid, from before pids were in names) it has
 * not changed for a minute. Best effort: whatever cannot be read or deleted is left, and said at DEBUG.
 */
final class StaleDirectories {
    private static final System.Logger LOG = System.getLogger("org.jcluster");
    /** "jcluster-&lt;pid&gt;-&lt;random&gt;", or "jcluster-&lt;random&gt;" from earlier versions. */
    private static final Pattern WITH_PID = Pattern.compile("jcluster-(\\d+)-\\d+");
    private static final Duration UNCHANGED_FOR = Duration.ofMinutes(1);

    private StaleDirectories() {
    }

    static void removeIn(Path base, Path own) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base, IpcServer.DIRECTORY_PREFIX + "*")) {
            Set<String> listening = null;
            long uid = Posix.currentUid();
            for (Path directory : entries) {
                if (directory.equals(own) || !ownedDirectory(directory, uid)) {
                    continue;
                }
                if (listening == null) {
                    listening = listeningUnixSockets();
                }
                if (isStale(directory, listening)) {
                    IpcServer.deleteContents(directory);
                    IpcServer.deleteQuietly(directory.resolve(IpcServer.SOCKET_NAME));
                    IpcServer.deleteQuietly(directory);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "jcluster: cannot look for stale IPC directories in " + base + ": " + e);
        }
    }

    private static boolean ownedDirectory(Path path, long uid) throws IOException {
        return Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                && ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue() == uid;
    }

    private static boolean isStale(Path directory, Set<String> listening) throws IOException {
        if (listening.contains(directory.resolve(IpcServer.SOCKET_NAME).toString())) {
            return false;
        }
        Matcher m = WITH_PID.matcher(directory.getFileName().toString());
        if (m.matches()) {
            return ProcessHandle.of(Long.parseLong(m.group(1))).map(p -> !p.isAlive()).orElse(true);
        }
        FileTime modified = Files.getLastModifiedTime(directory, LinkOption.NOFOLLOW_LINKS);
        return modified.toInstant().isBefore(Instant.now().minus(UNCHANGED_FOR));
    }

    /** The paths of the Unix sockets bound on this machine, from the kernel's own table. */
    private static Set<String> listeningUnixSockets() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/unix"));
        Set<String> paths = new HashSet<>();
        for (int i = 1; i < lines.size(); i++) { // the first line is the header
            String[] fields = lines.get(i).trim().split("\\s+");
            if (fields.length >= 8 && fields[7].startsWith("/")) {
                paths.add(fields[7]);
            }
        }
        return paths;
    }
}
