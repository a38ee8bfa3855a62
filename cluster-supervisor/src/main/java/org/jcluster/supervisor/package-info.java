/**
 * A supervisor that keeps a jcluster service up: {@link org.jcluster.supervisor.Supervisor}, its
 * {@link org.jcluster.supervisor.SupervisorSettings}, and the {@link org.jcluster.supervisor.SupervisorEvent}s
 * that report each of its decisions; {@link org.jcluster.supervisor.WorkerOutput} merges the workers' output
 * into the primary's, line by line. See {@code docs/supervisor.md}.
 */
package org.jcluster.supervisor;
