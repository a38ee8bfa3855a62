package org.jcluster.benchmarks;

import java.nio.channels.Channel;
import java.util.Optional;

import org.jcluster.api.Registration;
import org.jcluster.api.SendCallback;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.api.WorkerState;
import org.jcluster.api.spi.PendingConnection;

/**
 * A worker stand-in for {@link RoundRobinDispatchBenchmark}: a dispatcher only uses a worker as a map
 * key (identity hash, as the real one) and for its id. It carries the connection handed to it to the
 * benchmark's "worker reader" thread.
 */
final class DispatchBenchWorker implements Worker {
    private final int id;
    /** Written by the hand-off before this worker is queued to the reader thread, read after (queue's release/acquire). */
    PendingConnection handed;

    DispatchBenchWorker(int id) {
        this.id = id;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public WorkerState state() {
        return WorkerState.LISTENING;
    }

    @Override
    public boolean send(Object message, SendCallback callback) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean send(Object message, Channel handle, boolean keepOpen, SendCallback callback) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Worker disconnect() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void kill(String signal) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Boolean> exitedAfterDisconnect() {
        return Optional.empty();
    }

    @Override
    public boolean isConnected() {
        return true;
    }

    @Override
    public boolean isDead() {
        return false;
    }

    @Override
    public long pid() {
        return 0;
    }

    @Override
    public Optional<Process> process() {
        return Optional.empty();
    }

    @Override
    public <L> Registration on(WorkerEvent<L> event, L listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public <L> Registration once(WorkerEvent<L> event, L listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String toString() {
        return "worker " + id;
    }
}
