/** Scheduling policy "rr". Depends on jcluster.api alone, as any third-party policy would. */
module jcluster.sched.rr {
    requires jcluster.api;
    requires org.jctools.core;
    // JCTools queues use sun.misc.Unsafe from here.
    requires jdk.unsupported;
    provides org.jcluster.api.spi.SchedulingPolicyProvider with org.jcluster.sched.rr.RoundRobinPolicyProvider;
}
