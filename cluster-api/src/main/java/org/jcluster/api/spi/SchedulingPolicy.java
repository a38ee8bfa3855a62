package org.jcluster.api.spi;

/**
 * How a shared stream server's connections reach workers.
 *
 * <p>A policy either lets every worker accept on the shared listening socket ({@link #primaryAccepts()}
 * false: the operating system picks), or has the primary accept and hand each connection to a worker of
 * its choosing through a {@link ConnectionDispatcher}, one per shared server.
 */
public interface SchedulingPolicy {
    /** The provider name, e.g. "rr". */
    String name();

    /**
     * True when the primary accepts connections and hands them out through {@link #newDispatcher};
     * false when each worker accepts on the shared listening socket.
     */
    boolean primaryAccepts();

    /**
     * A dispatcher for one shared server, made when its first worker listens and closed with it. Called
     * only when {@link #primaryAccepts()}.
     */
    default ConnectionDispatcher newDispatcher(DispatchContext context) {
        throw new UnsupportedOperationException("scheduling policy " + name() + " does not dispatch connections");
    }
}
