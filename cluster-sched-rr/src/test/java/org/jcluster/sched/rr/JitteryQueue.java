package org.jcluster.sched.rr;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The dispatcher's queue with random pauses just before each offer and just after each poll and emptiness
 * check: exactly where the dispatcher's races are (between reading one queue and writing the other).
 * On a small machine, without it, those windows are a few nanoseconds wide and a stress test would
 * almost never land a thread in one.
 */
final class JitteryQueue<E> extends ConcurrentLinkedQueue<E> {
    private static final long serialVersionUID = 1L;
    static final RoundRobinDispatcher.Queues QUEUES = JitteryQueue::new;

    JitteryQueue() {
    }

    @Override
    public boolean offer(E e) {
        pause();
        return super.offer(e);
    }

    @Override
    public E poll() {
        E e = super.poll();
        pause();
        return e;
    }

    @Override
    public boolean isEmpty() {
        boolean empty = super.isEmpty();
        pause();
        return empty;
    }

    private static void pause() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int r = random.nextInt(8);
        if (r == 0) {
            Thread.yield();
        } else if (r < 4) {
            for (int i = random.nextInt(500); i > 0; i--) {
                Thread.onSpinWait();
            }
        }
    }
}
