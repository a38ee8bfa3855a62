package org.jcluster.agent.internal;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Native transports bind with their own system calls, which the agent's hook never sees: Netty's epoll
 * and io_uring transports. What can be noticed is that one is loaded; the worker then says what will
 * happen and what to do, once.
 */
final class NativeTransports implements ClassFileTransformer {
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private NativeTransports() {
    }

    /** Watches the classes the program loads (a plain transformer: it never changes one). */
    static void watch(Instrumentation instrumentation) {
        instrumentation.addTransformer(new NativeTransports(), false);
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String internalName, Class<?> redefined,
            ProtectionDomain domain, byte[] classFile) {
        if (loader != null && internalName != null && !WARNED.get()) {
            noticeLoaded(internalName);
        }
        return null;
    }

    /** Cheap for every name but the few below. */
    private static void noticeLoaded(String internalName) {
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
