package org.jcluster.agent.internal;

import java.util.function.Function;

import net.bytebuddy.asm.Advice;

/**
 * Inlined at the end of {@code bind(SocketAddress, int)} of {@code ServerSocketChannelImpl},
 * {@code java.net.ServerSocket} and {@code AsynchronousServerSocketChannelImpl}: tells the agent which
 * application server the socket of the bind it just handled belongs to, so that a graceful disconnect
 * can close it (the application then takes no more connections from the shared queue). JDK types only,
 * as in {@link BindAdvice}.
 */
final class BoundAdvice {
    private BoundAdvice() {
    }

    /**
     * A failure of the agent's own must not fail a bind that succeeded: suppressed. A bind that failed
     * after the agent's part (the JDK's listen) is reported too, so that the agent leaves its share.
     */
    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.This Object channel, @Advice.Thrown Throwable thrown) throws Throwable {
        @SuppressWarnings("unchecked")
        Function<Object[], Object> hook = (Function<Object[], Object>) Class
                .forName("org.jcluster.agent.BindBridge", true, ClassLoader.getSystemClassLoader())
                .getField("hook").get(null);
        if (hook != null) {
            hook.apply(new Object[] {thrown == null ? "bound" : "bindFailed", channel});
        }
    }
}
