package org.jcluster.core.internal.transport;

import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * One open file descriptor, owned by whoever holds this object; the number itself never leaves the
 * transport. Its holder does one of three things with it, and each spends it: {@link #close()}s it, sends
 * it in a frame ({@link IpcChannel#send}, which closes it once written), or turns it into a JDK channel
 * ({@link #toChannel}, which then owns it). So the descriptor is closed exactly once, whatever path it
 * takes: a second close does nothing, and any other use of a spent descriptor throws
 * {@link IllegalStateException} instead of acting on a number the process may since have reused.
 *
 * <p>Thread-safety: spending is atomic, so of two threads racing to close or hand it on, one wins.
 * {@link #duplicate()} and {@link #shutdown()} use the number without spending it; the holder must not
 * spend it concurrently (shutdown exists precisely so that one thread can stop another's blocked accept,
 * after which that thread closes it).
 */
public final class Descriptor implements Closeable {
    private static final int SPENT = -1;
    private static final VarHandle FD;

    static {
        try {
            FD = MethodHandles.lookup().findVarHandle(Descriptor.class, "fd", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through FD
    private volatile int fd;

    private Descriptor(int fd) {
        this.fd = fd;
    }

    /** Takes ownership of {@code fd} (0 or more), which a syscall just opened or received. */
    static Descriptor own(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a descriptor: " + fd);
        }
        return new Descriptor(fd);
    }

    /**
     * A new descriptor of the socket a JDK channel holds (the channel keeps its own), to pass the socket
     * to another process.
     *
     * @throws IllegalArgumentException the channel is closed or is not one of the JDK's socket channels
     * @throws IllegalStateException    the JVM lacks the --add-opens flag (the message says which)
     * @throws IOException              dup failed, e.g. EMFILE
     */
    public static Descriptor duplicateOf(Channel channel) throws IOException {
        return dup(JdkChannels.fdOf(channel));
    }

    /**
     * Another descriptor of the same socket (close-on-exec), owned by the caller; this one stays open.
     *
     * @throws IOException dup failed: the message is the errno's name and text, e.g. EMFILE (out of descriptors)
     */
    public Descriptor duplicate() throws IOException {
        return dup(number());
    }

    private static Descriptor dup(int fd) throws IOException {
        int copy = Syscalls.dupCloexec(fd);
        if (copy < 0) {
            throw new IOException(Syscalls.describe(-copy));
        }
        return new Descriptor(copy);
    }

    /**
     * shutdown(2) in both directions, without closing: wakes a thread blocked in accept or read on this
     * descriptor from another thread (closing would not, and would free the number while it is in use).
     * Acts on the socket, so on every copy of it in every process.
     */
    public void shutdown() {
        Syscalls.shutdown(number(), Syscalls.SHUT_RDWR);
    }

    /**
     * Turns the descriptor into a JDK channel of the kind given, which owns it from here on (closing the
     * channel closes the socket). Once the kind is accepted the descriptor is spent, so any later failure
     * closes it; a kind no JDK channel is made of spends nothing. {@code SelectableChannel.class}
     * takes whichever kind fits: a ServerSocketChannel for a listening stream socket, a SocketChannel for
     * another stream socket, a DatagramChannel for a datagram socket.
     *
     * @param kind {@code SocketChannel}, {@code ServerSocketChannel}, {@code DatagramChannel} or
     *             {@code SelectableChannel}
     * @throws IllegalStateException    spent already, or the JVM lacks the --add-opens flag
     * @throws IllegalArgumentException the socket is not of that kind, or the kind is none of the four
     * @throws java.io.UncheckedIOException the OS failed
     */
    public <C extends SelectableChannel> C toChannel(Class<C> kind) {
        if (kind != SocketChannel.class && kind != ServerSocketChannel.class && kind != DatagramChannel.class
                && kind != SelectableChannel.class) {
            throw new IllegalArgumentException("no JDK channel of kind " + kind.getName() + " is made from a"
                    + " descriptor: ask for SocketChannel, ServerSocketChannel, DatagramChannel or SelectableChannel");
        }
        int taken = take();
        SelectableChannel channel;
        if (kind == SocketChannel.class) {
            channel = JdkChannels.socketChannel(taken);
        } else if (kind == ServerSocketChannel.class) {
            channel = JdkChannels.serverSocketChannel(taken);
        } else if (kind == DatagramChannel.class) {
            channel = JdkChannels.datagramChannel(taken);
        } else {
            channel = JdkChannels.adopt(taken);
        }
        return kind.cast(channel);
    }

    /** Closes the descriptor, once; does nothing when it is spent already. */
    @Override
    public void close() {
        closeIfUnspent();
    }

    /** {@link #close()}, saying whether this call closed it (false: it was spent already). */
    public boolean closeIfUnspent() {
        int taken = (int) FD.getAndSet(this, SPENT);
        if (taken == SPENT) {
            return false;
        }
        Syscalls.close(taken);
        return true;
    }

    /** Whether this object gave up its descriptor: closed it, sent it, or made a channel of it. */
    public boolean isSpent() {
        return (int) FD.getVolatile(this) == SPENT;
    }

    /** Spends the descriptor, handing its number to the caller, who must close it. */
    int take() {
        int taken = (int) FD.getAndSet(this, SPENT);
        if (taken == SPENT) {
            throw spent();
        }
        return taken;
    }

    /** The number, still owned by this object, for a call that uses it without spending it. */
    int number() {
        int current = (int) FD.getVolatile(this);
        if (current == SPENT) {
            throw spent();
        }
        return current;
    }

    private static IllegalStateException spent() {
        return new IllegalStateException("this descriptor was closed or handed on already (a bug in its holder)");
    }

    @Override
    public String toString() {
        int current = (int) FD.getVolatile(this);
        return current == SPENT ? "descriptor (spent)" : "descriptor " + current;
    }
}
