package org.jcluster.ipc.advanced;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jcluster.ipc.advanced.Fixtures.ADVANCED;
import static org.jcluster.ipc.advanced.Fixtures.decode;
import static org.jcluster.ipc.advanced.Fixtures.hex;
import static org.jcluster.ipc.advanced.Fixtures.roundTrip;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jcluster.api.spi.MalformedMessageException;
import org.jcluster.ipc.advanced.Fixtures.Node;
import org.jcluster.ipc.advanced.Fixtures.Point;
import org.junit.jupiter.api.Test;

/** Node rule 29: shared and circular references survive, and identity is kept within one message. */
class SharingTest {

    @Test
    void listContainingItself() {
        List<Object> list = new ArrayList<>();
        list.add("head");
        list.add(list);
        byte[] encoded = ADVANCED.encode(list);
        // 28(["head", 29(0)])
        assertThat(hex(encoded)).isEqualTo("d81c" + "82" + "6468656164" + "d81d00");
        List<?> back = (List<?>) decode(encoded);
        assertThat(back.get(0)).isEqualTo("head");
        assertThat(back.get(1)).isSameAs(back);
        assertThat(Deep.difference(list, back)).isNull();
    }

    @Test
    void mapReferencingItself() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("name", "root");
        map.put("self", map);
        map.put("children", List.of(map, "leaf"));
        Map<?, ?> back = (Map<?, ?>) roundTrip(map);
        assertThat(back.get("self")).isSameAs(back);
        assertThat(((List<?>) back.get("children")).get(0)).isSameAs(back);
        assertThat(Deep.difference(map, back)).isNull();
    }

    @Test
    void mutualCycle() {
        Map<String, Object> a = new LinkedHashMap<>();
        Map<String, Object> b = new LinkedHashMap<>();
        a.put("b", b);
        b.put("a", a);
        List<?> back = (List<?>) roundTrip(List.of(a, b));
        Map<?, ?> backA = (Map<?, ?>) back.get(0);
        Map<?, ?> backB = (Map<?, ?>) back.get(1);
        assertThat(backA.get("b")).isSameAs(backB);
        assertThat(backB.get("a")).isSameAs(backA);
    }

    @Test
    void sharedSubObjectsStayShared() {
        List<Object> shared = new ArrayList<>(List.of(1L, 2L));
        byte[] blob = {1, 2, 3};
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("first", shared);
        message.put("second", shared);
        message.put("nested", List.of(Map.of("again", shared)));
        message.put("blob1", blob);
        message.put("blob2", blob);
        Map<?, ?> back = (Map<?, ?>) roundTrip(message);
        assertThat(back.get("second")).isSameAs(back.get("first"));
        assertThat(((Map<?, ?>) ((List<?>) back.get("nested")).get(0)).get("again")).isSameAs(back.get("first"));
        assertThat(back.get("blob2")).isSameAs(back.get("blob1"));
        assertThat(Deep.difference(message, back)).isNull();
    }

    @Test
    void unsharedObjectsPayNothing() {
        byte[] encoded = ADVANCED.encode(List.of(List.of(1L), List.of(1L)));
        assertThat(hex(encoded)).isEqualTo("82" + "8101" + "8101");
        Object back = decode(encoded);
        assertThat(((List<?>) back).get(0)).isNotSameAs(((List<?>) back).get(1));
    }

    @Test
    void sharedRecordsKeepIdentity() {
        Point p = new Point(1, 2);
        List<?> back = (List<?>) roundTrip(List.of(p, p, new Point(1, 2)));
        assertThat(back.get(1)).isSameAs(back.get(0));
        assertThat(back.get(2)).isNotSameAs(back.get(0)).isEqualTo(back.get(0));
    }

    @Test
    void cycleThroughAListInsideARecordIsRefused() {
        List<Object> children = new ArrayList<>();
        Node node = new Node("n", children);
        children.add(node);
        assertThatThrownBy(() -> ADVANCED.encode(node))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contains itself")
                .hasMessageContaining("at message.children[0]");
        // A cycle of lists and maps next to the record is fine.
        List<Object> loop = new ArrayList<>();
        loop.add(loop);
        Node ok = new Node("ok", List.of(loop, loop));
        Node back = (Node) roundTrip(ok);
        assertThat(back.children().get(0)).isSameAs(back.children().get(1));
    }

    @Test
    void sharedObjectsInsideKeysAreWrittenAsCopies() {
        List<Object> key = List.of(1L, 2L);
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put(key, "first");
        map.put("value", key);
        Map<?, ?> back = (Map<?, ?>) roundTrip(map);
        assertThat(back.get(List.of(1L, 2L))).isEqualTo("first");
        assertThat(back.get("value")).isEqualTo(List.of(1L, 2L));
        Set<Object> set = new HashSet<>();
        set.add(key);
        List<?> pair = (List<?>) roundTrip(List.of(set, key, key));
        assertThat(pair.get(2)).isSameAs(pair.get(1));
        assertThat(pair.get(0)).isEqualTo(Set.of(List.of(1L, 2L)));
    }

    @Test
    void keyContainingItselfIsRefused() {
        List<Object> key = new ArrayList<>();
        key.add("k");
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put(key, 1L);
        key.add(key); // the key's hash is now broken in Java too; sending it must fail clearly
        assertThatThrownBy(() -> ADVANCED.encode(map))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contains itself");
    }

    @Test
    void decoderRefusesReferencesItCannotRebuild() {
        // 29(0) with no 28 before it.
        assertThatThrownBy(() -> decode(hex("d81d00")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("byte 0")
                .hasMessageContaining("only 0 shareable values");
        // [28("a"), 29(1)]: index 1 is not defined yet.
        assertThatThrownBy(() -> decode(hex("82 d81c6161 d81d01")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("byte 5");
        // A set whose element refers to the set: 28(258([29(0)]))
        assertThatThrownBy(() -> decode(hex("d81c d90102 81 d81d00")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("inside a map key or set element");
        // A map key that is a reference: 28({29(0): 1})
        assertThatThrownBy(() -> decode(hex("d81c a1 d81d00 01")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("inside a map key");
        // A record that contains itself: 28(27(["java/...Point", {"x": 29(0), "y": 1}]))
        byte[] point = ADVANCED.encode(new Point(7, 1));
        String pointHex = hex(point);
        String withRef = "d81c" + pointHex.replace("617807", "6178d81d00");
        assertThatThrownBy(() -> decode(hex(withRef)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("still being decoded");
        // 28(28(1)) and 28(29(0)) chains are refused, not followed.
        assertThatThrownBy(() -> decode(hex("d81c d81c 01")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("not another tag 28 or 29");
        assertThatThrownBy(() -> decode(hex("d81c d9001c 01")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("not another tag 28 or 29");
    }

    @Test
    void markedButUnreferencedValuesDecodeNormally() {
        // [28("a"), 28([1]), 29(1), 29(0)]
        List<?> back = (List<?>) decode(hex("84 d81c6161 d81c8101 d81d01 d81d00"));
        assertThat(back.get(2)).isSameAs(back.get(1));
        assertThat(back.get(3)).isEqualTo("a");
    }
}
