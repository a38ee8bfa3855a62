/**
 * The servers a process runs. In a worker, its part of a server the primary holds, asked for through
 * {@link org.jcluster.core.internal.servers.WorkerServers} over the worker's
 * {@link org.jcluster.core.internal.servers.PrimaryLink}: a {@code SharedServer} under "none" (a copy of
 * the primary's listening socket, accepted on here), a {@code HandOffServer} under round-robin (the
 * primary accepts and hands each connection over), a {@code SharedDatagram} for UDP. Outside a cluster,
 * or in the primary itself, servers of its own: {@code LocalServer}, {@code LocalDatagram}.
 *
 * <p>The primary's side of sharing (one handle per distinct address, dealt to the workers) is
 * {@link org.jcluster.core.internal.primary.SharedHandles}.
 */
package org.jcluster.core.internal.servers;
