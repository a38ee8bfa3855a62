package org.jcluster.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.core.it.TestCluster.roundTrip;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.jcluster.api.Worker;
import org.jcluster.ipc.advanced.RemoteError;
import org.junit.jupiter.api.Test;

/**
 * The "advanced" serialization end to end: chosen by name in the primary and (through the
 * environment) in the worker, carrying what JSON cannot, through a real worker JVM and back.
 */
class AdvancedSerializationTest {

    /** A registered message type. */
    public record Point(long x, long y, String label) {
    }

    /** Not registered: refused at send(). */
    public record Unregistered(long value) {
    }

    private static TestCluster advancedEcho() {
        return new TestCluster(TestCluster.settings("echo").serialization("advanced")
                .messageTypes(List.of(Point.class)).build());
    }

    @Test
    void rule29_circularReferencesRoundTripAndStayCircular() {
        try (TestCluster t = advancedEcho()) {
            Worker w = t.fork();
            List<Object> selfContaining = new ArrayList<>();
            selfContaining.add("head");
            selfContaining.add(selfContaining);
            Map<String, Object> shared = new LinkedHashMap<>();
            shared.put("name", "shared");
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("cycle", selfContaining);
            message.put("a", shared);
            message.put("b", shared);

            @SuppressWarnings("unchecked")
            Map<String, Object> back = (Map<String, Object>) roundTrip(w, message);
            List<?> cycle = (List<?>) back.get("cycle");
            assertThat(cycle.get(0)).isEqualTo("head");
            assertThat(cycle.get(1)).isSameAs(cycle);
            assertThat(back.get("a")).isSameAs(back.get("b")).isEqualTo(shared);
        }
    }

    @Test
    void whatJsonCannotCarryArrivesIntact() {
        try (TestCluster t = advancedEcho()) {
            Worker w = t.fork();
            byte[] bytes = new byte[1 << 20];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 31);
            }
            assertThat((byte[]) roundTrip(w, bytes)).isEqualTo(bytes);
            UUID id = UUID.randomUUID();
            Map<Object, Object> mixed = new LinkedHashMap<>();
            mixed.put(1L, "integer key");
            mixed.put("big", new BigInteger("123456789012345678901234567890"));
            mixed.put("decimal", new BigDecimal("0.1000"));
            mixed.put("nan", Double.NaN);
            mixed.put("when", Instant.parse("2026-11-22T04:00:00.123456789Z"));
            mixed.put("id", id);
            mixed.put("set", Set.of("only"));
            mixed.put("point", new Point(3, -4, "registered"));
            assertThat(roundTrip(w, mixed)).isEqualTo(mixed);
            Object error = roundTrip(w, new IllegalStateException("boom", new RuntimeException("root")));
            assertThat(error).isInstanceOf(RemoteError.class);
            assertThat(((RemoteError) error).message()).isEqualTo("boom");
            assertThat(((RemoteError) error).cause().message()).isEqualTo("root");
        }
    }

    @Test
    void garbageInAnAdvancedFrameClosesOnlyThatWorkersChannel() {
        // 20 bytes of 0x7b: CBOR for a 27-byte text string, cut short. A clear error, that worker's
        // channel closed, another worker unharmed.
        BadInputTest.assertBadFrameClosesOnlyItsSender(TestCluster.settings("echo").serialization("advanced"),
                "advanced serialization cannot read", "raw-frame", "1", "20");
    }

    @Test
    void anUnregisteredTypeIsRefusedAtSendNamingIt() {
        try (TestCluster t = advancedEcho()) {
            Worker w = t.fork();
            assertThatThrownBy(() -> w.send(new Unregistered(1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Unregistered.class.getName());
            assertThat(roundTrip(w, "still fine")).isEqualTo("still fine");
        }
    }
}
