package org.jcluster.core.internal.events;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.jcluster.api.Registration;

/** Listener sets keyed by typed event constants (ClusterEvent or WorkerEvent instances). */
public final class EventRegistry {
    private final ConcurrentHashMap<Object, ListenerSet<?>> sets = new ConcurrentHashMap<>();

    public <L> Registration add(Object event, L listener, boolean once) {
        return this.<L>set(event).add(listener, once);
    }

    public <L> void emit(Object event, Consumer<L> call) {
        this.<L>set(event).emit(call);
    }

    public boolean hasListeners(Object event) {
        ListenerSet<?> set = sets.get(event);
        return set != null && !set.isEmpty();
    }

    @SuppressWarnings("unchecked")
    private <L> ListenerSet<L> set(Object event) {
        return (ListenerSet<L>) sets.computeIfAbsent(event, e -> new ListenerSet<>());
    }
}
