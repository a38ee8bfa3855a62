package org.jcluster.ipc.json;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.ipc.json.JsonRoundTripTest.mapOf;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.junit.jupiter.api.Test;

class JsonRefusalTest {

    private final Serialization json = new JsonSerializationProvider().create(SerializationOptions.defaults());

    record Holder(Object value) {}

    record Faulty(int x) {
        @Override
        public int x() {
            throw new IllegalStateException("no x today");
        }
    }

    @Test
    void nanAndInfinityAreRefusedPointingToAdvanced() {
        assertThatThrownBy(() -> json.encode(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Double NaN")
                .hasMessageContaining("(at $)")
                .hasMessageContaining("JSON has no NaN or Infinity")
                .hasMessageContaining("\"advanced\"");
        assertThatThrownBy(() -> json.encode(mapOf("ratio", Float.POSITIVE_INFINITY)))
                .hasMessageContaining("Float Infinity")
                .hasMessageContaining("(at $.ratio)");
        assertThatThrownBy(() -> json.encode(List.of(1, new double[] {1, Double.NEGATIVE_INFINITY})))
                .hasMessageContaining("double -Infinity")
                .hasMessageContaining("(at $[1][1])");
        assertThatThrownBy(() -> json.encode(new float[] {Float.NaN}))
                .hasMessageContaining("float NaN")
                .hasMessageContaining("(at $[0])");
    }

    @Test
    void nonStringKeysAreRefusedNamingTheKeyType() {
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put("fine", 1);
        m.put(12, "twelve");
        assertThatThrownBy(() -> json.encode(mapOf("data", m)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("map key of type java.lang.Integer (key 12)")
                .hasMessageContaining("(at $.data)")
                .hasMessageContaining("JSON object keys are strings")
                .hasMessageContaining("\"advanced\"");
        Map<String, Object> nullKey = new HashMap<>();
        nullKey.put(null, 1);
        assertThatThrownBy(() -> json.encode(nullKey))
                .hasMessageContaining("null key")
                .hasMessageContaining("(at $)");
    }

    @Test
    void unsupportedTypesAreNamedWithThePathAndTheFix() {
        assertThatThrownBy(() -> json.encode(mapOf("workers", List.of("a", new Holder(Thread.currentThread())))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Cannot send java.lang.Thread as JSON")
                .hasMessageContaining("(at $.workers[1].value)")
                .hasMessageContaining("records")
                .hasMessageContaining("\"advanced\"");
        assertThatThrownBy(() -> json.encode(Optional.of(1)))
                .hasMessageContaining("java.util.Optional");
        Runnable lambda = () -> { };
        assertThatThrownBy(() -> json.encode(lambda))
                .hasMessageContaining("a lambda or generated class");
        assertThatThrownBy(() -> json.encode(mapOf("odd key\"", new Object())))
                .hasMessageContaining("(at $[\"odd key\\\"\"])");
    }

    @Test
    void unusualNumberTypesAreRefusedSuggestingAStandardOne() {
        assertThatThrownBy(() -> json.encode(new AtomicLong(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.util.concurrent.atomic.AtomicLong")
                .hasMessageContaining("longValue()");
    }

    @Test
    void numbersTooLongToParseAreRefused() {
        assertThatThrownBy(() -> json.encode(BigInteger.TEN.pow(1000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BigInteger of 1001 characters")
                .hasMessageContaining("Send it as a string");
        assertThatThrownBy(() -> json.encode(new BigDecimal(BigInteger.TEN.pow(1000), 3)))
                .hasMessageContaining("BigDecimal of 1002 characters");
    }

    @Test
    void circularReferencesAreRefusedNamingBothEnds() {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> child = new LinkedHashMap<>();
        root.put("child", child);
        child.put("list", new ArrayList<>(List.of(1, root)));
        assertThatThrownBy(() -> json.encode(root))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("circular reference")
                .hasMessageContaining("java.util.LinkedHashMap at $.child.list[1] is the same object as its ancestor at $.")
                .hasMessageContaining("JSON cannot carry cycles")
                .hasMessageContaining("\"advanced\"");

        List<Object> self = new ArrayList<>();
        self.add(self);
        assertThatThrownBy(() -> json.encode(self))
                .hasMessageContaining("java.util.ArrayList at $[0] is the same object as its ancestor at $.");

        Object[] array = new Object[1];
        array[0] = List.of((Object) array);
        assertThatThrownBy(() -> json.encode(mapOf("a", array)))
                .hasMessageContaining("java.lang.Object[] at $.a[0][0] is the same object as its ancestor at $.a.");
    }

    @Test
    void sharedButAcyclicValuesAreWrittenTwice() {
        List<Object> shared = List.of(1);
        org.assertj.core.api.Assertions.assertThat(new String(json.encode(List.of(shared, shared))))
                .isEqualTo("[[1],[1]]");
    }

    @Test
    void nestingDeeperThanTheLimitIsRefused() {
        Serialization shallow = new JsonSerialization(new SerializationOptions(List.of(), 3));
        assertThatThrownBy(() -> shallow.encode(List.of(List.of(List.of(List.of())))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nests deeper than the limit of 3 levels")
                .hasMessageContaining("(at $[0][0][0])")
                .hasMessageContaining("maxNestingDepth");
        assertThatThrownBy(() -> shallow.encode(List.of(List.of(List.of(new int[0])))))
                .hasMessageContaining("nests deeper than the limit of 3 levels");
        assertThatThrownBy(() -> shallow.encode(List.of(List.of(List.of(new RuntimeException())))))
                .hasMessageContaining("nests deeper than the limit of 3 levels");
    }

    @Test
    void veryDeepNestingGivesAShortPath() {
        Object deep = "leaf";
        for (int i = 0; i < 300; i++) {
            deep = List.of(deep);
        }
        Object value = deep;
        assertThatThrownBy(() -> json.encode(value))
                .hasMessageContaining("nests deeper than the limit of 256 levels")
                .hasMessageContaining("(at $[0][0][0][0][0][0][0][0]...(244 more levels)...[0][0][0][0])");
    }

    @Test
    void anAccessorThatThrowsIsReportedWithItsCause() {
        assertThatThrownBy(() -> json.encode(List.of(new Faulty(1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("The accessor " + Faulty.class.getName() + ".x() threw")
                .hasMessageContaining("no x today")
                .hasMessageContaining("(at $[0].x)")
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRefusedMessageLeavesTheSerializationUsable() {
        assertThatThrownBy(() -> json.encode(List.of(1, 2, Double.NaN)));
        org.assertj.core.api.Assertions.assertThat(new String(json.encode(List.of(1, 2)))).isEqualTo("[1,2]");
    }
}
