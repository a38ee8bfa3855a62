package org.jcluster.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The messages SerializationBenchmark encodes and decodes. Apart from the 1 MB byte[], each is built
 * from the value model both serializations carry, so "advanced" and "json" move the same data.
 */
public final class SerializationPayloads {
    private SerializationPayloads() {
    }

    static final String[] NAMES = {"string12", "echo4", "echo10", "graph1k", "graph64k", "bytes1m"};

    static Object of(String name) {
        return switch (name) {
            // The echo payloads of Node's benchmark/cluster/echo.js (benchmarks/compare/node/ipc-echo.js).
            case "string12" -> "x".repeat(12);
            case "echo4" -> echo(4); // the object of benchmarks/compare/ipc-echo.sh
            case "echo10" -> echo(10);
            case "graph1k" -> graph(6);
            case "graph64k" -> graph(380);
            case "bytes1m" -> bytes(1 << 20);
            default -> throw new IllegalArgumentException("unknown payload " + name);
        };
    }

    /** Node's echo object: {cmd: 'echo', items: [{id: i, name: 'item' + i, ok: true}, ...]}. */
    public static Map<String, Object> echo(int n) {
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", (long) i);
            item.put("name", "item" + i);
            item.put("ok", true);
            items.add(item);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cmd", "echo");
        m.put("items", items);
        return m;
    }

    /**
     * A page of user records, as a service would send: nested maps, lists, strings, integers,
     * doubles and booleans. About 170 bytes of JSON per user (6 users ~1 KB, 380 users ~64 KB).
     */
    static Map<String, Object> graph(int users) {
        Random random = new Random(42);
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            Map<String, Object> address = new LinkedHashMap<>();
            address.put("street", (100 + random.nextInt(900)) + " Main St");
            address.put("city", random.nextBoolean() ? "Springfield" : "Shelbyville");
            address.put("zip", (long) (10000 + random.nextInt(90000)));
            Map<String, Object> user = new LinkedHashMap<>();
            user.put("id", (long) random.nextInt(1_000_000));
            user.put("name", "user-" + Integer.toHexString(random.nextInt()));
            user.put("email", "u" + i + "@example.com");
            user.put("active", random.nextBoolean());
            user.put("score", Math.round(random.nextDouble() * 10000) / 100.0);
            user.put("tags", List.of("alpha", "beta", "gamma").subList(0, 1 + random.nextInt(3)));
            user.put("address", address);
            list.add(user);
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("page", 1L);
        page.put("total", (long) users);
        page.put("users", list);
        return page;
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(7).nextBytes(b);
        return b;
    }
}
