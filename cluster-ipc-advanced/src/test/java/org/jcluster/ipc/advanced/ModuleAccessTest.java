package org.jcluster.ipc.advanced;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.spi.ToolProvider;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's record in a named module whose package is not open to jcluster.ipc.advanced: refused at
 * setup with the exact {@code opens} line to add; with that line, it travels.
 */
class ModuleAccessTest {
    @TempDir
    static Path dir;

    private static ModuleLayer closed;
    private static ModuleLayer open;

    @BeforeAll
    static void compileTwoUserModules() throws IOException {
        closed = compile("closed", "module demo.closed { }");
        open = compile("open", "module demo.open { opens demo.hidden to jcluster.ipc.advanced; }");
    }

    private static ModuleLayer compile(String name, String moduleInfo) throws IOException {
        Path src = dir.resolve(name + "-src");
        Path out = dir.resolve(name + "-out");
        Files.createDirectories(src.resolve("demo/hidden"));
        Files.writeString(src.resolve("module-info.java"), moduleInfo);
        Files.writeString(src.resolve("demo/hidden/Secret.java"),
                "package demo.hidden; public record Secret(String word, long n) { }");
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow();
        StringWriter log = new StringWriter();
        int rc = javac.run(new PrintWriter(log), new PrintWriter(log), "--release", "17", "-d", out.toString(),
                src.resolve("module-info.java").toString(), src.resolve("demo/hidden/Secret.java").toString());
        assertThat(rc).as(log.toString()).isZero();
        String module = moduleInfo.split("\\s+")[1];
        ModuleLayer boot = ModuleLayer.boot();
        Configuration config = boot.configuration().resolve(ModuleFinder.of(out), ModuleFinder.of(), Set.of(module));
        return boot.defineModulesWithOneLoader(config, ClassLoader.getSystemClassLoader());
    }

    @Test
    void recordInAPackageNotOpenToUsIsRefusedWithTheOpensLineToAdd() throws Exception {
        Class<?> secret = closed.findLoader("demo.closed").loadClass("demo.hidden.Secret");
        assertThatThrownBy(() -> Fixtures.create(List.of(secret)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("demo.hidden.Secret")
                .hasMessageContaining("opens demo.hidden to jcluster.ipc.advanced;")
                .hasMessageContaining("module demo.closed");
    }

    @Test
    void recordInAPackageOpenToUsTravels() throws Exception {
        Class<?> secret = open.findLoader("demo.open").loadClass("demo.hidden.Secret");
        Object value = secret.getDeclaredConstructors()[0].newInstance("swordfish", 42L);
        AdvancedSerialization s = Fixtures.create(List.of(secret));
        Object back = s.decode(ByteBuffer.wrap(s.encode(value)));
        assertThat(back).isEqualTo(value).isNotSameAs(value);
    }
}
