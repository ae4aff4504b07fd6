package io.ebpfagent.probes.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.Type;
import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.probes.BundledObject;
import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Java layout against the C struct it mirrors, as the compiler laid it out: size, member
 * names, offsets and sizes. The truth is the BTF of the committed object; structs the compiler
 * left out of that BTF (types only used for locals, such as the ring buffer records) are taken
 * from the BTF of the same source compiled again with one global variable of each such type.
 */
class LayoutsMatchBtfTest {
    static Stream<Arguments> objects() {
        return Stream.of(
                Arguments.of(BundledObject.SCHED, merge(CommonLayouts.all(), SchedLayouts.all())),
                Arguments.of(BundledObject.SYSCALLS, merge(CommonLayouts.all(), SyscallsLayouts.all())),
                Arguments.of(BundledObject.IO, merge(CommonLayouts.all(), IoLayouts.all())),
                Arguments.of(BundledObject.NET, merge(CommonLayouts.all(), NetLayouts.all())),
                Arguments.of(BundledObject.FAULTS, FaultsLayouts.all()),
                Arguments.of(BundledObject.PROFILE, ProfileLayouts.all()),
                Arguments.of(BundledObject.JVM, merge(CommonLayouts.all(), JvmLayouts.all())));
    }

    @ParameterizedTest
    @MethodSource("objects")
    void layoutsEqualTheCompiledStructs(BundledObject object, Map<String, StructLayout> layouts) throws Exception {
        Btf btf = object.spec().types();
        List<String> absent = new ArrayList<>();
        for (String name : layouts.keySet()) {
            if (btf.findId(name, Type.Struct.class).isEmpty()) {
                absent.add(name);
            }
        }
        for (var e : layouts.entrySet()) {
            if (!absent.contains(e.getKey())) {
                assertMatches(btf, e.getKey(), e.getValue());
            }
        }
        if (!absent.isEmpty()) {
            Btf recompiled = recompileWith(object, absent);
            for (String name : absent) {
                assertMatches(recompiled, name, layouts.get(name));
            }
        }
    }

    static void assertMatches(Btf btf, String name, StructLayout layout) {
        OptionalInt id = btf.findId(name, Type.Struct.class);
        assertTrue(id.isPresent(), "no struct " + name + " in BTF");
        Type.Struct s = (Type.Struct) btf.type(id.getAsInt());
        assertEquals(s.size(), layout.byteSize(), "sizeof(struct " + name + ")");
        List<MemoryLayout> javaMembers = layout.memberLayouts();
        assertEquals(s.members().size(), javaMembers.size(), "member count of struct " + name);
        for (int i = 0; i < s.members().size(); i++) {
            Type.Member m = s.members().get(i);
            MemoryLayout jm = javaMembers.get(i);
            String where = "struct " + name + "." + m.name();
            assertEquals(m.name(), jm.name().orElse("?"), where + ": member name/order");
            assertEquals(0, m.bitfieldSize(), where + ": bit fields are not mirrored");
            assertEquals(m.bitOffset() / 8, layout.byteOffset(MemoryLayout.PathElement.groupElement(m.name())),
                    where + ": offset");
            assertEquals(btf.sizeOf(m.type()), jm.byteSize(), where + ": size");
            if (jm instanceof GroupLayout g && btf.resolvedType(m.type()) instanceof Type.Struct inner) {
                assertMatches(btf, inner.name(), (StructLayout) g.withName(inner.name()));
            }
        }
    }

    /** Compiles the object's source again, adding a global of each absent struct type. */
    static Btf recompileWith(BundledObject object, List<String> structs) throws IOException, InterruptedException {
        Path root = repositoryRoot();
        Path source = root.resolve("probes/src/main/bpf/" + object.objectName() + ".bpf.c");
        assertTrue(Files.exists(source), "source of " + object + " at " + source);
        String clang = System.getenv().getOrDefault("CLANG", "clang-19");
        Path dir = Files.createTempDirectory("layouts");
        try {
            StringBuilder tu = new StringBuilder("#include \"" + source.toAbsolutePath() + "\"\n");
            for (String s : structs) {
                tu.append("struct ").append(s).append(" __mirror_").append(s).append(";\n");
            }
            Path c = dir.resolve("mirror.bpf.c");
            Path o = dir.resolve("mirror.bpf.o");
            Files.writeString(c, tu);
            Process p;
            try {
                p = new ProcessBuilder(clang, "-target", "bpf", "-g", "-O2", "-D__TARGET_ARCH_x86",
                        "-I" + root.resolve("bpf/include"), "-I/usr/include/x86_64-linux-gnu",
                        "-I" + source.getParent(), "-c", c.toString(), "-o", o.toString())
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                Assumptions.abort(clang + " is needed to see structs the object's BTF lacks " + structs + ": " + e);
                return null;
            }
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "clang timed out");
            assertEquals(0, p.exitValue(), "clang failed:\n" + out);
            Btf btf = CollectionSpec.load(o).types();
            assertNotNull(btf);
            return btf;
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("probes/src/main/bpf"))) {
            p = p.getParent();
        }
        assertNotNull(p, "repository root not found from " + Path.of("").toAbsolutePath());
        return p;
    }

    @SafeVarargs
    static Map<String, StructLayout> merge(Map<String, StructLayout>... maps) {
        Map<String, StructLayout> out = new LinkedHashMap<>();
        for (Map<String, StructLayout> m : maps) {
            out.putAll(m);
        }
        return out;
    }
}
