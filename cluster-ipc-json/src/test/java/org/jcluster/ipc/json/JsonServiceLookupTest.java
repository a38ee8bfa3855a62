package org.jcluster.ipc.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;

import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.jcluster.api.spi.SerializationProvider;
import org.jcluster.api.spi.ServiceLookup;
import org.junit.jupiter.api.Test;

class JsonServiceLookupTest {

    @Test
    void serviceLookupFindsJson() {
        SerializationProvider provider = ServiceLookup.serialization("json");

        assertThat(provider).isInstanceOf(JsonSerializationProvider.class);
        assertThat(ServiceLookup.serializationNames()).contains("json");
        Serialization json = provider.create(SerializationOptions.defaults());
        assertThat(json.name()).isEqualTo("json");
        assertThat(json.decode(ByteBuffer.wrap(json.encode(List.of("ok"))))).isEqualTo(List.of("ok"));
    }

    @Test
    void theProviderIsDeclaredForTheModulePathAndTheClassPath() throws Exception {
        Module module = JsonSerializationProvider.class.getModule();
        assertThat(module.isNamed()).as("tests run on the module path").isTrue();
        assertThat(module.getDescriptor().provides())
                .anySatisfy(p -> {
                    assertThat(p.service()).isEqualTo(SerializationProvider.class.getName());
                    assertThat(p.providers()).containsExactly(JsonSerializationProvider.class.getName());
                });
        assertThat(module.getDescriptor().exports()).as("nothing exported: found by ServiceLoader only").isEmpty();
        try (var in = module.getResourceAsStream("META-INF/services/" + SerializationProvider.class.getName())) {
            assertThat(in).as("META-INF/services entry for the class path").isNotNull();
            assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim())
                    .isEqualTo(JsonSerializationProvider.class.getName());
        }
    }

    @Test
    void optionsAreKept() {
        SerializationOptions options = new SerializationOptions(List.of(String.class), 9);
        JsonSerialization json = (JsonSerialization) new JsonSerializationProvider().create(options);
        assertThat(json.options()).isEqualTo(options);
        assertThat(json).hasToString("JsonSerialization[maxNestingDepth=9]");
    }
}
