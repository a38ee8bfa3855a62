package org.jcluster.core.internal.primary;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.LongFunction;

import org.jcluster.api.Registration;
import org.jcluster.core.internal.events.EventLoop;
import org.jcluster.core.internal.protocol.InternalMessage;

/**
 * The primary's requests to one worker that wait for its answer (a ping, an ask), each ended exactly
 * once: answered (reader thread), timed out (timer) or failed when the worker disconnects, by whoever
 * removes it from the table first. Futures complete on the event thread.
 */
final class OpenRequests {
    /** An answer, with when it arrived (a ping's round trip ends there, not on the event thread). */
    record Answer(InternalMessage message, long arrivedNanos) { }

    private record Open(CompletableFuture<Answer> answer, Registration timeout) { }

    private final EventLoop events;
    private final AtomicInteger seqs = new AtomicInteger();
    private final Map<Integer, Open> open = new ConcurrentHashMap<>();

    OpenRequests(EventLoop events) {
        this.events = events;
    }

    /**
     * Sends {@code request.apply(seq)} through {@code send} and waits for the answer of that seq.
     *
     * @param unanswered what the TimeoutException says after "within N ms", naming what was asked
     */
    CompletableFuture<Answer> send(Duration timeout, IntFunction<InternalMessage> request, Consumer<InternalMessage> send,
            LongFunction<String> unanswered) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        int seq = seqs.incrementAndGet();
        Registration[] timer = new Registration[1];
        // In the table before its timer exists: a timer that fires at once must find it.
        open.put(seq, new Open(answer, () -> {
            if (timer[0] != null) {
                timer[0].remove();
            }
        }));
        timer[0] = events.schedule(timeout, () -> {
            Open late = open.remove(seq);
            if (late != null) {
                late.answer().completeExceptionally(new TimeoutException(unanswered.apply(timeout.toMillis())));
            }
        });
        try {
            send.accept(request.apply(seq));
        } catch (RuntimeException e) { // a request that cannot be encoded (a topic over 64 KiB): it ends here
            Open unsent = open.remove(seq);
            if (unsent != null) {
                unsent.timeout().remove();
                answer.completeExceptionally(e);
            }
        }
        return answer;
    }

    /** Reader thread: the answer to request {@code seq}; ignored when that request already ended. */
    void answered(int seq, InternalMessage message) {
        Open request = open.remove(seq);
        if (request != null) {
            request.timeout().remove();
            Answer answer = new Answer(message, System.nanoTime());
            events.executeFromIo(() -> request.answer().complete(answer));
        }
    }

    /** The worker disconnected: every open request fails with {@code why}. */
    void failAll(String why) {
        for (Integer seq : List.copyOf(open.keySet())) {
            Open request = open.remove(seq);
            if (request != null) {
                request.timeout().remove();
                events.execute(() -> request.answer().completeExceptionally(new IllegalStateException(why)));
            }
        }
    }
}
