package org.jcluster.agent.internal;

import java.util.function.Function;

import net.bytebuddy.asm.Advice;

/**
 * Inlined at the end of {@code sun.nio.ch.ServerSocketChannelImpl.accept()} and of
 * {@code UnixAsynchronousServerSocketChannelImpl.finishAccept}: tells the agent of each connection the
 * application accepted, so that a worker leaving gracefully can wait for them to close. JDK types only,
 * as in {@link BindAdvice}.
 */
final class AcceptedAdvice {
    private AcceptedAdvice() {
    }

    /** A failure of the agent's own must not lose a connection the program accepted: suppressed. */
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.This Object server, @Advice.Return Object connection) throws Throwable {
        if (connection == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        Function<Object[], Object> hook = (Function<Object[], Object>) Class
                .forName("org.jcluster.agent.BindBridge", true, ClassLoader.getSystemClassLoader())
                .getField("hook").get(null);
        if (hook != null) {
            hook.apply(new Object[] {"accepted", server, connection});
        }
    }
}
