package org.jcluster.core.it;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jcluster.api.Worker;
import org.jcluster.api.WorkerEvent;
import org.jcluster.testkit.WorkerJvms;

/** The primary's end of a {@link ServerAgent} worker: commands out, answers back, with deadlines. */
final class Agent {
    final Worker worker;
    private final List<Map<String, Object>> inbox = new ArrayList<>();

    @SuppressWarnings("unchecked")
    Agent(Worker worker) {
        this.worker = worker;
        worker.on(WorkerEvent.MESSAGE, m -> {
            synchronized (inbox) {
                inbox.add((Map<String, Object>) m);
                inbox.notifyAll();
            }
        });
    }

    /** Forks an agent and waits until it is ready for commands. */
    static Agent start(TestCluster t) {
        Agent a = new Agent(t.fork());
        a.next("ready");
        return a;
    }

    int id() {
        return worker.id();
    }

    /** Sends a command and returns its answer (or the error answer). */
    Map<String, Object> ask(Map<String, Object> command) {
        worker.send(command);
        return next((String) command.get("op"));
    }

    /** Like {@link #ask}, failing the test on an error answer. */
    Map<String, Object> must(Map<String, Object> command) {
        Map<String, Object> answer = ask(command);
        if ("error".equals(answer.get("op"))) {
            throw new AssertionError("worker " + id() + " failed " + command + ": " + answer);
        }
        return answer;
    }

    /** The next message with this op (or an error), waiting up to the deadline. */
    Map<String, Object> next(String op) {
        long deadline = System.nanoTime() + WorkerJvms.DEADLINE.toNanos();
        synchronized (inbox) {
            while (true) {
                for (Iterator<Map<String, Object>> it = inbox.iterator(); it.hasNext(); ) {
                    Map<String, Object> m = it.next();
                    if (op.equals(m.get("op")) || "error".equals(m.get("op"))) {
                        it.remove();
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("worker " + id() + " sent no '" + op + "' within " + WorkerJvms.DEADLINE
                            + "; it sent " + inbox);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(inbox, left);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    static int port(Map<String, Object> answer) {
        return ((Number) answer.get("port")).intValue();
    }

    static int server(Map<String, Object> answer) {
        return ((Number) answer.get("server")).intValue();
    }
}
