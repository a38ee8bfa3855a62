package org.jcluster.api.spi;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jcluster.api.Cluster;
import org.jcluster.api.ProviderNotFoundException;
import org.junit.jupiter.api.Test;

/** With no provider on the path (this module's tests have none), every lookup says what to add. */
class ServiceLookupTest {

    @Test
    void aMissingSerializationNamesTheModuleToAdd() {
        assertThatThrownBy(() -> ServiceLookup.serialization("advanced"))
                .isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("No serialization named \"advanced\" was found")
                .hasMessageContaining("Found: none")
                .hasMessageContaining("jcluster.ipc.advanced")
                .hasMessageContaining("org.jcluster:cluster-ipc-advanced");
    }

    @Test
    void aMissingPolicyNamesTheModuleToAdd() {
        assertThatThrownBy(() -> ServiceLookup.schedulingPolicy("none"))
                .isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("jcluster.sched.none");
    }

    @Test
    void anUnknownNameSaysNoModuleOfJclustersProvidesItAndListsTheKnownOnes() {
        assertThatThrownBy(() -> ServiceLookup.serialization("protobuf"))
                .isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("\"protobuf\"")
                .hasMessageContaining("advanced, json");
    }

    @Test
    void noImplementationNamesTheCoreModule() {
        assertThatThrownBy(Cluster::get)
                .isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("jcluster.core");
    }
}
