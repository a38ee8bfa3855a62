package org.jcluster.examples.sticky;

import java.nio.channels.Channel;
import java.util.Optional;

import org.jcluster.api.Registration;
import org.jcluster.api.SendCallback;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.api.WorkerState;

/**
 * A worker stand-in for unit tests of the dispatcher, which uses a worker as a map key and for its id
 * only. Equality is identity, as for the primary's own worker objects; everything else is unsupported.
 */
final class TestWorker implements Worker {
    private final int id;

    TestWorker(int id) {
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
        throw unsupported("send");
    }

    @Override
    public boolean send(Object message, Channel handle, boolean keepOpen, SendCallback callback) {
        throw unsupported("send");
    }

    @Override
    public Worker disconnect() {
        throw unsupported("disconnect");
    }

    @Override
    public void kill(String signal) {
        throw unsupported("kill");
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
        return -1;
    }

    @Override
    public Optional<Process> process() {
        return Optional.empty();
    }

    @Override
    public <L> Registration on(WorkerEvent<L> event, L listener) {
        throw unsupported("on");
    }

    @Override
    public <L> Registration once(WorkerEvent<L> event, L listener) {
        throw unsupported("once");
    }

    private UnsupportedOperationException unsupported(String method) {
        return new UnsupportedOperationException(method + " on a test worker");
    }

    @Override
    public String toString() {
        return "worker " + id;
    }
}
