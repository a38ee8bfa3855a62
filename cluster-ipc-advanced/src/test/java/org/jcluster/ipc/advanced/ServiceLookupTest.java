package org.jcluster.ipc.advanced;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;

import org.jcluster.api.spi.SerializationOptions;
import org.jcluster.api.spi.SerializationProvider;
import org.jcluster.api.spi.ServiceLookup;
import org.junit.jupiter.api.Test;

class ServiceLookupTest {

    @Test
    void foundByNameThroughServiceLoader() {
        SerializationProvider provider = ServiceLookup.serialization("advanced");
        assertThat(provider).isInstanceOf(AdvancedSerializationProvider.class);
        assertThat(provider.name()).isEqualTo("advanced");
        assertThat(provider.create(SerializationOptions.defaults()).name()).isEqualTo("advanced");
        assertThat(ServiceLookup.serializationNames()).contains("advanced");
    }

    @Test
    void moduleProvidesTheServiceAndExportsOnlyTheValueTypes() {
        Module module = AdvancedSerializationProvider.class.getModule();
        assertThat(module.getName()).isEqualTo("jcluster.ipc.advanced");
        ModuleDescriptor d = module.getDescriptor();
        assertThat(d.provides()).singleElement().satisfies(p -> {
            assertThat(p.service()).isEqualTo(SerializationProvider.class.getName());
            assertThat(p.providers()).containsExactly(AdvancedSerializationProvider.class.getName());
        });
        assertThat(d.exports()).singleElement().satisfies(e -> {
            assertThat(e.source()).isEqualTo("org.jcluster.ipc.advanced");
            assertThat(e.isQualified()).isFalse();
        });
        assertThat(d.requires()).extracting(ModuleDescriptor.Requires::name)
                .containsExactlyInAnyOrder("java.base", "jcluster.api");
    }

    @Test
    void defaultsArePinned() {
        AdvancedSerialization s = (AdvancedSerialization) new AdvancedSerializationProvider()
                .create(SerializationOptions.defaults());
        assertThat(s.toString()).contains("maxNestingDepth=256");
    }
}
