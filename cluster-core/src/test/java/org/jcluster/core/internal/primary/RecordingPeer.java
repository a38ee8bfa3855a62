package org.jcluster.core.internal.primary;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.Worker;
import org.jcluster.core.internal.protocol.InternalMessage;
import org.jcluster.core.internal.transport.Descriptor;
import org.jcluster.testkit.TestWorkers;

/**
 * A worker's channel as the primary's shared servers see it: records every message sent to it, and
 * closes the descriptor that comes with one (the worker's copy: this stand-in serves nothing).
 */
final class RecordingPeer implements ServerPeer {
    final Worker worker;
    final LinkedBlockingQueue<InternalMessage> sent = new LinkedBlockingQueue<>();

    /** @param id the stand-in worker's id */
    RecordingPeer(int id) {
        this.worker = TestWorkers.worker(id);
    }

    @Override
    public Worker worker() {
        return worker;
    }

    @Override
    public boolean isConnected() {
        return true;
    }

    @Override
    public void sendInternal(InternalMessage message, Descriptor handle) {
        if (handle != null) {
            handle.close();
        }
        sent.add(message);
    }

    @Override
    public void connectionDealt() {
        // counted by PrimaryWorker for its stats; these tests read what was sent instead
    }

    @Override
    public void connectionRefused() {
    }

    /** The next message sent to it, which must be a {@code type}, waiting up to {@code deadlineMs}. */
    <M extends InternalMessage> M next(Class<M> type, long deadlineMs) throws InterruptedException {
        InternalMessage m = sent.poll(deadlineMs, TimeUnit.MILLISECONDS);
        assertThat(m).as("a " + type.getSimpleName() + " within " + deadlineMs + " ms").isInstanceOf(type);
        return type.cast(m);
    }
}
