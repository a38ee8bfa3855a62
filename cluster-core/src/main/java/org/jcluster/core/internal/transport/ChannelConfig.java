package org.jcluster.core.internal.transport;

/**
 * Limits of one IPC channel.
 *
 * @param maxFrameBytes      the largest payload a frame may carry, both ways (ClusterSettings.maxFrameBytes);
 *                           a peer that announces more is cut off with an {@link IpcProtocolException}
 * @param highWaterMarkBytes backlog (queued, not yet written bytes) at which {@link IpcChannel#send} starts
 *                           answering false
 */
public record ChannelConfig(int maxFrameBytes, int highWaterMarkBytes) {
    /** A frame's length field counts the header byte too, and must fit a signed 32-bit int. */
    public static final int MAX_FRAME_BYTES_LIMIT = Integer.MAX_VALUE - 1;

    public ChannelConfig {
        if (maxFrameBytes < 0 || maxFrameBytes > MAX_FRAME_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxFrameBytes must be between 0 and " + MAX_FRAME_BYTES_LIMIT
                    + ", was " + maxFrameBytes);
        }
        if (highWaterMarkBytes < 1) {
            throw new IllegalArgumentException("highWaterMarkBytes must be positive, was " + highWaterMarkBytes);
        }
    }
}
