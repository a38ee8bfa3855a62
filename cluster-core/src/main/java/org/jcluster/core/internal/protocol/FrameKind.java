package org.jcluster.core.internal.protocol;

/**
 * The two namespaces of the IPC channel, carried in each frame's header, so a user message can never
 * be taken for a protocol message whatever it contains (Node rule 27).
 */
public final class FrameKind {
    /** jcluster's own protocol: {@link InternalMessage}. */
    public static final int INTERNAL = 0;
    /** A user message, encoded by the cluster's Serialization. */
    public static final int USER = 1;

    private FrameKind() {
    }
}
