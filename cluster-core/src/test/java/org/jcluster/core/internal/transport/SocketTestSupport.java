package org.jcluster.core.internal.transport;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Library;
import com.kenai.jffi.Type;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/** Helpers shared by the native socket tests. */
final class SocketTestSupport {
    private static final long SYS_SETRESUID = 117; // x86-64
    private static final int NOBODY = 65534;

    private SocketTestSupport() {
    }

    /** How many descriptors this process has open. */
    static int openFds() {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return (int) entries.count() - 1; // the directory stream's own descriptor
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isOpen(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** Whether this machine can listen on and connect over IPv6 loopback. */
    static boolean hasIpv6() {
        try {
            NativeSockets.BoundSocket s = NativeSockets.listenTcp("::1", 0, 1, true);
            s.socket().close();
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static SocketChannel connect(String host, int port) throws IOException {
        return SocketChannel.open(new InetSocketAddress(InetAddress.getByName(host), port));
    }

    /**
     * Whether a thread is blocked in accept4 on {@code fd}: /proc/self/task/N/syscall reads
     * "288 0x&lt;fd&gt; ..." for a task sleeping in that call (x86-64 numbering), "running" otherwise.
     */
    static boolean someThreadBlockedInAccept(int fd) {
        String prefix = "288 0x" + Integer.toHexString(fd) + " ";
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("syscall")).startsWith(prefix)) {
                        return true;
                    }
                } catch (IOException ignored) {
                    // the task ended meanwhile
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean canReadSyscalls() {
        return Files.isReadable(Path.of("/proc/self/syscall"));
    }

    /**
     * Runs {@code body} on a fresh thread whose effective uid alone is "nobody" (the raw setresuid
     * syscall changes the calling thread only, and the saved uid 0 lets it back), so a root test JVM can
     * see what an unprivileged user gets. Answers null when the credentials cannot be changed.
     */
    static <T> T asUnprivilegedThread(Callable<T> body) throws Exception {
        CallContext ctx = CallContext.getCallContext(Type.SLONG, new Type[]{Type.SLONG, Type.SLONG, Type.SLONG, Type.SLONG},
                CallingConvention.DEFAULT, true);
        long syscall = Library.getDefault().getSymbolAddress("syscall");
        Invoker invoker = Invoker.getInstance();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(() -> {
            if (invoker.invokeN4(ctx, syscall, SYS_SETRESUID, -1L, NOBODY, -1L) != 0) {
                return;
            }
            try {
                result.set(new Object[]{body.call()});
            } catch (Exception e) {
                result.set(e);
            } finally {
                invoker.invokeN4(ctx, syscall, SYS_SETRESUID, -1L, 0L, -1L);
            }
        }, "unprivileged");
        t.start();
        t.join(30_000);
        Object r = result.get();
        if (r instanceof Exception e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        T value = r == null ? null : (T) ((Object[]) r)[0];
        return value;
    }
}
