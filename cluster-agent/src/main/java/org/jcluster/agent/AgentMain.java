package org.jcluster.agent;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The worker's Java agent ({@code -javaagent:cluster-agent.jar=policy=none,drain=PT25S}), put on
 * every worker's command line by {@code bin/jcluster run}. Before the application's main runs it joins the cluster and
 * hooks the JDK's bind, so that an application that never mentions jcluster serves the shared ports.
 *
 * <p>This class and {@link BindBridge} use the JDK alone: they are what the application's class loader
 * sees of the agent (the JVM puts the agent jar on the class path). Everything else (jcluster, Byte
 * Buddy, jnr, Jackson, JCTools) is loaded from the jars beside the agent jar in a class loader of its
 * own, whose parent is the platform loader, so an application bringing other versions of those
 * libraries runs with its own.
 */
public final class AgentMain {
    private AgentMain() {
    }

    public static void premain(String arguments, Instrumentation instrumentation) {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try {
            URLClassLoader isolated = new URLClassLoader("jcluster-agent", jarsBesideThisOne(),
                    ClassLoader.getPlatformClassLoader());
            // The cluster looks its providers up through the context loader: make it this one.
            Thread.currentThread().setContextClassLoader(isolated);
            Class<?> agent = isolated.loadClass("org.jcluster.agent.internal.WorkerAgent");
            @SuppressWarnings("unchecked")
            Function<Object[], Object> hook = (Function<Object[], Object>) agent
                    .getMethod("install", Instrumentation.class, String.class)
                    .invoke(null, instrumentation, arguments == null ? "" : arguments);
            BindBridge.hook = hook;
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
            System.err.println("jcluster agent: cannot start this worker: " + cause);
            cause.printStackTrace();
            System.exit(1);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    private static URL[] jarsBesideThisOne() throws IOException {
        Path self;
        try {
            self = Path.of(AgentMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("cannot find the agent's own jar: " + e.getMessage(), e);
        }
        Path directory = Files.isDirectory(self) ? self : self.getParent();
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path jar : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".jar")).sorted()::iterator) {
                jars.add(toUrl(jar));
            }
        }
        if (Files.isDirectory(self)) {
            jars.add(toUrl(self));
        }
        return jars.toArray(URL[]::new);
    }

    private static URL toUrl(Path path) throws MalformedURLException {
        return path.toUri().toURL();
    }
}
