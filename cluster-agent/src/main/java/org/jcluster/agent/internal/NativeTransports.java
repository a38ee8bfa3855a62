package org.jcluster.agent.internal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Native transports bind with their own system calls, which the agent's hook never sees: Netty's epoll
 * and io_uring transports. What can be noticed is that one is loaded; the worker then says what will
 * happen and what to do, once.
 */
final class NativeTransports {
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private NativeTransports() {
    }

    /** Called for every class the application loads; cheap for all but the few names below. */
    static void noticeLoaded(String internalName) {
        if ((internalName.equals("io/netty/channel/epoll/LinuxSocket")
                || internalName.startsWith("io/netty/incubator/channel/uring/IOUring")
                || internalName.startsWith("io/netty/channel/uring/IoUring"))
                && WARNED.compareAndSet(false, true)) {
            System.err.println("jcluster agent: this program uses a native Netty transport ("
                    + internalName.replace('/', '.') + "), whose binds jcluster cannot see: each worker binds by"
                    + " itself, and under --policy none the second gets EADDRINUSE. Use Netty's NIO transport, or run"
                    + " with --policy reuseport and set EpollChannelOption.SO_REUSEPORT on the server channel"
                    + " (docs/launcher.md, \"Native transports\").");
        }
    }
}
