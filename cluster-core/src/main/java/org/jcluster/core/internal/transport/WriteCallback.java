package org.jcluster.core.internal.transport;

/** Told once whether a frame reached the socket. */
@FunctionalInterface
public interface WriteCallback {
    /**
     * Runs on whichever thread wrote (or failed) the frame: the sending thread, another sender, or the
     * channel's writer thread. Keep it cheap and do not block in it: the channel's writing waits for it.
     *
     * @param errorOrNull null when the frame was handed to the kernel in full; otherwise why it never will be
     *                    (e.g. {@link java.nio.channels.ClosedChannelException})
     */
    void written(Throwable errorOrNull);
}
