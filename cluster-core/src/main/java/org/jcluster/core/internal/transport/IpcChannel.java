package org.jcluster.core.internal.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

import jnr.unixsocket.Credentials;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;
import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

/**
 * One end of a connected Unix-domain stream socket that carries frames
 * {@code [int32 big-endian N][byte header][N-1 payload bytes]}, optionally with a file descriptor.
 *
 * <p>The threads and the state each one owns are described in the package documentation.
 */
public final class IpcChannel implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(IpcChannel.class.getName());

    /** Length field and header byte. */
    static final int FRAME_OVERHEAD = 5;
    static final int FD_FLAG = 0x80;
    static final int KIND_MASK = 0x7F;

    private static final int READ_BUFFER_BYTES = 64 * 1024;
    /** 64 KiB per sendmsg already amortises the syscall; the default socket buffer holds about 200 KiB. */
    private static final int WRITE_BUFFER_BYTES = 64 * 1024;
    /** One sendmsg carries at most one fd, but a foreign peer could send more at once: room for some. */
    private static final int MAX_FDS_PER_READ = 16;
    /** What a sending thread writes for others before it hands the rest to the writer thread (bounds send()). */
    private static final long SENDER_BUDGET_BYTES = 256 * 1024;
    private static final long HAND_OFF = -1;
    /** Only a safety net: shutdown(2) wakes the poll at once when the channel closes. */
    private static final int POLL_TIMEOUT_MILLIS = 1000;
    private static final byte[] EMPTY = new byte[0];

    /** Close reason of an orderly end; never shown to anyone (onClose gets null). */
    private static final Throwable ORDERLY = new Throwable("orderly close", null, false, false) {
        private static final long serialVersionUID = 1L;
    };
    /** Set in {@link #fdUsers} once the channel's own reference is dropped: no new users. */
    private static final int FD_RELEASED = 1 << 30;

    private final UnixSocketChannel socket;
    private final int fd;
    private final ChannelConfig config;
    private final PeerCredentials peer;
    private volatile String label;

    // ---- lifecycle, shared by all threads
    /** null while open; ORDERLY or the error once closed. The first CAS from null decides the reason. */
    private final AtomicReference<Throwable> closeReason = new AtomicReference<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    /**
     * Set when a write failed (the peer is gone: EPIPE) while the reader runs. Only the writing side
     * ends: what the peer wrote before it left is still in our socket buffer, and the reader delivers it
     * before it meets end-of-stream and closes the channel. (A worker's last message must survive the
     * primary's concurrent write to it.)
     */
    private final AtomicReference<Throwable> writeBroken = new AtomicReference<>();
    /** Users of the fd (the channel itself, the reader, the writer-role holder); the last one closes it. */
    private final AtomicInteger fdUsers = new AtomicInteger(1);
    private final AtomicBoolean started = new AtomicBoolean();
    /** The thread that reads; a new one when a listener on it must wait for the peer. */
    private volatile Thread readerThread;
    /** The reading state, handed from one reader thread to the next. */
    private volatile Reader reader;

    // ---- writing, shared
    private final MpscUnboundedVarHandleArrayQueue<Outgoing> queue = new MpscUnboundedVarHandleArrayQueue<>(1024);
    private final AtomicLong backlog = new AtomicLong();
    /** The writer role: whoever sets it owns the fields below until it clears it (or hands it off). */
    private final AtomicBoolean writing = new AtomicBoolean();
    /** The writer role (with an fd reference) has been passed to the writer thread. */
    private final AtomicBoolean handedOff = new AtomicBoolean();
    private final Object writerThreadLock = new Object();
    private volatile Thread writerThread;
    /** A data frame was failed rather than written: a flush that meets a closed channel answers this. */
    private volatile boolean dropped;

    // ---- writing, owned by the writer-role holder
    private final ByteBuffer out = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
    private final long outAddress = Syscalls.address(out);
    private int outStart;
    private int outEnd;
    private final MessageHeader outHeader = new MessageHeader(1);
    private final ByteBuffer pollFd = Syscalls.allocateStruct(8);
    private final long pollFdAddress = Syscalls.address(pollFd);
    /** Frame being copied into {@link #out}, with how many of its bytes (overhead included) are copied. */
    private Outgoing current;
    private int currentCopied;
    /** Frames (and markers) copied completely, waiting for their last byte to be sent. */
    private final ArrayDeque<Outgoing> copied = new ArrayDeque<>();
    private long bytesCopied;
    /** Written under the writer role, volatile for {@link #bytesSent()}'s readers: one store per sendmsg. */
    private volatile long bytesSent;
    /** Written by the reading thread, once per recvmsg. */
    private volatile long bytesReceived;
    /** An fd to attach to the next sendmsg, whose first byte is its frame's first byte. */
    private int fdToAttach = -1;
    /** closeAfterFlush's marker was taken: nothing behind it may be copied, or it would be sent (or half sent). */
    private boolean closeMarkerTaken;

    IpcChannel(UnixSocketChannel socket, ChannelConfig config) throws IOException {
        this.socket = socket;
        this.config = Objects.requireNonNull(config, "config");
        this.fd = socket.getFD();
        Credentials credentials = socket.getOption(UnixSocketOptions.SO_PEERCRED);
        if (credentials == null) {
            throw new IOException("SO_PEERCRED gave no credentials for fd " + fd);
        }
        this.peer = new PeerCredentials(credentials.getPid(), credentials.getUid(), credentials.getGid());
        this.label = "fd " + fd;
    }

    /** Connects to a primary's {@link IpcServer} socket (worker side). Blocks until connected. */
    public static IpcChannel connect(Path socketPath, ChannelConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        UnixSocketChannel socket;
        try {
            socket = UnixSocketChannel.open(new UnixSocketAddress(socketPath.toFile()));
        } catch (IOException e) {
            throw new IOException("cannot connect to the IPC socket " + socketPath + ": " + e.getMessage(), e);
        }
        try {
            return new IpcChannel(socket, config);
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    /** Names this channel in thread names and messages, e.g. "worker 3". */
    public void label(String label) {
        this.label = Objects.requireNonNull(label, "label");
        Thread reader = readerThread;
        if (reader != null) {
            reader.setName("jcluster-ipc-reader-" + label);
        }
        Thread writer = writerThread;
        if (writer != null) {
            writer.setName("jcluster-ipc-writer-" + label);
        }
    }

    public String label() {
        return label;
    }

    /** The peer's pid, uid and gid as the kernel recorded them when it connected (SO_PEERCRED). */
    public PeerCredentials peerCredentials() {
        return peer;
    }

    /**
     * Starts the reader: a daemon thread "jcluster-ipc-reader-&lt;label&gt;" that calls {@code handler}
     * for every frame, then once {@code onClose}. Even on a channel closed before start, onClose comes
     * (from that thread).
     */
    public void start(FrameHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("IPC channel " + label + " is already started");
        }
        boolean fdHeld = acquireFd();
        startReaderThread(() -> runReader(handler, fdHeld));
    }

    private void startReaderThread(Runnable body) {
        Thread thread = new Thread(body, "jcluster-ipc-reader-" + label);
        thread.setDaemon(true);
        readerThread = thread;
        thread.start();
    }

    /**
     * For a thread about to wait for something only this channel's reader can deliver (the primary's
     * answer to a listen). When that thread is the reader itself, running events between two reads (a
     * listener), a new thread takes over reading at once, and the caller stops reading once its events are
     * done; otherwise nothing happens. A reader in the middle of delivering a frame cannot be replaced
     * (the frame's bytes are still in use), so that is refused.
     *
     * @throws IllegalStateException when called from a frame handler on the reader thread
     */
    public void letAnotherThreadReadIfCurrent(String forWhat) {
        if (Thread.currentThread() != readerThread) {
            return;
        }
        Reader current = reader;
        if (current == null || !current.betweenBatches) {
            throw new IllegalStateException(forWhat + " cannot wait on jcluster's I/O thread while it delivers a"
                    + " frame (a connection handler declared nonBlockingHandler, say): call it from the main thread,"
                    + " an event listener or a thread of your own");
        }
        current.betweenBatches = false; // for the new thread, which starts with a read
        startReaderThread(() -> runReader(current));
    }

    /**
     * Queues a frame; never blocks. On the common path the calling thread writes it at once (non-blocking),
     * unless another thread is writing, which then writes it too.
     *
     * @param kind     0..127
     * @param payload  the bytes to send (null for none); not copied, so do not change them afterwards
     * @param handle   null, or a descriptor to pass, spent by this call: it is closed once sent, or on
     *                 failure (including when this method throws)
     * @param callback nullable; called once with null when written, else with the error
     * @return true while the backlog stays below the high-water mark; false when above it (the frame is
     *         still queued), or when the frame was refused (channel closed or closing, frame too large:
     *         the callback says why)
     * @throws IllegalArgumentException for a kind outside 0..127
     * @throws IllegalStateException    for a handle spent already
     */
    public boolean send(int kind, byte[] payload, Descriptor handle, WriteCallback callback) {
        return send(kind, payload, handle == null ? -1 : handle.take(), callback, true);
    }

    /**
     * As {@link #send(int, byte[], Descriptor, WriteCallback)}, but only queues the frame: the caller promises
     * a {@link #flushQueued()} soon, so that many frames sent in a row go out in one sendmsg.
     */
    public boolean sendDeferred(int kind, byte[] payload, WriteCallback callback) {
        return send(kind, payload, -1, callback, false);
    }

    /** Writes what {@link #sendDeferred} queued (non-blocking, as send() does). */
    public void flushQueued() {
        writeFromCaller();
    }

    private boolean send(int kind, byte[] payload, int fd, WriteCallback callback, boolean writeNow) {
        if ((kind & ~KIND_MASK) != 0) {
            closeFd(fd);
            throw new IllegalArgumentException("frame kind must be 0..127, was " + kind);
        }
        byte[] bytes = payload == null ? EMPTY : payload;
        if (bytes.length > config.maxFrameBytes()) {
            closeFd(fd);
            notify(callback, new IllegalArgumentException(tooLarge(bytes.length)));
            return false;
        }
        if (!isOpen()) {
            closeFd(fd);
            notify(callback, closedException(writeStopReason()));
            return false;
        }
        Outgoing frame = Outgoing.data((byte) (kind | (fd >= 0 ? FD_FLAG : 0)), bytes, fd, callback);
        backlog.addAndGet(frame.size);
        queue.offer(frame);
        if (writeNow) {
            writeFromCaller();
        }
        return isOpen() && backlog.get() < config.highWaterMarkBytes();
    }

    /**
     * Writes bytes straight onto the socket, past framing and limits, as a broken or hostile peer
     * would; for tests of what the other side does with such bytes. Blocking; not with send().
     */
    public void writeRawForTesting(byte[] bytes) throws IOException {
        int written = Posix.posix().write(fd, bytes, bytes.length);
        if (written != bytes.length) {
            throw new IOException("raw write of " + bytes.length + " bytes wrote " + written);
        }
    }

    /** Bytes queued and not yet written (frame overhead included). */
    public long backlogBytes() {
        return backlog.get();
    }

    /** Bytes written to the socket since the channel opened, frame overhead included. */
    public long bytesSent() {
        return bytesSent;
    }

    /** Bytes read from the socket since the channel opened, frame overhead included. */
    public long bytesReceived() {
        return bytesReceived;
    }

    /** True until close() or closeAfterFlush() is called or the channel fails: whether send() accepts frames. */
    public boolean isOpen() {
        return closeReason.get() == null && !closing.get() && writeBroken.get() == null;
    }

    /**
     * Refuses new frames, writes everything queued so far, then closes (onClose gets null). Does not block:
     * the last writing thread closes the channel.
     */
    public void closeAfterFlush() {
        if (closeReason.get() != null || !closing.compareAndSet(false, true)) {
            return;
        }
        queue.offer(Outgoing.closeMarker());
        writeFromCaller();
    }

    /**
     * Waits until everything queued before this call is written, or the channel closed, or the timeout.
     * Do not call it from a {@link WriteCallback}: the writing would wait for itself.
     *
     * @return true if every frame queued before the call was written
     */
    public boolean flush(Duration timeout) {
        Outgoing marker = Outgoing.flushMarker();
        queue.offer(marker);
        writeFromCaller();
        return marker.awaitFlushed(timeout);
    }

    /**
     * Closes now: queued frames fail with ClosedChannelException, the reader stops delivering and calls
     * onClose(null) once. Idempotent; does not wait for the reader.
     */
    @Override
    public void close() {
        closeWith(null);
    }

    /** The reader thread once started (tests join it to check that onClose came exactly once). */
    Thread readerThread() {
        return readerThread;
    }

    /** The writer thread if one was needed (tests join it to check that no descriptor leaks). */
    Thread writerThreadIfStarted() {
        return writerThread;
    }

    @Override
    public String toString() {
        Throwable reason = closeReason.get();
        String state = reason == null ? (closing.get() ? "closing" : "open") : "closed";
        String name = label.equals("fd " + fd) ? label : label + ", fd " + fd;
        return "IpcChannel[" + name + ", peer pid " + peer.pid() + ", " + state + "]";
    }

    // ------------------------------------------------------------------------------------------ closing

    /** @return true if this call closed the channel (its cause is the one onClose reports) */
    private boolean closeWith(Throwable cause) {
        if (!closeReason.compareAndSet(null, cause == null ? ORDERLY : cause)) {
            return false;
        }
        // Only this method drops the channel's own fd reference, once, so the fd is still open here.
        // shutdown rather than only close: close(2) does not wake a thread blocked in recvmsg or poll on
        // Linux, and it would let the number be reused under them.
        Syscalls.shutdown(fd, Syscalls.SHUT_RDWR);
        releaseOwnFdReference();
        // Fail what is queued, unless a writer holds the role: it sees the reason and fails them itself.
        writeFromCaller();
        Thread writer = writerThread;
        if (writer != null) {
            LockSupport.unpark(writer);
        }
        return true;
    }

    private boolean acquireFd() {
        for (;;) {
            int users = fdUsers.get();
            if ((users & FD_RELEASED) != 0) {
                return false;
            }
            if (fdUsers.compareAndSet(users, users + 1)) {
                return true;
            }
        }
    }

    private void releaseFd() {
        if (fdUsers.decrementAndGet() == FD_RELEASED) {
            closeSocket();
        }
    }

    private void releaseOwnFdReference() {
        if (fdUsers.updateAndGet(users -> (users - 1) | FD_RELEASED) == FD_RELEASED) {
            closeSocket();
        }
    }

    private void closeSocket() {
        closeQuietly(socket);
    }

    private static void closeQuietly(UnixSocketChannel socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing an IPC socket failed", e);
        }
    }

    static void closeFd(int fd) {
        if (fd >= 0) {
            Syscalls.close(fd);
        }
    }

    private static ClosedChannelException closedException(Throwable reason) {
        ClosedChannelException e = new ClosedChannelException();
        if (reason != null && reason != ORDERLY) {
            e.initCause(reason);
        }
        return e;
    }

    private String tooLarge(long payloadBytes) {
        return "frame of " + payloadBytes + " bytes exceeds the limit of " + config.maxFrameBytes()
                + " bytes (ClusterSettings.maxFrameBytes)";
    }

    private static void notify(WriteCallback callback, Throwable errorOrNull) {
        if (callback == null) {
            return;
        }
        try {
            callback.written(errorOrNull);
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.WARNING, "an IPC write callback threw", e);
        }
    }

    private String describe(String call, int errno) {
        return call + " on IPC channel " + label + " failed: " + Syscalls.describe(errno);
    }

    // ------------------------------------------------------------------------------------------ writing

    /**
     * Becomes the writer if nobody is and there is work, and writes; repeats after releasing the role,
     * because a frame offered while the role was held relied on the holder to see it (lost wake-up guard).
     */
    private void writeFromCaller() {
        // One budget across the rounds: other threads may keep the queue from ever being empty.
        long budget = SENDER_BUDGET_BYTES;
        while (!queue.isEmpty() && writing.compareAndSet(false, true)) {
            budget = writeSession(false, budget);
            if (budget == HAND_OFF) {
                return;
            }
        }
    }

    /**
     * Runs with the writer role held. Returns {@link #HAND_OFF} if the role went to the writer thread,
     * else releases the role and returns the budget left.
     */
    private long writeSession(boolean onWriterThread, long budget) {
        if (!acquireFd()) {
            // Closed: the fd may be gone, so no syscalls; only fail what is queued.
            failAll();
            writing.set(false);
            return budget;
        }
        long left = budget;
        try {
            left = drain(onWriterThread, budget);
        } catch (Throwable e) {
            // Only a bug gets here (callbacks are guarded); never leave frames stranded behind it.
            closeWith(e);
            failAll();
        } finally {
            if (left != HAND_OFF) {
                releaseFd();
                writing.set(false);
            }
        }
        if (left == HAND_OFF) {
            handOffToWriterThread();
        }
        return left;
    }

    /**
     * Writes until nothing is left (returns the budget left) or, on a sending thread, until the socket
     * is full or the budget spent ({@link #HAND_OFF}: the writer thread, which may block in poll, goes on).
     */
    private long drain(boolean mayBlock, long budget) {
        for (;;) {
            if (writeStopReason() != null) {
                failAll();
                return Math.max(budget, 0);
            }
            fill();
            completeSent();
            if (writeStopReason() != null) {
                continue;
            }
            if (outEnd == outStart) {
                if (current == null && queue.isEmpty()) {
                    return Math.max(budget, 0);
                }
                continue;
            }
            if (budget <= 0 && !mayBlock) {
                return HAND_OFF;
            }
            long written = writeOut();
            if (written > 0) {
                budget -= written;
                continue;
            }
            int errno = (int) -written;
            if (written == 0 || errno == Syscalls.EAGAIN) {
                if (!mayBlock) {
                    return HAND_OFF;
                }
                awaitWritable();
            } else if (errno != Syscalls.EINTR) {
                stopWriting(new IOException(describe("sendmsg", errno)));
            }
        }
    }

    /** Copies queued frames into {@link #out} until it is full, the queue empty, or an fd frame must wait. */
    private void fill() {
        for (;;) {
            if (current == null) {
                Outgoing next = closeMarkerTaken ? null : queue.peek();
                if (next == null) {
                    return;
                }
                if (next.type != Outgoing.DATA) {
                    queue.poll();
                    next.end = bytesCopied;
                    copied.add(next);
                    closeMarkerTaken |= next.type == Outgoing.CLOSE;
                    continue;
                }
                if (next.fd >= 0) {
                    // The fd must travel with its frame's first byte, so that frame starts a sendmsg.
                    if (outEnd > outStart) {
                        return;
                    }
                    outStart = 0;
                    outEnd = 0;
                    fdToAttach = next.fd;
                    next.fd = -1;
                }
                queue.poll();
                current = next;
                currentCopied = 0;
            }
            if (!copyCurrent()) {
                return;
            }
        }
    }

    /** @return true when {@link #current} is copied completely */
    private boolean copyCurrent() {
        Outgoing frame = current;
        int room = out.capacity() - outEnd;
        if (room < FRAME_OVERHEAD && outStart > 0) {
            compactOut();
            room = out.capacity() - outEnd;
        }
        if (currentCopied == 0) {
            if (room < FRAME_OVERHEAD) {
                return false;
            }
            out.putInt(outEnd, frame.payload.length + 1);
            out.put(outEnd + 4, frame.header);
            outEnd += FRAME_OVERHEAD;
            currentCopied = FRAME_OVERHEAD;
            bytesCopied += FRAME_OVERHEAD;
            room -= FRAME_OVERHEAD;
        }
        int done = currentCopied - FRAME_OVERHEAD;
        int chunk = Math.min(frame.payload.length - done, room);
        if (chunk > 0) {
            out.put(outEnd, frame.payload, done, chunk);
            outEnd += chunk;
            currentCopied += chunk;
            bytesCopied += chunk;
        }
        if (currentCopied < frame.size) {
            return false;
        }
        frame.end = bytesCopied;
        copied.add(frame);
        current = null;
        return true;
    }

    private void compactOut() {
        out.limit(outEnd).position(outStart);
        out.compact();
        out.clear();
        outEnd -= outStart;
        outStart = 0;
    }

    /** One non-blocking sendmsg of everything in {@link #out}: bytes written, or -errno. */
    private long writeOut() {
        outHeader.setData(outAddress + outStart, outEnd - outStart);
        if (fdToAttach >= 0) {
            outHeader.setPassedFd(fdToAttach);
        } else {
            outHeader.clearControl();
        }
        long written = Syscalls.sendmsg(fd, outHeader.address(),
                Syscalls.MSG_DONTWAIT | Syscalls.MSG_NOSIGNAL);
        if (written > 0) {
            if (fdToAttach >= 0) {
                // The kernel gave the peer its own reference: ours is no longer needed.
                closeFd(fdToAttach);
                fdToAttach = -1;
            }
            outStart += (int) written;
            bytesSent += written;
            if (outStart == outEnd) {
                outStart = 0;
                outEnd = 0;
            }
            completeSent();
        }
        return written;
    }

    /** Reports frames whose last byte is sent, and acts on markers reached. */
    private void completeSent() {
        Outgoing frame;
        while ((frame = copied.peek()) != null && frame.end <= bytesSent) {
            copied.poll();
            switch (frame.type) {
                case Outgoing.DATA:
                    backlog.addAndGet(-frame.size);
                    notify(frame.callback, null);
                    break;
                case Outgoing.FLUSH:
                    frame.flushed(true);
                    break;
                default:
                    closeWith(null); // closeAfterFlush: all before it is written
                    break;
            }
        }
    }

    /** Why frames can no longer be written: the close reason, or a broken writing side; null while they can. */
    private Throwable writeStopReason() {
        Throwable reason = closeReason.get();
        return reason != null ? reason : writeBroken.get();
    }

    /**
     * A write failed. With a reader running, only the writing side ends (see {@link #writeBroken}); the
     * reader closes the channel at end-of-stream. Without one, nothing else would: close now.
     */
    private void stopWriting(IOException failure) {
        if (readerThread == null) {
            closeWith(failure);
            return;
        }
        if (writeBroken.compareAndSet(null, failure)) {
            Syscalls.shutdown(fd, Syscalls.SHUT_WR); // the writer role holds an fd reference here
        }
    }

    /** Fails everything the writer holds or the queue has; called with the role held, once closed. */
    private void failAll() {
        ClosedChannelException closed = closedException(writeStopReason());
        if (fdToAttach >= 0) {
            closeFd(fdToAttach);
            fdToAttach = -1;
        }
        outStart = 0;
        outEnd = 0;
        Outgoing frame;
        while ((frame = copied.poll()) != null) {
            fail(frame, closed);
        }
        if (current != null) {
            fail(current, closed);
            current = null;
        }
        while ((frame = queue.poll()) != null) {
            fail(frame, closed);
        }
    }

    private void fail(Outgoing frame, Throwable why) {
        switch (frame.type) {
            case Outgoing.DATA:
                dropped = true;
                backlog.addAndGet(-frame.size);
                closeFd(frame.fd);
                frame.fd = -1;
                notify(frame.callback, why);
                break;
            case Outgoing.FLUSH:
                // Frames are failed in queue order, so dropped already tells about all before this marker.
                frame.flushed(!dropped);
                break;
            default:
                // closeAfterFlush's marker meets a broken writing side: close as it asked.
                closeWith(null);
                break;
        }
    }

    private void awaitWritable() {
        pollFd.putInt(0, fd);
        pollFd.putShort(4, Syscalls.POLLOUT);
        pollFd.putShort(6, (short) 0);
        // The outcome does not matter: the next sendmsg tells whether there is room, or the error.
        Syscalls.poll(pollFdAddress, 1, POLL_TIMEOUT_MILLIS);
    }

    private void handOffToWriterThread() {
        handedOff.set(true);
        try {
            LockSupport.unpark(writerThread());
        } catch (Throwable e) {
            closeWith(e); // no thread to write with (e.g. out of native threads): the frames must fail
        }
        // The writer thread ends once the channel is closed; if it may have seen that already, take the
        // work back (the CAS lets exactly one of us have it) so the frames are failed, not stranded.
        if (closeReason.get() != null && handedOff.compareAndSet(true, false)) {
            failAll();
            releaseFd();
            writing.set(false);
            writeFromCaller();
        }
    }

    private Thread writerThread() {
        Thread thread = writerThread;
        if (thread != null) {
            return thread;
        }
        synchronized (writerThreadLock) {
            if (writerThread == null) {
                thread = new Thread(this::runWriter, "jcluster-ipc-writer-" + label);
                thread.setDaemon(true);
                writerThread = thread;
                thread.start();
            }
            return writerThread;
        }
    }

    private void runWriter() {
        for (;;) {
            // Read the reason before the hand-off flag: see handOffToWriterThread.
            boolean closed = closeReason.get() != null;
            if (handedOff.compareAndSet(true, false)) {
                // The role and an fd reference came with the hand-off.
                try {
                    drain(true, Long.MAX_VALUE);
                } catch (Throwable e) {
                    closeWith(e);
                    failAll();
                } finally {
                    releaseFd();
                    writing.set(false);
                }
                while (!queue.isEmpty() && writing.compareAndSet(false, true)) {
                    writeSession(true, Long.MAX_VALUE);
                }
            } else if (closed) {
                return;
            } else {
                LockSupport.park(this);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ reading

    private void runReader(FrameHandler handler, boolean fdHeld) {
        Reader fresh = null;
        Throwable failure = null;
        try {
            if (fdHeld) {
                fresh = new Reader(handler);
            }
        } catch (Throwable e) {
            failure = e;
        }
        if (fresh == null) {
            finishReading(handler, null, fdHeld, failure);
        } else {
            runReader(fresh);
        }
    }

    /** Reads until the channel ends, unless another thread takes over reading meanwhile. */
    private void runReader(Reader current) {
        reader = current;
        Throwable failure;
        try {
            failure = current.run();
        } catch (Throwable e) {
            failure = e;
        }
        if (readerThread != Thread.currentThread()) {
            return; // handed over (letAnotherThreadReadIfCurrent): the new reader ends the channel
        }
        finishReading(current.handler, current, true, failure);
    }

    private void finishReading(FrameHandler handler, Reader current, boolean fdHeld, Throwable failure) {
        try {
            closeWith(failure);
            if (current != null) {
                current.closeUnclaimedFds();
            }
        } finally {
            if (fdHeld) {
                releaseFd();
            }
        }
        Throwable reason = closeReason.get();
        try {
            handler.onClose(this, reason == ORDERLY ? null : reason);
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.WARNING, "onClose of IPC channel " + label + " threw", e);
        }
    }

    /**
     * State owned by the reader thread alone. When the reading role moves to a new thread
     * ({@link #letAnotherThreadReadIfCurrent}), it moves with it: the old thread touches it no more.
     */
    private final class Reader {
        private final FrameHandler handler;
        /** True while the handler's onBatchEnd runs: the buffer holds no frame in use. */
        private boolean betweenBatches;
        private final ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
        private final long inAddress = Syscalls.address(in);
        /** What a handler sees: a window on {@link #in}, moved from frame to frame. */
        private final ByteBuffer view = in.duplicate();
        private final MessageHeader header = new MessageHeader(MAX_FDS_PER_READ);
        private final ArrayDeque<Integer> fds = new ArrayDeque<>();
        private final IntConsumer addFd = fds::add;
        private int inStart;
        private int inEnd;
        private LargeFrame large;

        Reader(FrameHandler handler) {
            this.handler = handler;
        }

        /** @return null at an orderly end, else the failure */
        Throwable run() throws IOException {
            for (;;) {
                if (closeReason.get() != null) {
                    return null;
                }
                header.setData(inAddress + inEnd, in.capacity() - inEnd);
                header.prepareReceive();
                // Always recvmsg with a control buffer: read(2) would silently discard passed descriptors.
                long received = Syscalls.recvmsg(fd, header.address(), Syscalls.MSG_CMSG_CLOEXEC);
                if (received > 0) {
                    header.forEachReceivedFd(addFd);
                    if ((header.flags() & Syscalls.MSG_CTRUNC) != 0) {
                        throw new IpcProtocolException("the peer passed more file descriptors at once than the "
                                + MAX_FDS_PER_READ + " a read takes; some were lost");
                    }
                    inEnd += (int) received;
                    bytesReceived += received; // one reading thread at a time
                    deliverFrames();
                    if (closeReason.get() == null) {
                        betweenBatches = true;
                        handler.onBatchEnd(IpcChannel.this);
                        if (readerThread != Thread.currentThread()) {
                            return null; // another thread reads on; it owns this state now
                        }
                        betweenBatches = false;
                    }
                } else if (received == 0 || received == -Syscalls.ECONNRESET) {
                    // A reset is how a peer that died with our bytes unread says goodbye (a SIGKILLed worker):
                    // an end like any other, unless it cut a frame.
                    if (large != null || inEnd > inStart) {
                        long have = large != null ? large.filled : inEnd - inStart;
                        return new EOFException("the peer closed IPC channel " + label + " in the middle of a frame ("
                                + have + " bytes of it had arrived)");
                    }
                    return null;
                } else if (received != -Syscalls.EINTR) {
                    return new IOException(describe("recvmsg", (int) -received));
                }
            }
        }

        private void deliverFrames() throws IpcProtocolException {
            for (;;) {
                if (closeReason.get() != null) {
                    return; // closed here: deliver nothing more
                }
                int available = inEnd - inStart;
                if (large != null) {
                    if (available == 0) {
                        break;
                    }
                    int take = Math.min(available, large.missing());
                    large.append(in, inStart, take);
                    inStart += take;
                    if (large.missing() > 0) {
                        break;
                    }
                    LargeFrame frame = large;
                    large = null;
                    int frameFd = frame.fd;
                    frame.fd = -1;
                    deliver(frame.kind, ByteBuffer.wrap(frame.bytes, 0, frame.length), frameFd);
                    continue;
                }
                if (available < FRAME_OVERHEAD) {
                    break;
                }
                int length = in.getInt(inStart);
                if (length < 1 || length - 1 > config.maxFrameBytes()) {
                    throw invalidLength(length);
                }
                int headerByte = in.get(inStart + 4) & 0xFF;
                int kind = headerByte & KIND_MASK;
                boolean withFd = (headerByte & FD_FLAG) != 0;
                int payloadLength = length - 1;
                if (available - FRAME_OVERHEAD >= payloadLength) {
                    int frameFd = withFd ? claimFd(kind) : -1;
                    int payloadStart = inStart + FRAME_OVERHEAD;
                    inStart = payloadStart + payloadLength;
                    view.limit(inStart).position(payloadStart);
                    view.order(ByteOrder.BIG_ENDIAN); // in case the previous handler call changed it
                    deliver(kind, view, frameFd);
                    continue;
                }
                if (FRAME_OVERHEAD + payloadLength <= in.capacity()) {
                    break; // fits here once the rest arrives
                }
                // Larger than the read buffer: gather it in a buffer that grows only as bytes arrive, so a
                // length the peer announces but never sends costs nothing.
                large = new LargeFrame(kind, payloadLength, withFd ? claimFd(kind) : -1);
                inStart += FRAME_OVERHEAD;
            }
            if (inStart == inEnd) {
                inStart = 0;
                inEnd = 0;
            } else if (inStart > 0) {
                in.limit(inEnd).position(inStart);
                in.compact();
                in.clear();
                inEnd -= inStart;
                inStart = 0;
            }
        }

        private IpcProtocolException invalidLength(int length) {
            if (length == 0) {
                return new IpcProtocolException("malformed frame on IPC channel " + label
                        + ": length field 0 leaves no room for the header byte");
            }
            return new IpcProtocolException(tooLarge(Integer.toUnsignedLong(length) - 1));
        }

        private int claimFd(int kind) throws IpcProtocolException {
            Integer claimed = fds.poll();
            if (claimed == null) {
                throw new IpcProtocolException("a frame of kind " + kind + " on IPC channel " + label
                        + " says a file descriptor travels with it, but none arrived");
            }
            return claimed;
        }

        private void deliver(int kind, ByteBuffer payload, int frameFd) {
            if (closeReason.get() != null) {
                closeFd(frameFd);
                return;
            }
            Descriptor handle = frameFd < 0 ? null : Descriptor.own(frameFd);
            try {
                handler.onFrame(IpcChannel.this, kind, payload, handle);
            } catch (RuntimeException | Error e) {
                if (handle != null) {
                    handle.close(); // the channel closes for this: nobody else will (a no-op once spent)
                }
                throw e;
            }
        }

        void closeUnclaimedFds() {
            Integer unclaimed;
            while ((unclaimed = fds.poll()) != null) {
                closeFd(unclaimed);
            }
            if (large != null) {
                closeFd(large.fd);
                large.fd = -1;
            }
        }
    }

    /** A frame larger than the read buffer, being gathered. */
    private static final class LargeFrame {
        final int kind;
        final int length;
        int fd;
        byte[] bytes;
        int filled;

        LargeFrame(int kind, int length, int fd) {
            this.kind = kind;
            this.length = length;
            this.fd = fd;
            this.bytes = new byte[Math.min(length, 2 * READ_BUFFER_BYTES)];
        }

        int missing() {
            return length - filled;
        }

        void append(ByteBuffer source, int index, int count) {
            if (filled + count > bytes.length) {
                long grown = Math.max(2L * bytes.length, (long) filled + count);
                bytes = Arrays.copyOf(bytes, (int) Math.min(length, grown));
            }
            source.get(index, bytes, filled, count);
            filled += count;
        }
    }

    /** A queued frame, or a marker (flush, closeAfterFlush) that acts once everything before it is written. */
    static final class Outgoing {
        static final int DATA = 0;
        static final int FLUSH = 1;
        static final int CLOSE = 2;

        final int type;
        final byte header;
        final byte[] payload;
        final WriteCallback callback;
        /** Bytes on the wire, overhead included. */
        final int size;
        /** Owned by the channel until closed or sent; -1 after. Writer-owned once queued. */
        int fd;
        /** Stream offset just past this frame's last byte; set by the writer when copied. */
        long end;
        private final CountDownLatch done;
        private volatile boolean flushed;

        private Outgoing(int type, byte header, byte[] payload, int fd, WriteCallback callback) {
            this.type = type;
            this.header = header;
            this.payload = payload;
            this.fd = fd;
            this.callback = callback;
            this.size = payload.length + FRAME_OVERHEAD;
            this.done = type == FLUSH ? new CountDownLatch(1) : null;
        }

        static Outgoing data(byte header, byte[] payload, int fd, WriteCallback callback) {
            return new Outgoing(DATA, header, payload, fd, callback);
        }

        static Outgoing flushMarker() {
            return new Outgoing(FLUSH, (byte) 0, EMPTY, -1, null);
        }

        static Outgoing closeMarker() {
            return new Outgoing(CLOSE, (byte) 0, EMPTY, -1, null);
        }

        void flushed(boolean everythingWritten) {
            flushed = everythingWritten;
            done.countDown();
        }

        boolean awaitFlushed(Duration timeout) {
            try {
                long nanos;
                try {
                    nanos = Math.max(0L, timeout.toNanos());
                } catch (ArithmeticException tooLong) {
                    nanos = Long.MAX_VALUE;
                }
                return done.await(nanos, TimeUnit.NANOSECONDS) && flushed;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
