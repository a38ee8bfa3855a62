package org.jcluster.api;

import java.nio.channels.Channel;

/**
 * Receives, in the primary, a message a worker sent with a channel
 * ({@link Worker#send(Object, Channel, boolean, SendCallback)}).
 */
@FunctionalInterface
public interface HandleListener {
    /**
     * @param handle a real JDK channel ({@link java.nio.channels.SocketChannel},
     *     {@link java.nio.channels.ServerSocketChannel} or {@link java.nio.channels.DatagramChannel}),
     *     now owned by the listener
     */
    void onHandle(Worker worker, Object message, Channel handle);
}
