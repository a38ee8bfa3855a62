package org.jcluster.core.internal.transport;

import static org.jcluster.core.internal.transport.Libc.*;

import com.kenai.jffi.MemoryIO;
import jnr.constants.platform.Errno;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The handful of libc socket calls the IPC transport needs and that jnr-posix lacks (poll, shutdown)
 * or offers only with per-call allocation (sendmsg and recvmsg through {@code MsgHdr} allocate
 * finalizable native memory on every call).
 *
 * <p>Calls go straight through jffi's {@link Invoker}: no generated classes, so nothing has to be
 * exported to jnr-ffi's class loader (jnr-ffi's generated binding classes live in an unnamed module and
 * cannot implement an interface from a non-exported package of a named module), and no allocation per
 * call. Every method returns the call's result, or {@code -errno} when it failed.
 *
 * <p>Linux, 64-bit only: the constants and the struct layouts in {@link MessageHeader} are Linux LP64's.
 */
final class Syscalls {
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;

    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;

    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;

    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EPIPE = 32;
    public static final int ECONNRESET = 104;

    /** Linux's syscall number for pidfd_open on x86_64 and aarch64 alike (5.3+); glibc before 2.36 has no wrapper. */
    private static final long SYS_PIDFD_OPEN = 434;
    private static final int F_DUPFD_CLOEXEC = 1030;

    private Syscalls() {
    }

    /** sendmsg(2): bytes sent, or -errno. */
    public static long sendmsg(int fd, long msghdr, int flags) {
        long r = INVOKER.invokeN3(SSIZE_OF_INT_PTR_INT, SENDMSG, fd, msghdr, flags);
        return r < 0 ? -errno() : r;
    }

    /** recvmsg(2): bytes received (0 at end of stream), or -errno. */
    public static long recvmsg(int fd, long msghdr, int flags) {
        long r = INVOKER.invokeN3(SSIZE_OF_INT_PTR_INT, RECVMSG, fd, msghdr, flags);
        return r < 0 ? -errno() : r;
    }

    /** poll(2) on an array of {@code struct pollfd}: number of ready descriptors, 0 on timeout, or -errno. */
    public static int poll(long pollfds, int count, int timeoutMillis) {
        int r = (int) INVOKER.invokeN3(INT_OF_PTR_INT_INT, POLL, pollfds, count, timeoutMillis);
        return r < 0 ? -errno() : r;
    }

    /** shutdown(2): 0, or -errno. */
    public static int shutdown(int fd, int how) {
        int r = INVOKER.invokeI2(INT_OF_INT_INT, SHUTDOWN, fd, how);
        return r < 0 ? -errno() : r;
    }

    /** close(2): 0, or -errno. */
    public static int close(int fd) {
        int r = INVOKER.invokeI1(INT_OF_INT, CLOSE, fd);
        return r < 0 ? -errno() : r;
    }

    /**
     * setpgid(2): 0, or -errno. Here rather than through jnr-posix because a worker needs nothing else
     * of jnr-posix at start-up, and binding jnr-posix's libc costs most of a second of code generation.
     */
    public static int setpgid(int pid, int pgid) {
        int r = INVOKER.invokeI2(INT_OF_INT_INT, SETPGID, pid, pgid);
        return r < 0 ? -errno() : r;
    }

    /**
     * kill(2): 0, or -errno. Through jffi for the same reason as {@link #setpgid}; a primary's first
     * kill() through jnr-posix took 90-230 ms.
     */
    public static int kill(int pid, int signal) {
        int r = INVOKER.invokeI2(INT_OF_INT_INT, KILL, pid, signal);
        return r < 0 ? -errno() : r;
    }

    /** pidfd_open(2): a descriptor that polls readable once process {@code pid} has ended; or -errno. */
    public static int pidfdOpen(int pid) {
        long r = INVOKER.invokeN3(LONG_OF_LONG_INT_INT, SYSCALL, SYS_PIDFD_OPEN, pid, 0);
        return r < 0 ? -errno() : (int) r;
    }

    /**
     * Blocks until {@code fd} polls readable (or in error), what a pidfd does when its process ends, or
     * until {@code timeoutMillis} passed: 1 when readable, 0 on time-out, or -errno.
     */
    public static int awaitReadable(int fd, int timeoutMillis) {
        ByteBuffer pollFd = allocateStruct(8);
        pollFd.putInt(0, fd).putShort(4, POLLIN);
        for (;;) {
            int r = poll(address(pollFd), 1, timeoutMillis);
            if (r != -EINTR) {
                return r;
            }
        }
    }

    /** getuid(2), which cannot fail. Through jffi for the same reason as {@link #setpgid}. */
    public static int getuid() {
        return INVOKER.invokeI0(INT_OF_NOTHING, GETUID);
    }

    /**
     * A new descriptor for the same open socket, close-on-exec (fcntl F_DUPFD_CLOEXEC): or -errno. Used to
     * send a socket while keeping one's own copy (the channel layer closes what it sends).
     */
    public static int dupCloexec(int fd) {
        return fcntl(fd, F_DUPFD_CLOEXEC, 0);
    }

    /**
     * fcntl(2) with an int argument: the result, or -errno. fcntl is variadic; x86-64 passes int arguments
     * as for a fixed signature.
     */
    static int fcntl(int fd, int command, int argument) {
        int r = INVOKER.invokeI3(INT_OF_INT_INT_INT, FCNTL, fd, command, argument);
        return r < 0 ? -errno() : r;
    }

    /** Address of a direct buffer's first byte (not of its position). */
    public static long address(Buffer directBuffer) {
        if (!directBuffer.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer: " + directBuffer);
        }
        return MemoryIO.getInstance().getDirectBufferAddress(directBuffer);
    }

    /** A zeroed, 8-byte-aligned, native-order direct buffer, for structs handed to the kernel. */
    public static ByteBuffer allocateStruct(int bytes) {
        return ByteBuffer.allocateDirect(bytes + 8).alignedSlice(8).order(ByteOrder.nativeOrder());
    }

    /** "EPIPE (Broken pipe)" for 32: an errno as a person reads it. */
    public static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        if (e == null || !e.defined()) {
            return "errno " + errno;
        }
        return e.name() + " (" + e.description() + ")";
    }

    /** "EPIPE" for 32 ("E32" for an errno the platform table lacks): the code an error carries. */
    public static String errnoName(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == null || !e.defined() ? "E" + errno : e.name();
    }
}
