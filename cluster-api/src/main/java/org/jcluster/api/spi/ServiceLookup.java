package org.jcluster.api.spi;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;

import org.jcluster.api.ProviderNotFoundException;

/**
 * Finds providers through {@link ServiceLoader}, on the module path and (through META-INF/services)
 * on the class path.
 *
 * <p>Lookup never dies on one bad provider: a provider that fails to load is skipped and named in the
 * error should no usable provider match. Every failure says what was asked, what was found, and which
 * module to add.
 */
public final class ServiceLookup {

    /** System property naming the {@link ClusterProvider} class to use when several are present. */
    public static final String CLUSTER_PROVIDER_PROPERTY = "jcluster.clusterProvider";

    /** The modules jcluster ships, by provider name, to tell a user which one to add. */
    private static final Map<String, String> SERIALIZATION_MODULES = Map.of(
            "json", "jcluster.ipc.json (Maven artifact org.jcluster:cluster-ipc-json)",
            "advanced", "jcluster.ipc.advanced (Maven artifact org.jcluster:cluster-ipc-advanced)");
    private static final Map<String, String> POLICY_MODULES = Map.of(
            "rr", "jcluster.sched.rr (Maven artifact org.jcluster:cluster-sched-rr)",
            "none", "jcluster.sched.none (Maven artifact org.jcluster:cluster-sched-none)");
    private static final String CORE_MODULE = "jcluster.core (Maven artifact org.jcluster:cluster-core)";

    private ServiceLookup() {
    }

    /** The serialization provider named {@code name}. */
    public static SerializationProvider serialization(String name) {
        return byName(SerializationProvider.class, "serialization", name, SerializationProvider::name,
                SERIALIZATION_MODULES);
    }

    /** The scheduling policy provider named {@code name}. */
    public static SchedulingPolicyProvider schedulingPolicy(String name) {
        return byName(SchedulingPolicyProvider.class, "scheduling policy", name, SchedulingPolicyProvider::name,
                POLICY_MODULES);
    }

    /** The names of every serialization provider present, for messages and diagnostics. */
    public static List<String> serializationNames() {
        return load(SerializationProvider.class, new ArrayList<>()).stream().map(SerializationProvider::name).toList();
    }

    /**
     * The cluster implementation: the one named by the {@value #CLUSTER_PROVIDER_PROPERTY} system
     * property when set, else the only one found.
     */
    public static ClusterProvider clusterProvider() {
        // Cluster.get() is called freely (per request, in listeners): the module path is scanned once per
        // choice of provider. A failure is not cached, so a fixed class path or property is seen next time.
        String forced = System.getProperty(CLUSTER_PROVIDER_PROPERTY);
        CachedProvider cached = cachedProvider;
        if (cached != null && Objects.equals(cached.forced(), forced)) {
            return cached.provider();
        }
        ClusterProvider provider = findClusterProvider(forced);
        cachedProvider = new CachedProvider(forced, provider);
        return provider;
    }

    private record CachedProvider(String forced, ClusterProvider provider) { }

    private static volatile CachedProvider cachedProvider;

    private static ClusterProvider findClusterProvider(String forced) {
        List<String> failures = new ArrayList<>();
        List<ClusterProvider> found = load(ClusterProvider.class, failures);
        if (forced != null) {
            for (ClusterProvider provider : found) {
                if (provider.getClass().getName().equals(forced)) {
                    return provider;
                }
            }
            throw new ProviderNotFoundException("System property " + CLUSTER_PROVIDER_PROPERTY + " asks for " + forced
                    + ", which is not among the cluster providers found: " + describe(found, p -> p.getClass().getName())
                    + failureText(failures));
        }
        if (found.isEmpty()) {
            throw new ProviderNotFoundException("No jcluster implementation (" + ClusterProvider.class.getName()
                    + ") was found. Add the module " + CORE_MODULE + " to the module path or class path."
                    + failureText(failures));
        }
        if (found.size() > 1) {
            throw new ProviderNotFoundException("Several jcluster implementations were found: "
                    + describe(found, p -> p.getClass().getName()) + ". Keep one on the module path, or choose one"
                    + " with -D" + CLUSTER_PROVIDER_PROPERTY + "=<class name>.");
        }
        return found.get(0);
    }

    private static <S> S byName(Class<S> service, String kind, String name, Function<S, String> nameOf,
            Map<String, String> knownModules) {
        List<String> failures = new ArrayList<>();
        List<S> found = load(service, failures);
        for (S provider : found) {
            if (nameOf.apply(provider).equals(name)) {
                return provider;
            }
        }
        String module = knownModules.get(name);
        String fix = module != null
                ? "Add the module " + module + " to the module path or class path."
                : "No module of jcluster's provides \"" + name + "\"; check the name, or add the module that"
                        + " provides " + service.getName() + " named \"" + name + "\". jcluster's own: "
                        + String.join(", ", knownModules.keySet().stream().sorted().toList()) + ".";
        throw new ProviderNotFoundException("No " + kind + " named \"" + name + "\" was found. Found: "
                + describe(found, p -> nameOf.apply(p) + " (module " + moduleOf(p) + ")") + ". " + fix
                + failureText(failures));
    }

    private static <S> List<S> load(Class<S> service, List<String> failures) {
        List<S> found = new ArrayList<>();
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ServiceLoader<S> loader = context != null ? ServiceLoader.load(service, context) : ServiceLoader.load(service);
        Iterator<S> it = loader.iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                S provider = it.next();
                if (found.stream().noneMatch(p -> p.getClass() == provider.getClass())) {
                    found.add(provider);
                }
            } catch (ServiceConfigurationError e) {
                failures.add(e.getMessage());
            }
        }
        if (found.isEmpty() && context != ServiceLookup.class.getClassLoader()) {
            // An embedding runtime's context loader may not see jcluster's own modules: look there too.
            for (S provider : ServiceLoader.load(service, ServiceLookup.class.getClassLoader())) {
                found.add(provider);
            }
        }
        return found;
    }

    private static String moduleOf(Object provider) {
        Module module = provider.getClass().getModule();
        return module.isNamed() ? module.getName() : "class path";
    }

    private static <S> String describe(List<S> found, Function<S, String> describe) {
        return found.isEmpty() ? "none" : String.join(", ", found.stream().map(describe).toList());
    }

    private static String failureText(List<String> failures) {
        return failures.isEmpty() ? "" : " Providers that failed to load: " + String.join("; ", failures);
    }
}
