package org.jcluster.testkit;

import java.lang.reflect.Proxy;

import org.jcluster.api.Worker;

/**
 * Worker stand-ins for a dispatcher's unit tests: a dispatcher uses a worker only as a key and for its id.
 * A proxy, so that the stand-in keeps compiling while the Worker interface grows. Equality is identity, as
 * for the primary's own worker objects; anything but id(), equals, hashCode and toString throws.
 */
public final class TestWorkers {
    private TestWorkers() {
    }

    /** A stand-in with this id, shown as "worker {id}". */
    public static Worker worker(int id) {
        return (Worker) Proxy.newProxyInstance(Worker.class.getClassLoader(), new Class<?>[] {Worker.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "id" -> id;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "worker " + id;
                    default -> throw new UnsupportedOperationException(method.getName() + " on a test worker");
                });
    }
}
