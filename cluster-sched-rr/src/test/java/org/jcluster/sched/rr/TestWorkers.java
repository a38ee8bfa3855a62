package org.jcluster.sched.rr;

import java.lang.reflect.Proxy;

import org.jcluster.api.Worker;

/**
 * Worker stand-ins for unit tests of the dispatch algorithm, which uses a worker only as a key and for
 * its id. A proxy, so that the stand-in keeps compiling while the Worker interface grows; anything but
 * id(), equals, hashCode and toString throws.
 */
final class TestWorkers {
    private TestWorkers() {
    }

    static Worker worker(int id) {
        Worker worker = (Worker) Proxy.newProxyInstance(Worker.class.getClassLoader(), new Class<?>[] {Worker.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "id" -> id;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "worker " + id;
                    default -> throw new UnsupportedOperationException(method.getName() + " on a test worker");
                });
        return worker;
    }
}
