package org.jcluster.core.internal.events;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.jcluster.api.Registration;

/**
 * The listeners of one event. Registration may happen on any thread; calls happen on the event
 * thread. Copy-on-write: listeners change rarely and are read on every event.
 */
public final class ListenerSet<L> {
    private final CopyOnWriteArrayList<Entry<L>> entries = new CopyOnWriteArrayList<>();

    private static final class Entry<L> {
        final L listener;
        final boolean once;

        Entry(L listener, boolean once) {
            this.listener = listener;
            this.once = once;
        }
    }

    public Registration add(L listener, boolean once) {
        if (listener == null) {
            throw new NullPointerException("listener");
        }
        Entry<L> entry = new Entry<>(listener, once);
        entries.add(entry);
        return () -> entries.remove(entry);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Calls every listener in registration order; a once-listener is removed before its call. */
    public void emit(Consumer<L> call) {
        for (Entry<L> entry : entries) {
            if (entry.once && !entries.remove(entry)) {
                continue; // already fired (or removed) elsewhere
            }
            call.accept(entry.listener);
        }
    }
}
