package org.jcluster.agent.internal;

import java.io.FileDescriptor;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ProtocolFamily;
import java.util.function.Function;

import net.bytebuddy.asm.Advice;

/**
 * Inlined at the start of {@code sun.nio.ch.Net.bind(ProtocolFamily, FileDescriptor, InetAddress, int)},
 * the one method every JDK bind of an IP socket goes through (ServerSocketChannel, ServerSocket,
 * AsynchronousServerSocketChannel, DatagramChannel, and client sockets that bind first). Returning true
 * skips the JDK's bind: the agent put a bound socket under the descriptor instead.
 *
 * <p>The inlined code runs inside java.base, so it names JDK types only and reaches the agent through
 * {@code org.jcluster.agent.BindBridge} on the system class path, by reflection.
 */
final class BindAdvice {
    private BindAdvice() {
    }

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    static boolean enter(@Advice.Argument(0) ProtocolFamily family, @Advice.Argument(1) FileDescriptor fd,
            @Advice.Argument(2) InetAddress address, @Advice.Argument(3) int port) throws Throwable {
        @SuppressWarnings("unchecked")
        Function<Object[], Object> hook = (Function<Object[], Object>) Class
                .forName("org.jcluster.agent.BindBridge", true, ClassLoader.getSystemClassLoader())
                .getField("hook").get(null);
        if (hook == null) {
            return false;
        }
        try {
            return hook.apply(new Object[] {"bind", family, fd, address, port}) == Boolean.TRUE;
        } catch (UncheckedIOException e) {
            throw e.getCause(); // the BindException the application's bind would have thrown
        }
    }
}
