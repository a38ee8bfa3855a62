package org.jcluster.api;

/** The life of a worker, as Node's worker.state. */
public enum WorkerState {
    /** Forked; the worker has not reported in yet. */
    NONE,
    /** The worker JVM is running and connected. */
    ONLINE,
    /** The worker has a listening server. */
    LISTENING,
    /** The IPC channel is closed. */
    DISCONNECTED,
    /** The process has exited. */
    DEAD
}
