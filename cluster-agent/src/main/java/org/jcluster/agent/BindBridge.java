package org.jcluster.agent;

import java.util.function.Function;

/**
 * Where the bind hook inlined into {@code sun.nio.ch.Net} finds the agent: a public static field of a
 * class on the system class path, read by reflection, because code inside java.base cannot link to a
 * class of the application's loader. JDK types only, so that the hook's code needs no bootstrap jar.
 */
public final class BindBridge {
    /**
     * Takes {@code {"bind", ProtocolFamily, FileDescriptor, InetAddress, Integer port}} before a bind
     * and answers {@code Boolean.TRUE} when the agent bound the socket itself (the JDK's bind is then
     * skipped); {@code {"bound", server}} after a server (a ServerSocketChannel, ServerSocket or
     * AsynchronousServerSocketChannel) bound, {@code {"bindFailed", server}} when its bind failed after
     * the agent's part, and {@code {"accepted", server, connection}} after it accepted, all answering null.
     * Null until the agent has started: binds are then left alone.
     */
    public static volatile Function<Object[], Object> hook;

    private BindBridge() {
    }
}
