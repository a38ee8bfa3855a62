package org.jcluster.sched.rr;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;

import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.api.spi.SchedulingPolicyProvider;
import org.jcluster.api.spi.ServiceLookup;
import org.jcluster.testkit.RecordingContext;
import org.junit.jupiter.api.Test;

class RoundRobinPolicyTest {

    @Test
    void foundByNameThroughServiceLoader() {
        SchedulingPolicyProvider provider = ServiceLookup.schedulingPolicy("rr");
        assertThat(provider).isInstanceOf(RoundRobinPolicyProvider.class);
        assertThat(provider.name()).isEqualTo("rr");
        SchedulingPolicy policy = provider.create();
        assertThat(policy.name()).isEqualTo("rr");
        assertThat(policy.primaryAccepts()).isTrue();
        assertThat(policy.newDispatcher(new RecordingContext())).isInstanceOf(RoundRobinDispatcher.class);
    }

    @Test
    void eachServerGetsItsOwnDispatcher() {
        SchedulingPolicy policy = new RoundRobinPolicy();
        assertThat(policy.newDispatcher(new RecordingContext())).isNotSameAs(policy.newDispatcher(new RecordingContext()));
    }

    @Test
    void moduleProvidesThePolicyAndExportsNothing() {
        Module module = RoundRobinPolicyProvider.class.getModule();
        assertThat(module.getName()).isEqualTo("jcluster.sched.rr");
        ModuleDescriptor d = module.getDescriptor();
        assertThat(d.provides()).singleElement().satisfies(p -> {
            assertThat(p.service()).isEqualTo(SchedulingPolicyProvider.class.getName());
            assertThat(p.providers()).containsExactly(RoundRobinPolicyProvider.class.getName());
        });
        assertThat(d.exports()).isEmpty();
    }
}
