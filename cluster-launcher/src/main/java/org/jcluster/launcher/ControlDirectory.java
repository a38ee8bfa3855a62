package org.jcluster.launcher;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where running clusters' control sockets live: {@code $XDG_RUNTIME_DIR/jcluster}, else
 * {@code $TMPDIR/jcluster-USER}, a directory only its owner may enter (0700), holding one
 * {@code NAME.sock} (0600) per running cluster. A directory that is not this user's, or that others may
 * enter, is refused rather than used.
 */
final class ControlDirectory {
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String SUFFIX = ".sock";

    private final Path directory;

    private ControlDirectory(Path directory) {
        this.directory = directory;
    }

    static ControlDirectory forThisUser() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        Path directory = runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime))
                ? Path.of(runtime, "jcluster")
                : Path.of(System.getProperty("java.io.tmpdir"), "jcluster-" + System.getProperty("user.name"));
        return new ControlDirectory(directory);
    }

    Path path() {
        return directory;
    }

    /** The socket of the cluster named {@code name}. */
    Path socket(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("--name " + name + ": use letters, digits, '.', '_' or '-' (up to 64,"
                    + " starting with a letter or digit)");
        }
        return directory.resolve(name + SUFFIX);
    }

    /** Creates the directory if needed (0700) and checks it is this user's alone. */
    void create() throws IOException {
        try {
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException exists) {
            // checked below, like one made now
        }
        check();
    }

    /** Refuses a directory another user owns or may enter: its sockets could be someone else's. */
    void check() throws IOException {
        UserPrincipal owner = Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS);
        UserPrincipal me = thisProcessUser();
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS);
        if (!owner.equals(me) || !permissions.equals(OWNER_ONLY) || Files.isSymbolicLink(directory)) {
            throw new IOException("the control directory " + directory + " is owned by " + owner.getName() + " with mode "
                    + PosixFilePermissions.toString(permissions) + "; it must be yours alone (rwx------): remove it, or"
                    + " set XDG_RUNTIME_DIR to a private directory");
        }
    }

    /** This process's user, from /proc: right also under a uid with no name (user.name "?" in containers). */
    static UserPrincipal thisProcessUser() throws IOException {
        return Files.getOwner(Path.of("/proc/self"));
    }

    /** Removes the directory if no cluster uses it any more (rmdir fails on a non-empty one: that is fine). */
    void removeIfEmpty() {
        try {
            Files.delete(directory);
        } catch (IOException inUseOrGone) {
            // another cluster's socket is in it, or it is gone already
        }
    }

    /** The names of the clusters with a socket here. */
    List<String> names() throws IOException {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return names;
        }
        try (Stream<Path> files = Files.list(directory)) {
            files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(SUFFIX)).sorted()
                    .forEach(f -> names.add(f.substring(0, f.length() - SUFFIX.length())));
        }
        return names;
    }
}
