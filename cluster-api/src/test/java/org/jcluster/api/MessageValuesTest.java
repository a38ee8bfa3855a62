package org.jcluster.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;

import org.jcluster.api.MessageValues.ConversionException;
import org.junit.jupiter.api.Test;

class MessageValuesTest {

    enum Side { BUY, SELL }

    record Item(String sku, int quantity) {}

    record Order(long id, Side side, List<Item> items, Optional<String> note) {}

    record Numbers(byte b, short s, int i, long l, float f, double d, BigInteger big, BigDecimal dec, char c,
            Integer boxed, boolean flag) {}

    record Arrays2(int[] ints, String[] strings, Item[] items, double[][] grid) {}

    record Collections2(Set<String> tags, NavigableSet<Long> sorted, Map<String, Item> byName,
            SortedMap<Integer, String> byNumber, Map<Side, Integer> bySide, ArrayList<String> concrete) {}

    record Box<T>(T value, List<T> values) {}

    record Holder(Box<Item> box) {}

    record Checked(int positive) {
        Checked {
            if (positive <= 0) {
                throw new IllegalArgumentException("positive must be > 0, got " + positive);
            }
        }
    }

    record ErrorInfo(String name, String message, String code) {}

    record Node(String name, List<Node> children) {}

    /** A map as a serialization decodes it: insertion-ordered, String keys. */
    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    @Test
    void buildsNestedRecordsFromDecodedMaps() {
        Object decoded = map("id", 7L, "side", "SELL",
                "items", List.of(map("sku", "a", "quantity", 2L), map("sku", "b", "quantity", 3L)),
                "note", "rush", "ignored", true);

        Order order = MessageValues.convert(decoded, Order.class);

        assertThat(order).isEqualTo(new Order(7, Side.SELL, List.of(new Item("a", 2), new Item("b", 3)),
                Optional.of("rush")));
    }

    @Test
    void absentOrNullFieldsGiveNullOrEmptyOptional() {
        Order order = MessageValues.convert(map("id", 1L, "side", null, "items", null), Order.class);

        assertThat(order).isEqualTo(new Order(1, null, null, Optional.empty()));
    }

    @Test
    void narrowsNumbersWithinRange() {
        Object decoded = map("b", -128L, "s", 32767L, "i", 3.0, "l", Long.MAX_VALUE, "f", 0.5, "d", 2L,
                "big", new BigInteger("123456789012345678901234567890"), "dec", 0.1, "c", "x", "boxed", 5L,
                "flag", true);

        Numbers n = MessageValues.convert(decoded, Numbers.class);

        assertThat(n).isEqualTo(new Numbers((byte) -128, (short) 32767, 3, Long.MAX_VALUE, 0.5f, 2.0,
                new BigInteger("123456789012345678901234567890"), new BigDecimal("0.1"), 'x', 5, true));
    }

    @Test
    void scalarTargetsConvertDirectly() {
        assertThat(MessageValues.convert(42L, int.class)).isEqualTo(42);
        assertThat(MessageValues.convert(42L, Short.class)).isEqualTo((short) 42);
        assertThat(MessageValues.convert(new BigDecimal("12.000"), long.class)).isEqualTo(12L);
        assertThat(MessageValues.convert(Long.MIN_VALUE, BigInteger.class)).isEqualTo(BigInteger.valueOf(Long.MIN_VALUE));
        assertThat(MessageValues.convert(1e20, BigInteger.class)).isEqualTo(new BigInteger("100000000000000000000"));
        assertThat(MessageValues.convert(3L, double.class)).isEqualTo(3.0);
        assertThat(MessageValues.convert("BUY", Side.class)).isEqualTo(Side.BUY);
        assertThat(MessageValues.convert("text", Object.class)).isEqualTo("text");
        assertThat(MessageValues.convert(null, String.class)).isNull();
        Object empty = MessageValues.convert(null, Optional.class);
        assertThat(empty).isEqualTo(Optional.empty());
    }

