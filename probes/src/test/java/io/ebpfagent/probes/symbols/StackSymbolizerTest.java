package io.ebpfagent.probes.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Symbolisation of real addresses of this process and of the running kernel, and of a perf map. */
class StackSymbolizerTest {
    private static final int PID = (int) ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    @Test
    void libcFunctionOfThisProcess() {
        MemorySegment getpid = Linker.nativeLinker().defaultLookup().find("getpid").orElseThrow();
        StackSymbolizer s = new StackSymbolizer(KernelSymbols.none(), Path.of("/proc"), tmp);
        Frame f = s.userFrame(PID, getpid.address());
        assertTrue(Set.of("getpid", "__getpid").contains(f.name()), f.toString());
        assertEquals(Frame.Kind.NATIVE, f.kind());
        assertTrue(f.module().startsWith("libc"), f.module());
        assertEquals(f.name(), f.folded(), "native frames carry no suffix");
        // an address inside the function (a return address into it) names it too
        assertEquals(f.name(), s.userFrame(PID, getpid.address() + 3).name());
        Frame qsort = s.userFrame(PID, Linker.nativeLinker().defaultLookup().find("qsort").orElseThrow().address());
        assertEquals("qsort", qsort.name());
    }

    @Test
    void unmappedAndAnonymousAddressesAreUnknown() {
        StackSymbolizer s = new StackSymbolizer(KernelSymbols.none(), Path.of("/proc"), tmp);
        Frame f = s.userFrame(PID, 0x10);
        assertEquals("[unknown]", f.name());
        assertEquals(Frame.Kind.UNKNOWN, f.kind());
    }

    @Test
    void kernelSymbolFromKallsyms() throws IOException {
        KernelSymbols k = KernelSymbols.load();
        boolean hidden = Files.readAllLines(Path.of("/proc/kallsyms")).stream().limit(10)
                .allMatch(l -> l.startsWith("0000000000000000"));
        org.junit.jupiter.api.Assumptions.assumeFalse(hidden, "kallsyms addresses hidden from this user");
        assertTrue(k.available());
        String line = Files.readAllLines(Path.of("/proc/kallsyms")).stream()
                .filter(l -> l.endsWith(" T schedule")).findFirst().orElseThrow();
        long address = Long.parseUnsignedLong(line.substring(0, 16), 16);
        StackSymbolizer s = new StackSymbolizer(k, Path.of("/proc"), tmp);
        Frame f = s.kernelFrame(address + 8);
        assertEquals("schedule", f.name());
        assertEquals("schedule_[k]", f.folded());
        assertEquals(Frame.Kind.KERNEL, f.kind());
    }

    @Test
    void hiddenKallsymsGivesUnknownKernel() throws IOException {
        Path fake = tmp.resolve("kallsyms");
        Files.writeString(fake, "0000000000000000 T _text\n0000000000000000 T schedule\n");
        KernelSymbols k = KernelSymbols.load(fake);
        assertFalse(k.available());
        Frame f = new StackSymbolizer(k, Path.of("/proc"), tmp).kernelFrame(0xffffffff81234567L);
        assertEquals("[unknown kernel]", f.name());
    }

    @Test
    void kallsymsFormatNearestSymbolAndModules() throws IOException {
        Path fake = tmp.resolve("kallsyms");
        Files.writeString(fake, """
                ffffffff81000000 T _text
                ffffffff81000100 t helper
                ffffffff81000180 D some_data
                ffffffff81000200 T other
                ffffffffc0001000 t mod_func\t[mymod]
                """);
        KernelSymbols k = KernelSymbols.load(fake);
        assertEquals(4, k.size(), "data symbols are left out");
        assertEquals("helper", k.lookup(0xffffffff81000190L));
        assertEquals("other", k.lookup(0xffffffff81000200L));
        assertEquals("mod_func", k.lookup(0xffffffffc0001010L));
        assertNull(k.lookup(0xffffffff80000000L));
    }

    @Test
    void perfMapNamesJavaFramesAndReloadsWhenItGrows() throws IOException {
        Path map = tmp.resolve("perf-" + PID + ".map");
        Files.writeString(map, """
                0x0000000000001000 0x0000000000000100 int java.lang.String.hashCode()
                0x0000000000002000 0x0000000000000400 Interpreter
                0x0000000000003000 0x0000000000000040 StubRoutines (initialstubs)
                """);
        StackSymbolizer s = new StackSymbolizer(KernelSymbols.none(), Path.of("/proc"), tmp);
        Frame f = s.userFrame(PID, 0x1080);
        assertEquals("java.lang.String.hashCode", f.name());
        assertEquals(Frame.Kind.JAVA, f.kind());
        assertEquals("java.lang.String.hashCode_[j]", f.folded());
        assertEquals("Interpreter", s.userFrame(PID, 0x23ff).name());
        assertEquals("StubRoutines (initialstubs)", s.userFrame(PID, 0x3000).name());
        assertEquals("[unknown]", s.userFrame(PID, 0x1100).name(), "past the end of the method");
        assertEquals("[unknown]", s.userFrame(PID, 0x5010).name());

        // the code cache slot at 0x1000 is reused, and a method is added: the newest line wins
        Files.writeString(map, Files.readString(map) + """
                0x0000000000001000 0x0000000000000080 void com.example.App.work(java.lang.String[], int)
                0x0000000000005000 0x0000000000000100 java.lang.Object com.example.App.call()
                """);
        s.refresh();
        assertEquals("com.example.App.work", s.userFrame(PID, 0x1010).name());
        assertEquals("com.example.App.call", s.userFrame(PID, 0x5010).name(), "cached miss forgotten on reload");
    }

    @Test
    void javaNamesDropReturnTypeAndParameters() {
        assertEquals("a.B.c", PerfMap.javaName("void a.B.c()"));
        assertEquals("a.B$1.lambda$run$0", PerfMap.javaName("java.util.List a.B$1.lambda$run$0(int[], long)"));
        assertEquals("a.B.<init>", PerfMap.javaName("void a.B.<init>()"));
        assertEquals("I2C/C2I adapters", PerfMap.javaName("I2C/C2I adapters"));
        assertEquals("Shared Runtime wrong_method_blob", PerfMap.javaName("Shared Runtime wrong_method_blob"));
    }

    @Test
    void mapsLinesParse() {
        List<Mapping> m = Mapping.parse("""
                55d0a000-55d0b000 r-xp 00001000 08:01 1234                       /usr/bin/java
                7f00a000-7f00c000 rwxp 00000000 00:00 0 \s
                7f00d000-7f00e000 r-xp 00000000 00:00 0                          [vdso]
                7f00f000-7f010000 r-xp 00002000 08:01 99                         /opt/lib/libx.so (deleted)
                garbage
                """);
        assertEquals(4, m.size());
        assertEquals(0x55d0a000L, m.get(0).start());
        assertEquals(0x1000, m.get(0).offset());
        assertTrue(m.get(0).fileBacked());
        assertEquals("java", m.get(0).module());
        assertFalse(m.get(1).fileBacked());
        assertEquals("", m.get(1).path().strip());
        assertFalse(m.get(2).fileBacked());
        assertEquals("[vdso]", m.get(2).module());
        assertEquals("/opt/lib/libx.so", m.get(3).filePath());
        assertEquals("libx.so", m.get(3).module());
    }
}
