/**
 * What the project's tests share: {@link org.jcluster.testkit.WorkerJvms} (worker JVMs on the test's class
 * path, the one deadline), and {@link org.jcluster.testkit.RecordingContext}, {@link
 * org.jcluster.testkit.TestWorkers} and {@link org.jcluster.testkit.TestConnection} for a dispatcher's unit
 * tests. Taken in test scope only, and not published.
 */
module jcluster.testkit {
    requires transitive jcluster.api;
    exports org.jcluster.testkit;
}
