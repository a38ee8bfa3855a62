package org.jcluster.api;

/** Called once a sent message has been written to the channel, or could not be. */
@FunctionalInterface
public interface SendCallback {
    /** @param error null when the message was written; otherwise why it was not */
    void done(Throwable error);
}
