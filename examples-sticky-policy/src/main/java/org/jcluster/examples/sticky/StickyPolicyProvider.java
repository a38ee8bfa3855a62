package org.jcluster.examples.sticky;

import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.api.spi.SchedulingPolicyProvider;

/**
 * Provides the scheduling policy {@value #NAME}: the primary accepts each connection and hands it to
 * the worker its client address hashes to ({@link StickyDispatcher}).
 *
 * <p>ServiceLoader needs a public class with a public no-argument constructor; that is all that is
 * public in this module. It is declared twice, so that it is found wherever the jar is put: with
 * {@code provides} in {@code module-info.java} (module path) and in
 * {@code META-INF/services/org.jcluster.api.spi.SchedulingPolicyProvider} (class path).
 */
public final class StickyPolicyProvider implements SchedulingPolicyProvider {
    /** The name users select the policy by. */
    public static final String NAME = "sticky";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SchedulingPolicy create() {
        return new StickyPolicy();
    }
}
