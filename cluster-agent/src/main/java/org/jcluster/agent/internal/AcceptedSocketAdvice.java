package org.jcluster.agent.internal;

import java.util.function.Function;

import net.bytebuddy.asm.Advice;

/**
 * Inlined at the end of {@code java.net.ServerSocket.implAccept(Socket)}, through which every accept of a
 * {@code ServerSocket} (an SSL one too) fills the socket it returns: the {@code ServerSocket} counterpart
 * of {@link AcceptedAdvice}. JDK types only, as in {@link BindAdvice}.
 */
final class AcceptedSocketAdvice {
    private AcceptedSocketAdvice() {
    }

    /** A failure of the agent's own must not lose a connection the program accepted: suppressed. */
    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.This Object server, @Advice.Argument(0) Object connection,
            @Advice.Thrown Throwable thrown) throws Throwable {
        if (thrown != null) {
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
