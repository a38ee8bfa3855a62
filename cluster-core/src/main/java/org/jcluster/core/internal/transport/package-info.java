/**
 * The transport: everything that touches a file descriptor or a syscall, behind a small face.
 *
 * <h2>The face (the public classes; everything else here is package-private)</h2>
 * <ul>
 * <li>{@link IpcChannel} sends and receives frames {@code (kind, bytes, optional Descriptor)};
 *     {@link IpcServer} is the primary's socket that workers connect to; {@link FrameHandler},
 *     {@link WriteCallback}, {@link ChannelConfig}, {@link PeerCredentials}, {@link IpcProtocolException}.</li>
 * <li>{@link Descriptor}: an owned descriptor. It is closed exactly once, whichever path it takes (sent in
 *     a frame, turned into a JDK channel, closed by its holder); {@code toChannel} is the one way to a JDK
 *     channel, and {@code duplicate} makes a copy to send while keeping one's own.</li>
 * <li>{@link NativeSockets}: the primary's listening sockets and its accepts, as Descriptors;
 *     {@link Posix}: signals, the uid, the process group; {@link ProcessWatch}: waiting for another process
 *     to end (a pidfd).</li>
 * </ul>
 * Nothing above this package holds an {@code int} descriptor or calls a syscall but through these
 * classes (signals and the uid through {@link Posix}, a pidfd through {@link ProcessWatch}). One package, not a module
 * of its own: the compiler keeps the internals private just as well, and a module would add a jar to every
 * worker's module path (module resolution is a measured part of a worker's start, docs/worker-startup.md)
 * and a second target for {@code --add-opens java.base/sun.nio.ch}.
 *
 * <h2>The native calls</h2>
 * {@link Libc} is the one jffi binding table (every symbol and call shape); {@link Syscalls} (sendmsg,
 * recvmsg, poll, dup, pidfd_open, kill...) and {@link MessageHeader} are the calls jnr-posix lacks or
 * makes allocate; {@link NativeSockets}
 * binds and accepts with no JVM flag (the user starts the primary's JVM); {@link Posix} holds the jnr-posix
 * instance and the signal table. {@link JdkChannels} is the one place jcluster touches the JDK's private
 * {@code sun.nio.ch} classes, to make a passed descriptor a real JDK channel and back; it needs
 * {@code --add-opens java.base/sun.nio.ch=jcluster.core}, which workers get from jcluster.
 *
 * <p>Why not a jnr-ffi interface binding: jnr-ffi defines the implementing class in a fresh class loader,
 * whose unnamed module cannot access an interface in a package this module does not export
 * ("superinterface check failed"). Raw jffi calls need no generated class, and cost no allocation per call.
 * Linux LP64 only, like SO_PEERCRED and MSG_CMSG_CLOEXEC.
 *
 * <h2>The IPC channel</h2>
 * Between the primary and each worker: frames over a Unix-domain stream socket, with descriptors passed
 * alongside (SCM_RIGHTS). Inside the channel a descriptor is a plain {@code int} again (the queue, the
 * sendmsg that carries it, the reader's queue of received ones): a {@link Descriptor} is spent by
 * {@code send} and made afresh for the handler, so the hot path keeps its shape.
 *
 * <h2>Wire format</h2>
 * One frame is {@code [int32 big-endian N][byte header][N-1 payload bytes]}. The header's low 7 bits are
 * the kind (its meaning belongs to the caller); bit 0x80 says a descriptor travels with this frame. The
 * sender attaches the descriptor to the sendmsg whose first byte is the frame's first byte, and the
 * kernel hands it to the recvmsg that reads that byte, so by the time the reader parses a header with
 * 0x80 the descriptor is in its queue: frames claim queued descriptors in order. N &lt; 1 or N - 1 above
 * {@link ChannelConfig#maxFrameBytes()} is a protocol error that closes the
 * channel with an {@link IpcProtocolException}.
 *
 * <h2>Threads of an {@link IpcChannel}</h2>
 * <ul>
 * <li><b>The reader</b> ("jcluster-ipc-reader-&lt;label&gt;", daemon, started by {@code start}) owns the
 *     read buffer, the queue of received descriptors and a partly gathered large frame. It alone calls the
 *     {@link FrameHandler}, so frames arrive in order and onClose comes
 *     after the last onFrame. It always uses recvmsg with a control buffer and MSG_CMSG_CLOEXEC: read(2)
 *     would silently drop passed descriptors, and a descriptor must not leak into a forked child.</li>
 * <li><b>The writer role</b> is held by at most one thread at a time: whoever wins the CAS on
 *     {@code writing}. The holder alone consumes the JCTools MPSC queue and owns the write buffer, the
 *     frame being copied, the frames copied but not yet fully sent and the descriptor to attach. Taking
 *     the role (a CAS) and releasing it (a volatile write) publish that state from one holder to the
 *     next, so those fields are plain. The usual holder is the thread calling {@code send}: with one
 *     message in flight it writes its own frame with a non-blocking sendmsg (MSG_DONTWAIT), with no
 *     thread hand-off, coalescing whatever else is queued into the same call.</li>
 * <li><b>The writer thread</b> ("jcluster-ipc-writer-&lt;label&gt;", daemon, created on first need) takes
 *     the role over when a sending thread meets a full socket (EAGAIN) or has written its budget for
 *     others (so send() stays short); the role and an fd reference travel with the hand-off (the
 *     {@code handedOff} flag, set by the giver and taken by CAS). It waits with poll(POLLOUT) and goes on.
 *     It ends after the channel closes.</li>
 * </ul>
 *
 * <h2>Why the races are harmless</h2>
 * <ul>
 * <li><b>Lost wake-up.</b> A producer offers, then tries the CAS; the holder releases the role, then looks
 *     at the queue again (and retries the CAS if it is not empty). Both sides write, then read, volatile
 *     state, so at least one of them sees the other: a frame is never left in the queue with nobody
 *     writing. The holder releases the role only once its own state is empty (all written or failed).</li>
 * <li><b>Close versus writing.</b> close() records the reason with a CAS (the first reason wins and is
 *     what onClose reports), then shuts the socket down and tries to take the role to fail the queue. If
 *     someone holds the role, that holder checks the reason on every round and fails everything itself;
 *     a send() racing close either sees the channel closed, or queues and then meets the role taken by
 *     itself or by a holder that fails the frame: every callback is called exactly once.</li>
 * <li><b>Hand-off versus the writer thread ending.</b> The writer thread exits only when it has read
 *     "closed" and then found no hand-off; a giver sets the hand-off flag and then checks "closed", and if
 *     set takes the hand-off back by CAS. Exactly one of the two runs it.</li>
 * <li><b>The channel's own socket, and number reuse.</b> The socket fd is reference counted ({@code fdUsers}: the channel itself,
 *     the running reader, the writer-role holder); close() only drops the channel's own reference, after
 *     shutdown(2), and the last user closes the fd. So no thread can ever call recvmsg, sendmsg or poll on
 *     a number the process has since reused for something else. shutdown(2), not close(2), is what wakes
 *     a thread blocked in recvmsg or poll on Linux.</li>
 * <li><b>Markers.</b> flush() and closeAfterFlush() queue a marker that the writer reaches after copying
 *     everything queued before it; it acts once the bytes before it are sent. A frame queued concurrently
 *     may land either side of it: it is then written, or failed with ClosedChannelException.</li>
 * <li><b>A failed write ends the writing side only.</b> When sendmsg fails (EPIPE: the peer left) while
 *     the reader runs, queued frames fail and send() refuses new ones, but the channel stays readable:
 *     what the peer wrote before leaving is still in our socket buffer, and the reader delivers it
 *     before end-of-stream closes the channel. A worker's last message survives the primary's
 *     concurrent write to it.</li>
 * <li><b>Backlog.</b> The backlog counter is added to before offering and subtracted when a frame is
 *     sent or failed, so it may briefly count a frame another thread has already written: send()'s
 *     answer is advice for flow control, not an exact figure.</li>
 * </ul>
 *
 * <h2>Callbacks</h2>
 * {@link WriteCallback}s run with the writer role held, on whichever thread
 * wrote: keep them cheap, never block, and never call flush() from one. Calling send() or close() from one
 * is fine (the frame joins the current writing; close fails the rest).
 */
package org.jcluster.core.internal.transport;
