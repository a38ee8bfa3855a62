package org.jcluster.api.spi;

/**
 * How a shared TCP server's connections reach workers.
 *
 * <p>A policy either lets every worker accept on the shared listening socket (the operating system
 * picks), or has the primary accept and hand each connection to a worker of its choosing.
 */
public interface SchedulingPolicy {
    /** The provider name, e.g. "rr". */
    String name();

    /**
     * True when the primary accepts connections and hands them out (round-robin and its kind); false
     * when each worker accepts on the shared listening socket.
     */
    boolean primaryAccepts();
}
