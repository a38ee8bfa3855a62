package org.jcluster.supervisor;

import org.jcluster.api.Cluster;
import org.jcluster.api.Worker;

/**
 * A worker that writes for {@link WorkerOutputTest}: two threads each print {@link #LINES} long lines to
 * stdout and to stderr at once, then one line too long for a single piece, then a last line without its
 * newline; then it exits.
 */
public final class PrintingWorkerMain {
    static final int LINES = 200;
    /** Longer than a pipe's atomic write (4 KiB), so that lines of two workers would tear if copied as read. */
    static final String PAYLOAD = "y".repeat(6000);
    static final int LONG_LINE = WorkerOutput.MAX_LINE_BYTES + 1000;

    private PrintingWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Worker me = Cluster.get().worker().orElseThrow(() -> new IllegalStateException("run me as a jcluster worker"));
        Thread[] printers = new Thread[2];
        for (int t = 0; t < printers.length; t++) {
            String name = "t" + t;
            printers[t] = new Thread(() -> {
                for (int i = 0; i < LINES; i++) {
                    System.out.println("out " + name + " " + i + " " + PAYLOAD);
                    System.err.println("err " + name + " " + i + " " + PAYLOAD);
                }
            });
            printers[t].start();
        }
        for (Thread printer : printers) {
            printer.join();
        }
        System.out.println("x".repeat(LONG_LINE));
        System.out.print("end of worker " + me.id());
        System.out.flush();
        System.exit(0);
    }
}
