package org.jcluster.supervisor;

import java.time.Duration;
import java.util.List;

/**
 * How a reload ended; {@link Supervisor#reload()} completes with it.
 *
 * @param number the reload's {@link ReloadStarted#number()}; 0 when it never started
 * @param outcome how it ended
 * @param steps the workers it replaced, in order
 * @param took from its start to its end
 * @param message what happened, naming the step that failed and why, when one did
 */
public record ReloadReport(int number, Outcome outcome, List<ReloadStep> steps, Duration took, String message) {
    public ReloadReport {
        steps = List.copyOf(steps);
    }

    /** How a reload ended. */
    public enum Outcome {
        /** Every worker it was to replace was replaced. */
        DONE,
        /**
         * A replacement exited or missed its readiness deadline: it was killed, the reload stopped, and the
         * workers not yet replaced kept serving. The steps before it stay done.
         */
        ROLLED_BACK,
        /** A shutdown began first, or during it; what was not replaced was left to the shutdown. */
        STOPPED
    }

    /** True when every worker was replaced. */
    public boolean done() {
        return outcome == Outcome.DONE;
    }
}
