package org.jcluster.examples.sticky;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.api.spi.SchedulingPolicyProvider;
import org.jcluster.api.spi.ServiceLookup;
import org.jcluster.testkit.RecordingContext;
import org.junit.jupiter.api.Test;

/** The policy as ServiceLoader and the primary see it: found by name, a dispatcher per server. */
class StickyPolicyTest {

    @Test
    void foundByNameThroughServiceLoader() {
        SchedulingPolicyProvider provider = ServiceLookup.schedulingPolicy("sticky");
        assertThat(provider).isInstanceOf(StickyPolicyProvider.class);
        assertThat(provider.name()).isEqualTo("sticky");
        SchedulingPolicy policy = provider.create();
        assertThat(policy.name()).isEqualTo("sticky");
        assertThat(policy.primaryAccepts()).isTrue();
        assertThat(policy.newDispatcher(new RecordingContext())).isInstanceOf(StickyDispatcher.class);
    }

    @Test
    void eachServerGetsItsOwnDispatcher() {
        SchedulingPolicy policy = new StickyPolicyProvider().create();
        assertThat(policy.newDispatcher(new RecordingContext())).isNotSameAs(policy.newDispatcher(new RecordingContext()));
    }

    @Test
    void theModuleNeedsTheApiAloneProvidesThePolicyAndExportsNothing() {
        Module module = StickyPolicyProvider.class.getModule();
        assertThat(module.getName()).isEqualTo("jcluster.examples.sticky");
        ModuleDescriptor d = module.getDescriptor();
        assertThat(d.requires()).extracting(ModuleDescriptor.Requires::name)
                .containsExactlyInAnyOrder("jcluster.api", "java.base");
        assertThat(d.provides()).singleElement().satisfies(p -> {
            assertThat(p.service()).isEqualTo(SchedulingPolicyProvider.class.getName());
            assertThat(p.providers()).containsExactly(StickyPolicyProvider.class.getName());
        });
        assertThat(d.exports()).isEmpty();
    }

    @Test
    void foundOnThePlainClassPathToo() throws Exception {
        // This module's classes and the API jar, and nothing else, on a class path of their own: no
        // module descriptor is read there, only META-INF/services. The parent is the boot loader: the
        // platform loader would hand org.jcluster.api back to this JVM's own module of that name.
        java.net.URL[] classPath = {
            StickyPolicyProvider.class.getProtectionDomain().getCodeSource().getLocation(),
            SchedulingPolicyProvider.class.getProtectionDomain().getCodeSource().getLocation(),
        };
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(classPath, null)) {
            // jcluster's own lookup, running there (in the unnamed module, which needs no `uses`).
            Class<?> lookup = loader.loadClass(ServiceLookup.class.getName());
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(loader);
            Object provider;
            try {
                provider = lookup.getMethod("schedulingPolicy", String.class).invoke(null, "sticky");
            } finally {
                thread.setContextClassLoader(previous);
            }
            assertThat(provider.getClass().getClassLoader()).isSameAs(loader);
            assertThat(provider.getClass().getModule().isNamed()).isFalse();
            assertThat(provider.getClass().getName()).isEqualTo(StickyPolicyProvider.class.getName());
        }
    }

    @Test
    void declaredInMetaInfServicesForTheClassPathToo() throws Exception {
        String resource = "META-INF/services/" + SchedulingPolicyProvider.class.getName();
        try (InputStream in = StickyPolicyProvider.class.getModule().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            List<String> lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            assertThat(lines).containsExactly(StickyPolicyProvider.class.getName());
        }
    }
}
