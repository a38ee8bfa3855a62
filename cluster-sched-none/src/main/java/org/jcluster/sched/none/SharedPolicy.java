package org.jcluster.sched.none;

import org.jcluster.api.spi.SchedulingPolicy;

/**
 * Operating-system scheduling (Node's {@code SCHED_NONE}): the primary does not accept connections.
 * It binds the shared listening socket once, for the first worker that listens, and passes that
 * socket to every worker that makes the same listen call (a file descriptor over the IPC channel,
 * arriving as a real {@link java.nio.channels.ServerSocketChannel}). Each worker then accepts on its
 * copy of the socket itself, and the kernel decides which worker's accept gets each connection.
 *
 * <p>Workers accept on blocking threads, one blocking {@code accept()} per worker server: the kernel
 * wakes one waiting accepter per connection, which spreads connections evenly (measured here: about
 * 1000 each of 4000 over 4 workers). Accepting through a {@link java.nio.channels.Selector} instead
 * wakes every worker's selector and lets the fastest win, which is not balanced (e.g. 1959/655/537/849),
 * which is why the worker side of this policy accepts on blocking threads.
 *
 * <p>The primary is not on the connection path at all, so this policy has no
 * {@link org.jcluster.api.spi.ConnectionDispatcher}: {@link #primaryAccepts()} is false and
 * {@link #newDispatcher} keeps the SPI's default, which throws {@link UnsupportedOperationException}.
 * Datagram (UDP) sockets are shared this way under every policy.
 */
final class SharedPolicy implements SchedulingPolicy {
    @Override
    public String name() {
        return SharedPolicyProvider.NAME;
    }

    @Override
    public boolean primaryAccepts() {
        return false;
    }
}