    @Test
    void valuesOfTheRequestedClassComeBackAsTheyAre() {
        Map<String, Object> m = map("a", 1L);
        Item item = new Item("x", 1);

        Object same = MessageValues.convert(m, Map.class);
        assertThat(same).isSameAs(m);
        assertThat(MessageValues.convert(item, Item.class)).isSameAs(item);
    }

    @Test
    void convertsListsToArraysIncludingPrimitiveAndNested() {
        Object decoded = map("ints", List.of(1L, 2L), "strings", List.of("a", "b"),
                "items", List.of(map("sku", "s", "quantity", 1L)), "grid", List.of(List.of(1.5, 2L), List.of()));

        Arrays2 a = MessageValues.convert(decoded, Arrays2.class);

        assertThat(a.ints()).containsExactly(1, 2);
        assertThat(a.strings()).containsExactly("a", "b");
        assertThat(a.items()).containsExactly(new Item("s", 1));
        assertThat(a.grid()).isDeepEqualTo(new double[][] {{1.5, 2.0}, {}});
    }

    @Test
    void convertsCollectionsAndMapsWithTypedKeys() {
        Object decoded = map("tags", List.of("b", "a", "b"), "sorted", List.of(3L, 1L, 2L),
                "byName", map("x", map("sku", "x", "quantity", 1L)), "byNumber", map("10", "ten", "2", "two"),
                "bySide", map("SELL", 1L), "concrete", List.of("c"));

        Collections2 c = MessageValues.convert(decoded, Collections2.class);

        assertThat(c.tags()).containsExactly("b", "a");
        assertThat(c.sorted()).containsExactly(1L, 2L, 3L);
        assertThat(c.byName()).containsExactly(Map.entry("x", new Item("x", 1)));
        assertThat(c.byNumber()).containsExactly(Map.entry(2, "two"), Map.entry(10, "ten"));
        assertThat(c.bySide()).containsExactly(Map.entry(Side.SELL, 1));
        assertThat(c.concrete()).isInstanceOf(ArrayList.class).containsExactly("c");
    }

