package org.jcluster.core.internal.events;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.jcluster.api.Registration;

/**
 * Listener sets keyed by typed event constants (ClusterEvent or WorkerEvent instances): what a cluster's
 * and a worker's {@code on} and {@code once} add to.
 */
public final class EventRegistry {
    private final ConcurrentHashMap<Object, ListenerSet<?>> sets = new ConcurrentHashMap<>();
    private final Object messageEvent;
    private final Runnable messageListenerAdded;

    /**
     * @param messageEvent the owner's MESSAGE event
     * @param messageListenerAdded runs after a listener of it is added: messages held for lack of one go out
     */
    public EventRegistry(Object messageEvent, Runnable messageListenerAdded) {
        this.messageEvent = messageEvent;
        this.messageListenerAdded = messageListenerAdded;
    }

    /** A listener for every {@code event} ({@code on}), or for the next one only ({@code once}). */
    public <L> Registration add(Object event, L listener, boolean once) {
        Registration registration = this.<L>set(event).add(listener, once);
        if (event == messageEvent) {
            messageListenerAdded.run();
        }
        return registration;
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
