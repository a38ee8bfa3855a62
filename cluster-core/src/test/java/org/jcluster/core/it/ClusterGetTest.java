package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jcluster.api.Cluster;
import org.jcluster.api.ProviderNotFoundException;
import org.jcluster.api.spi.ServiceLookup;
import org.junit.jupiter.api.Test;

/** Cluster.get() finds its provider once: ServiceLoader makes a new provider object on every scan. */
class ClusterGetTest {

    @Test
    void theProviderIsLookedUpOnceAndAFailureIsNotRemembered() {
        assertThat(ServiceLookup.clusterProvider()).as("the same provider object, not a new scan")
                .isSameAs(ServiceLookup.clusterProvider());
        assertThat(Cluster.get()).isSameAs(Cluster.get());
        String property = ServiceLookup.CLUSTER_PROVIDER_PROPERTY;
        System.setProperty(property, "com.example.NoSuchProvider");
        try {
            assertThatThrownBy(Cluster::get).isInstanceOf(ProviderNotFoundException.class)
                    .hasMessageContaining("com.example.NoSuchProvider");
        } finally {
            System.clearProperty(property);
        }
        assertThat(Cluster.get()).as("found again once the property is gone").isNotNull();
    }
}
