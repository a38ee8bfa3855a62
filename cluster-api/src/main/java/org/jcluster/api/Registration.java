package org.jcluster.api;

/** A listener's registration: {@link #remove()} (or close) takes the listener away. Idempotent. */
@FunctionalInterface
public interface Registration extends AutoCloseable {
    void remove();

    @Override
    default void close() {
        remove();
    }
}
