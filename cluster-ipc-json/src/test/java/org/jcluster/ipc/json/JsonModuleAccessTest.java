package org.jcluster.ipc.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.spi.ToolProvider;

import org.jcluster.api.MessageValues;
import org.jcluster.api.spi.Serialization;
import org.jcluster.api.spi.SerializationOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records that live in other modules: jcluster.ipc.json (to encode) and jcluster.api (to convert)
 * read them by reflection, which JPMS allows only for exported public records or opened packages.
 * Each case compiles a small module and loads it in its own layer, as a user's application module.
 */
class JsonModuleAccessTest {

    private final Serialization json = new JsonSerializationProvider().create(SerializationOptions.defaults());

    @TempDir
    Path dir;

    private Object secretFrom(String moduleInfo, String recordModifiers) throws Exception {
        Path src = dir.resolve("src");
        write(src.resolve("module-info.java"), moduleInfo);
        write(src.resolve("probe/api/Factory.java"), "package probe.api;\n"
                + "public final class Factory {\n"
                + "  public static Object secret() { return probe.hidden.Secrets.make(); }\n"
                + "}\n");
        write(src.resolve("probe/hidden/Secrets.java"), "package probe.hidden;\n"
                + "public final class Secrets {\n"
                + "  public static Object make() { return new Secret(7, \"s\"); }\n"
                + "}\n");
        write(src.resolve("probe/hidden/Secret.java"), "package probe.hidden;\n"
                + recordModifiers + " record Secret(int n, String s) {}\n");
        Path out = dir.resolve("out");
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(
                () -> new AssertionError("javac (module jdk.compiler) is needed to build the probe module"));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(new PrintStream(errors, true, StandardCharsets.UTF_8), new PrintStream(errors, true, StandardCharsets.UTF_8),
                "-nowarn", "-d", out.toString(),
                src.resolve("module-info.java").toString(),
                src.resolve("probe/api/Factory.java").toString(),
                src.resolve("probe/hidden/Secret.java").toString(),
                src.resolve("probe/hidden/Secrets.java").toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
        ModuleLayer boot = ModuleLayer.boot();
        Configuration cf = boot.configuration().resolve(ModuleFinder.of(out), ModuleFinder.of(), Set.of("probe"));
        ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader());
        Class<?> factory = layer.findLoader("probe").loadClass("probe.api.Factory");
        return factory.getMethod("secret").invoke(null);
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    @Test
    void aRecordInAPackageNeitherExportedNorOpenedIsRefusedWithTheLineToAdd() throws Exception {
        Object secret = secretFrom("module probe { exports probe.api; }", "public");

        assertThatThrownBy(() -> json.encode(Map.of("secret", secret)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Cannot read the components of record probe.hidden.Secret (at $.secret)")
                .hasMessageContaining("package probe.hidden in module probe is not open to jcluster.ipc.json")
                .hasMessageContaining("Add `opens probe.hidden to jcluster.ipc.json;` to module probe's module-info.java");
        assertThatThrownBy(() -> MessageValues.convert(Map.of("n", 1L, "s", "x"), secret.getClass()))
                .isInstanceOf(MessageValues.ConversionException.class)
                .hasMessageContaining("Add `opens probe.hidden to jcluster.api;` to module probe's module-info.java");
    }

    @Test
    void aPackageOpenedToTheSerializationIsRead() throws Exception {
        Object secret = secretFrom("module probe { exports probe.api; opens probe.hidden to jcluster.ipc.json, jcluster.api; }",
                "");

        assertThat(new String(json.encode(secret), StandardCharsets.UTF_8)).isEqualTo("{\"n\":7,\"s\":\"s\"}");
        assertThat(MessageValues.convert(Map.of("n", 7L, "s", "s"), secret.getClass())).isEqualTo(secret);
    }

    @Test
    void aPublicRecordInAnExportedPackageIsRead() throws Exception {
        Object secret = secretFrom("module probe { exports probe.api; exports probe.hidden; }", "public");

        assertThat(new String(json.encode(secret), StandardCharsets.UTF_8)).isEqualTo("{\"n\":7,\"s\":\"s\"}");
        assertThat(MessageValues.convert(Map.of("n", 7L, "s", "s"), secret.getClass())).isEqualTo(secret);
    }

    @Test
    void aPackagePrivateRecordInAnExportedPackageIsRefused() throws Exception {
        Object secret = secretFrom("module probe { exports probe.api; exports probe.hidden; }", "");

        assertThatThrownBy(() -> json.encode(secret))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("make the record public in an exported package");
    }
}
