/**
 * The "json" serialization.
 *
 * <h2>Concurrency</h2>
 * A {@link org.jcluster.ipc.json.JsonSerialization} is shared by every thread of a cluster. It holds
 * only immutable state (its options and one configured {@code JsonFactory}, which Jackson documents as
 * thread-safe once configured); every encode and decode call builds its own generator or parser and
 * keeps its working state on its own stack. The per-class caches are {@link java.lang.ClassValue}s:
 * two threads may compute the same entry at once, which is harmless because entries are immutable and
 * equal, and ClassValue publishes one of them safely.
 */
package org.jcluster.ipc.json;
