package org.jcluster.examples.unmodified;

/** A program that fails in its main, as one with a missing setting does: what the crash-loop breaker is for. */
public final class CrashingMain {
    private CrashingMain() {
    }

    public static void main(String[] args) {
        throw new IllegalStateException("no database configured: set SHOP_DB_URL");
    }
}
