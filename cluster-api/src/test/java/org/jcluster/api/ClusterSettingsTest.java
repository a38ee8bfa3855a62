package org.jcluster.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class ClusterSettingsTest {

    @Test
    void mergingKeepsEveryKeyTheLaterSettingsDoNotSet() {
        ClusterSettings first = ClusterSettings.builder().exec("a.Main").args(List.of("1")).silent(true).build();
        ClusterSettings merged = first.mergedWith(ClusterSettings.builder().args(List.of("2")).build());
        assertThat(merged.exec()).hasValue("a.Main");
        assertThat(merged.args()).hasValue(List.of("2"));
        assertThat(merged.silent()).hasValue(true);
        assertThat(first.args()).as("immutable").hasValue(List.of("1"));
    }

    @Test
    void emptySettingsHaveNoKey() {
        ClusterSettings empty = ClusterSettings.empty();
        assertThat(empty.isEmpty()).isTrue();
        assertThat(empty.exec()).isEmpty();
        assertThat(empty.maxFrameBytes()).isEmpty();
        assertThat(empty.messageTypes()).isEmpty();
    }

    @Test
    void badValuesAreRefusedNamingTheSettingAndWhy() {
        assertThatThrownBy(() -> ClusterSettings.builder().maxFrameBytes(100))
                .hasMessageContaining("maxFrameBytes must be at least 4096");
        assertThatThrownBy(() -> ClusterSettings.builder().debugPort(70_000))
                .hasMessageContaining("debugPort must be a TCP port");
        assertThatThrownBy(() -> ClusterSettings.builder().sendHighWaterMark(0))
                .hasMessageContaining("sendHighWaterMark must be a positive");
        assertThatThrownBy(() -> ClusterSettings.builder().serialization(" "))
                .hasMessageContaining("serialization must not be blank");
        Object local = new Object() { };
        assertThatThrownBy(() -> ClusterSettings.builder().messageTypes(List.of(local.getClass())))
                .hasMessageContaining("has no name a worker could load it by");
    }
}
