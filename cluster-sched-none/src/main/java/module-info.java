/** Scheduling policy "none". Depends on jcluster.api alone, as any third-party policy would. */
module jcluster.sched.none {
    requires jcluster.api;

    provides org.jcluster.api.spi.SchedulingPolicyProvider with org.jcluster.sched.none.SharedPolicyProvider;
}