    @Test
    void interfaceCollectionTargetsAreUnmodifiable() {
        Collections2 c = MessageValues.convert(map("tags", List.of("a"), "byName", map()), Collections2.class);

        assertThatThrownBy(() -> c.tags().add("b")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.byName().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void resolvesGenericRecordComponentsFromTheRequestedType() {
        Object decoded = map("box", map("value", map("sku", "v", "quantity", 1L),
                "values", List.of(map("sku", "w", "quantity", 2L))));

        Holder h = MessageValues.convert(decoded, Holder.class);

        assertThat(h.box()).isEqualTo(new Box<>(new Item("v", 1), List.of(new Item("w", 2))));
    }

    @Test
    void convertsToGenericTypes() {
        Type boxOfItem = Holder.class.getRecordComponents()[0].getGenericType();
        Object box = MessageValues.convert(map("value", map("sku", "v", "quantity", 9L)), boxOfItem);

        assertThat(box).isEqualTo(new Box<>(new Item("v", 9), null));
    }

    @Test
    void readsTheFieldsItWantsFromAnErrorMap() {
        Object decoded = map("name", "java.nio.file.AccessDeniedException", "message", "/etc/shadow",
                "code", "EACCES", "stack", "java.nio.file.AccessDeniedException: /etc/shadow\n\tat ...");

        assertThat(MessageValues.convert(decoded, ErrorInfo.class))
                .isEqualTo(new ErrorInfo("java.nio.file.AccessDeniedException", "/etc/shadow", "EACCES"));
    }

    @Test
    void recursiveRecords() {
        Object decoded = map("name", "root", "children", List.of(map("name", "leaf", "children", List.of())));

        assertThat(MessageValues.convert(decoded, Node.class))
                .isEqualTo(new Node("root", List.of(new Node("leaf", List.of()))));
    }

    // ---------------------------------------------------------------- errors

    @Test
    void outOfRangeNamesThePathAndTheRange() {
        Object decoded = map("id", 1L, "side", "BUY",
                "items", List.of(map("sku", "a", "quantity", 1L), map("sku", "b", "quantity", 3_000_000_000L)));

        assertThatThrownBy(() -> MessageValues.convert(decoded, Order.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("$.items[1].quantity")
                .hasMessageContaining("3000000000")
                .hasMessageContaining("out of int range [-2147483648, 2147483647]")
                .satisfies(e -> assertThat(((ConversionException) e).path()).isEqualTo("$.items[1].quantity"));
    }

    @Test
    void fractionIntoAnIntegerIsRefused() {
        assertThatThrownBy(() -> MessageValues.convert(map("sku", "a", "quantity", 2.5), Item.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("$.quantity")
                .hasMessageContaining("2.5")
                .hasMessageContaining("not a whole number");
    }

    @Test
    void floatOutOfRangeIsRefused() {
        assertThatThrownBy(() -> MessageValues.convert(1e300, float.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("beyond float's range");
    }

    @Test
    void unknownEnumNameListsTheConstants() {
        assertThatThrownBy(() -> MessageValues.convert(map("id", 1L, "side", "HOLD"), Order.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("$.side")
                .hasMessageContaining("\"HOLD\"")
                .hasMessageContaining("BUY, SELL");
    }

    @Test
    void missingAndNullPrimitivesAreRefusedDifferently() {
        assertThatThrownBy(() -> MessageValues.convert(map("sku", "a"), Item.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("$.quantity")
                .hasMessageContaining("missing")
                .hasMessageContaining("Integer or Optional");
        assertThatThrownBy(() -> MessageValues.convert(map("sku", "a", "quantity", null), Item.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("$.quantity")
                .hasMessageContaining("got null");
    }

    @Test
    void wrongShapeNamesWhatWasExpected() {
        assertThatThrownBy(() -> MessageValues.convert("not a map", Item.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("at $,")
                .hasMessageContaining("a map of " + Item.class.getName() + "'s components")
                .hasMessageContaining("\"not a map\" (String)");
        assertThatThrownBy(() -> MessageValues.convert(map("sku", 5L, "quantity", 1L), Item.class))
                .hasMessageContaining("$.sku")
                .hasMessageContaining("expected a string but got 5 (java.lang.Long)");
        assertThatThrownBy(() -> MessageValues.convert(map("ints", "x"), Arrays2.class))
                .hasMessageContaining("$.ints")
                .hasMessageContaining("expected a list");
    }

    @Test
    void pathsThroughMapsQuoteOddKeys() {
        Type type = Collections2.class.getRecordComponents()[2].getGenericType();
        assertThatThrownBy(() -> MessageValues.convert(map("odd key", map("sku", "x", "quantity", "one")), type))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("$[\"odd key\"].quantity");
    }

    @Test
    void constructorRefusalIsReportedWithItsCause() {
        assertThatThrownBy(() -> MessageValues.convert(map("positive", -1L), Checked.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("the constructor of " + Checked.class.getName() + " refused the values")
                .hasMessageContaining("positive must be > 0, got -1")
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unsupportedTargetsSayWhatIsSupported() {
        assertThatThrownBy(() -> MessageValues.convert("x", Thread.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("expected java.lang.Thread")
                .hasMessageContaining("only records, enums");
    }

    @Test
    void circularDataIntoARecursiveRecordStopsWithAClearError() {
        Map<String, Object> node = map("name", "loop");
        node.put("children", List.of(node));

        assertThatThrownBy(() -> MessageValues.convert(node, Node.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("deeper than " + MessageValues.MAX_DEPTH)
                .hasMessageContaining("circular");
    }

    @Test
    void sortedSetTargetOfUncomparableElementsIsRefused() {
        record Holder2(NavigableSet<Object> set) {}
        assertThatThrownBy(() -> MessageValues.convert(map("set", List.of(map(), map())), Holder2.class))
                .isInstanceOf(ConversionException.class)
                .hasMessageContaining("$.set[0]");
        assertThat(MessageValues.convert(map("set", List.of("b", "a")), Holder2.class).set())
                .isInstanceOf(NavigableSet.class).containsExactly("a", "b");
    }
}
