package org.jcluster.agent.internal;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.net.Socket;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * Inlines {@link BindAdvice} into {@code sun.nio.ch.Net.bind}, and {@link BoundAdvice} and an accept
 * advice into the binds and accepts of the three JDK servers: {@code ServerSocketChannel},
 * {@code java.net.ServerSocket} and {@code AsynchronousServerSocketChannel}. A plain
 * {@link ClassFileTransformer} driving Byte Buddy's
 * {@code redefine}, not Byte Buddy's {@code AgentBuilder}: the inlined code changes method bodies only,
 * which retransformation allows, and nothing is injected into any class loader (AgentBuilder's injector
 * makes JDK 25 print a {@code sun.misc.Unsafe} warning).
 */
final class JdkBindTransformer implements ClassFileTransformer {
    private static final String NET = "sun.nio.ch.Net";
    private static final String SERVER_CHANNEL = "sun.nio.ch.ServerSocketChannelImpl";
    private static final String SERVER_SOCKET = "java.net.ServerSocket";
    private static final String ASYNC_SERVER_CHANNEL = "sun.nio.ch.AsynchronousServerSocketChannelImpl";
    /** Where an asynchronous accept makes its channel, whether it completed at once or later (Linux's). */
    private static final String UNIX_ASYNC_SERVER_CHANNEL = "sun.nio.ch.UnixAsynchronousServerSocketChannelImpl";

    private static final ElementMatcher<MethodDescription> NET_BIND = named("bind").and(isStatic()).and(takesArguments(4));
    /** {@code bind(SocketAddress, int)}, which the one-argument bind and the binding constructors call. */
    private static final ElementMatcher<MethodDescription> SERVER_BIND = named("bind").and(not(isStatic()))
            .and(takesArguments(2));
    private static final ElementMatcher<MethodDescription> CHANNEL_ACCEPT = named("accept").and(takesArguments(0));
    private static final ElementMatcher<MethodDescription> SOCKET_ACCEPT = named("implAccept")
            .and(takesArguments(Socket.class));
    /** JDK 17 has a third parameter (an AccessControlContext) that later JDKs dropped. */
    private static final ElementMatcher<MethodDescription> ASYNC_ACCEPT = named("finishAccept");

    private final ClassFileLocator adviceLocator = ClassFileLocator.ForClassLoader.of(BindAdvice.class.getClassLoader());
    private final Map<String, AsmVisitorWrapper> hooks = Map.of(
            NET, advice(BindAdvice.class, NET_BIND),
            SERVER_CHANNEL, new AsmVisitorWrapper.Compound(advice(BoundAdvice.class, SERVER_BIND),
                    advice(AcceptedAdvice.class, CHANNEL_ACCEPT)),
            SERVER_SOCKET, new AsmVisitorWrapper.Compound(advice(BoundAdvice.class, SERVER_BIND),
                    advice(AcceptedSocketAdvice.class, SOCKET_ACCEPT)),
            ASYNC_SERVER_CHANNEL, advice(BoundAdvice.class, SERVER_BIND),
            UNIX_ASYNC_SERVER_CHANNEL, advice(AcceptedAdvice.class, ASYNC_ACCEPT));
    /** What each class must have, or the hook would silently do nothing (a JDK that renamed a method). */
    private static final Map<String, List<ElementMatcher<MethodDescription>>> REQUIRED = Map.of(
            NET, List.of(NET_BIND),
            SERVER_CHANNEL, List.of(SERVER_BIND, CHANNEL_ACCEPT),
            SERVER_SOCKET, List.of(SERVER_BIND, SOCKET_ACCEPT),
            ASYNC_SERVER_CHANNEL, List.of(SERVER_BIND),
            UNIX_ASYNC_SERVER_CHANNEL, List.of(ASYNC_ACCEPT));
    /** The classes hooked so far. */
    private final Set<String> done = ConcurrentHashMap.newKeySet();
    /** A failure inside transform(), which the JVM would swallow; read once the classes are loaded. */
    private volatile Throwable failure;

    private AsmVisitorWrapper advice(Class<?> advice, ElementMatcher<MethodDescription> methods) {
        return Advice.to(advice, adviceLocator).on(methods);
    }

    /**
     * Hooks these classes now, loading them if they are not yet loaded, and fails if any could not be
     * hooked. The transformer is removed afterwards: nothing else is ever transformed.
     */
    static void install(Instrumentation instrumentation) throws ClassNotFoundException, UnmodifiableClassException {
        JdkBindTransformer transformer = new JdkBindTransformer();
        instrumentation.addTransformer(transformer, true);
        try {
            for (String name : transformer.hooks.keySet()) {
                Class<?> loaded = Class.forName(name, false, null); // loading it runs transform() once
                if (transformer.failure == null && !transformer.done.contains(name)) {
                    instrumentation.retransformClasses(loaded); // loaded before the agent started
                }
            }
        } finally {
            instrumentation.removeTransformer(transformer);
        }
        if (transformer.failure != null) {
            throw new IllegalStateException("jcluster agent: cannot hook the JDK's bind on Java "
                    + Runtime.version() + ": " + transformer.failure, transformer.failure);
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String internalName, Class<?> redefined,
            ProtectionDomain domain, byte[] classFile) {
        if (loader != null || internalName == null) {
            return null;
        }
        String name = internalName.replace('/', '.');
        AsmVisitorWrapper hook = hooks.get(name);
        if (hook == null) {
            return null;
        }
        try {
            ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(name, classFile),
                    ClassFileLocator.ForClassLoader.ofSystemLoader());
            TypeDescription type = TypePool.Default.of(locator).describe(name).resolve();
            for (ElementMatcher<MethodDescription> required : REQUIRED.get(name)) {
                if (type.getDeclaredMethods().filter(required).isEmpty()) {
                    throw new IllegalStateException(name + " has no method " + required + " on this JDK");
                }
            }
            byte[] hookedClass = new ByteBuddy()
                    .redefine(type, locator)
                    .visit(hook)
                    .make()
                    .getBytes();
            done.add(name);
            return hookedClass;
        } catch (Throwable t) {
            failure = t;
            return null;
        }
    }
}
