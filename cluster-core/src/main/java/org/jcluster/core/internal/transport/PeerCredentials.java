package org.jcluster.core.internal.transport;

/** Who is at the other end of a Unix socket, as the kernel saw it connect (SO_PEERCRED): not forgeable by the peer. */
public record PeerCredentials(int pid, int uid, int gid) {
}
