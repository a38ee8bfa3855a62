/** Scheduling policy "rr". Depends on jcluster.api alone, as any third-party policy would. */
module jcluster.sched.rr {
    requires jcluster.api;
    provides org.jcluster.api.spi.SchedulingPolicyProvider with org.jcluster.sched.rr.RoundRobinPolicyProvider;
}
