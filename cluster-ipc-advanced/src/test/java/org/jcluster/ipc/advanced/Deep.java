package org.jcluster.ipc.advanced;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Structural equality that also compares byte[] by content, compares maps and sets in iteration order,
 * requires the same classes of scalars (a Long is not an Integer), and survives cycles: two graphs are
 * equal when a walk of both in step never finds a difference.
 */
final class Deep {
    private Deep() {
    }

    /** Null when equal, else where and how the two differ. */
    static String difference(Object expected, Object actual) {
        return diff(expected, actual, "$", new IdentityHashMap<>());
    }

    private static String diff(Object e, Object a, String path, IdentityHashMap<Object, Object> pairs) {
        if (e == null || a == null) {
            return e == a ? null : path + ": expected " + e + " but was " + a;
        }
        if (e instanceof byte[] eb) {
            return a instanceof byte[] ab && Arrays.equals(eb, ab) ? null : path + ": byte[] differs";
        }
        if (e instanceof List || e instanceof Map || e instanceof Set) {
            if (pairs.get(e) == a) {
                return null; // already being compared: a cycle, equal so far
            }
            pairs.put(e, a);
        }
        if (e instanceof List<?> el) {
            if (!(a instanceof List<?> al) || el.size() != al.size()) {
                return path + ": expected a list of " + el.size() + " but was " + describe(a);
            }
            for (int i = 0; i < el.size(); i++) {
                String d = diff(el.get(i), al.get(i), path + "[" + i + "]", pairs);
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (e instanceof Set<?> es) {
            if (!(a instanceof Set<?> as) || es.size() != as.size()) {
                return path + ": expected a set of " + es.size() + " but was " + describe(a);
            }
            return diffInOrder(new ArrayList<>(es), new ArrayList<>(as), path + "{}", pairs);
        }
        if (e instanceof Map<?, ?> em) {
            if (!(a instanceof Map<?, ?> am) || em.size() != am.size()) {
                return path + ": expected a map of " + em.size() + " but was " + describe(a);
            }
            Iterator<? extends Map.Entry<?, ?>> ai = am.entrySet().iterator();
            for (Map.Entry<?, ?> ee : em.entrySet()) {
                Map.Entry<?, ?> ae = ai.next();
                String d = diff(ee.getKey(), ae.getKey(), path + "{key}", pairs);
                if (d == null) {
                    d = diff(ee.getValue(), ae.getValue(), path + "." + ee.getKey(), pairs);
                }
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (e instanceof Record && e.getClass() == a.getClass() && !(e instanceof RemoteError)) {
            for (java.lang.reflect.RecordComponent c : e.getClass().getRecordComponents()) {
                String d;
                try {
                    java.lang.reflect.Method accessor = c.getAccessor();
                    accessor.setAccessible(true);
                    d = diff(accessor.invoke(e), accessor.invoke(a), path + "." + c.getName(), pairs);
                } catch (ReflectiveOperationException x) {
                    throw new IllegalStateException(x);
                }
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (e.getClass() != a.getClass()) {
            return path + ": expected a " + e.getClass().getName() + " but was a " + a.getClass().getName();
        }
        return e.equals(a) ? null : path + ": expected " + e + " but was " + a;
    }

    private static String diffInOrder(List<?> e, List<?> a, String path, IdentityHashMap<Object, Object> pairs) {
        for (int i = 0; i < e.size(); i++) {
            String d = diff(e.get(i), a.get(i), path + "[" + i + "]", pairs);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    private static String describe(Object a) {
        return a == null ? "null" : a.getClass().getName() + (a instanceof java.util.Collection<?> c ? " of " + c.size()
                : a instanceof Map<?, ?> m ? " of " + m.size() : "");
    }
}
