package org.jcluster.core.internal.transport;

import java.io.Closeable;
import java.io.IOException;

/**
 * Waits for another process to end, through a pidfd (Linux 5.3+): a descriptor that polls readable once
 * its process has ended, whoever its parent is (a worker cannot waitpid its primary).
 */
public final class ProcessWatch implements Closeable {
    private final Descriptor pidfd;
    private final long pid;

    private ProcessWatch(Descriptor pidfd, long pid) {
        this.pidfd = pidfd;
        this.pid = pid;
    }

    /**
     * @throws IOException the kernel has no pidfds (before 5.3), or no such process: the message names the errno
     */
    public static ProcessWatch of(long pid) throws IOException {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IOException("cannot watch process " + pid + ": not a process id");
        }
        int fd = Syscalls.pidfdOpen((int) pid);
        if (fd < 0) {
            throw new IOException("cannot watch process " + pid + ": pidfd_open failed: " + Syscalls.describe(-fd));
        }
        return new ProcessWatch(Descriptor.own(fd), pid);
    }

    /**
     * Whether the process ended within {@code timeoutMillis}; true also when the wait itself failed (no
     * one can tell then, and a watcher had better act as if it ended than watch forever). Callers wait in short slices, not one endless
     * one: at exit HotSpot waits up to 300 ms for threads still in native code, which a thread blocked in
     * poll is; one that comes back every few tens of milliseconds is not counted.
     */
    public boolean awaitExit(int timeoutMillis) {
        return Syscalls.awaitReadable(pidfd.number(), timeoutMillis) != 0; // an error ends the wait too
    }

    @Override
    public void close() {
        pidfd.close();
    }

    @Override
    public String toString() {
        return "watch of process " + pid;
    }
}
