package org.jcluster.ipc.advanced;

import java.lang.reflect.Method;

/**
 * Bytes the current thread allocates, from HotSpot's com.sun.management.ThreadMXBean. Reached by
 * reflection so the module under test need not read java.management.
 */
final class Allocation {
    private static final Object BEAN;
    private static final Method ALLOCATED;

    static {
        Object bean = null;
        Method allocated = null;
        try {
            bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            allocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
            allocated.invoke(bean);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            throw new ExceptionInInitializerError("allocation measurement needs HotSpot's com.sun.management: " + e);
        }
        BEAN = bean;
        ALLOCATED = allocated;
    }

    private Allocation() {
    }

    static long current() {
        try {
            return (long) ALLOCATED.invoke(BEAN);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes allocated by {@code action} on this thread (whether it returns or throws). */
    static long of(Runnable action) {
        long before = current();
        try {
            action.run();
        } catch (RuntimeException ignored) {
            // The caller checks what was thrown separately; here only the allocation counts.
        }
        return current() - before;
    }
}
