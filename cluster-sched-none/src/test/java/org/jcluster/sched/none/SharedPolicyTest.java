package org.jcluster.sched.none;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.module.ModuleDescriptor;
import java.time.Duration;

import org.jcluster.api.AddressType;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.Registration;
import org.jcluster.api.Worker;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.PendingConnection;
import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.api.spi.SchedulingPolicyProvider;
import org.jcluster.api.spi.ServiceLookup;
import org.junit.jupiter.api.Test;

class SharedPolicyTest {

    @Test
    void foundByNameThroughServiceLoader() {
        SchedulingPolicyProvider provider = ServiceLookup.schedulingPolicy("none");
        assertThat(provider).isInstanceOf(SharedPolicyProvider.class);
        assertThat(provider.name()).isEqualTo("none");
        assertThat(provider.create().name()).isEqualTo("none");
    }

    @Test
    void workersAcceptThemselvesSoThereIsNoDispatcher() {
        SchedulingPolicy policy = new SharedPolicyProvider().create();
        assertThat(policy.primaryAccepts()).isFalse();
        DispatchContext context = new DispatchContext() {
            @Override
            public ListenAddress address() {
                return new ListenAddress("127.0.0.1", 8000, AddressType.TCP4);
            }

            @Override
            public boolean handOff(Worker worker, PendingConnection connection) {
                throw new AssertionError("never called");
            }

            @Override
            public Registration schedule(Duration delay, Runnable task) {
                throw new AssertionError("never called");
            }
        };
        assertThatThrownBy(() -> policy.newDispatcher(context)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("none");
    }

    @Test
    void moduleProvidesThePolicyAndNeedsOnlyTheApi() {
        Module module = SharedPolicyProvider.class.getModule();
        assertThat(module.getName()).isEqualTo("jcluster.sched.none");
        ModuleDescriptor d = module.getDescriptor();
        assertThat(d.provides()).singleElement().satisfies(p -> {
            assertThat(p.service()).isEqualTo(SchedulingPolicyProvider.class.getName());
            assertThat(p.providers()).containsExactly(SharedPolicyProvider.class.getName());
        });
        assertThat(d.exports()).isEmpty();
        assertThat(d.requires()).extracting(ModuleDescriptor.Requires::name)
                .containsExactlyInAnyOrder("java.base", "jcluster.api");
    }
}
