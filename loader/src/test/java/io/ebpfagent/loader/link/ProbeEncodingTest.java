package io.ebpfagent.loader.link;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.sys.PerfEventAttr;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bytes sent for probes, including the kinds this kernel cannot run (kprobes). */
class ProbeEncodingTest {

    @Test
    void readsPmuFormats(@TempDir Path devices) throws Exception {
        Path k = devices.resolve("kprobe");
        Files.createDirectories(k.resolve("format"));
        Files.writeString(k.resolve("type"), "6\n");
        Files.writeString(k.resolve("format/retprobe"), "config:0\n");
        Path u = devices.resolve("uprobe");
        Files.createDirectories(u.resolve("format"));
        Files.writeString(u.resolve("type"), "7\n");
        Files.writeString(u.resolve("format/retprobe"), "config:0\n");
        Files.writeString(u.resolve("format/ref_ctr_offset"), "config:32-63\n");
        assertThat(ProbePmu.of("kprobe", devices)).isEqualTo(new ProbePmu("kprobe", 6, 0, -1));
        ProbePmu up = ProbePmu.of("uprobe", devices);
        assertThat(up).isEqualTo(new ProbePmu("uprobe", 7, 0, 32));
        assertThat(up.config(true, 0x1234)).isEqualTo(0x1234_0000_0001L);
    }

    @Test
    void kprobeAttribute() {
        ProbePmu pmu = new ProbePmu("kprobe", 6, 0, -1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sym = arena.allocateFrom("do_sys_openat2");
            MemorySegment a = Links.kprobeAttr(pmu, sym.address(), 16, true).encode(arena);
            assertThat(a.byteSize()).isEqualTo(PerfEventAttr.SIZE);
            assertThat(a.get(JAVA_INT, 0)).isEqualTo(6);
            assertThat(a.get(JAVA_INT, 4)).isEqualTo(136);
            assertThat(a.get(JAVA_LONG, 8)).isEqualTo(1);
            assertThat(a.get(JAVA_LONG, 16)).isEqualTo(1);
            assertThat(a.get(JAVA_LONG, 56)).isEqualTo(sym.address());
            assertThat(a.get(JAVA_LONG, 64)).isEqualTo(16);
        }
    }

    @Test
    void uprobeAttributeCarriesPathOffsetAndSemaphore() {
        ProbePmu pmu = new ProbePmu("uprobe", 7, 0, 32);
        PerfEventAttr a = Links.uprobeAttr(pmu, 0x7000, 0x1234, UprobeOptions.DEFAULT.withRefCtrOffset(0x88));
        assertThat(a.type()).isEqualTo(7);
        assertThat(a.config()).isEqualTo(0x88L << 32);
        assertThat(a.config1()).isEqualTo(0x7000);
        assertThat(a.config2()).isEqualTo(0x1234);
    }

    @Test
    void kprobeMultiAttribute() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = Links.kprobeMultiAttr(arena, 9, new String[] {"vfs_read", "vfs_write"},
                    new long[] {1, 2}, true);
            assertThat(a.get(JAVA_INT, 0)).isEqualTo(9);
            assertThat(a.get(JAVA_INT, 8)).isEqualTo(42);
            assertThat(a.get(JAVA_INT, 16)).isEqualTo(1);
            assertThat(a.get(JAVA_INT, 20)).isEqualTo(2);
            MemorySegment syms = MemorySegment.ofAddress(a.get(JAVA_LONG, 24)).reinterpret(16);
            assertThat(syms.getAtIndex(ADDRESS, 1).reinterpret(16).getString(0)).isEqualTo("vfs_write");
            assertThat(a.get(JAVA_LONG, 32)).isZero();
            MemorySegment cookies = MemorySegment.ofAddress(a.get(JAVA_LONG, 40)).reinterpret(16);
            assertThat(cookies.getAtIndex(JAVA_LONG, 1)).isEqualTo(2);
        }
    }

    @Test
    void uprobeMultiAttribute() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = Links.uprobeMultiAttr(arena, 3, "/bin/true", new long[] {0x10, 0x20}, null,
                    new long[] {0, 8}, 77, false);
            assertThat(a.get(JAVA_INT, 8)).isEqualTo(48);
            assertThat(MemorySegment.ofAddress(a.get(JAVA_LONG, 16)).reinterpret(10).getString(0)).isEqualTo("/bin/true");
            assertThat(MemorySegment.ofAddress(a.get(JAVA_LONG, 24)).reinterpret(16).getAtIndex(JAVA_LONG, 1)).isEqualTo(0x20);
            assertThat(MemorySegment.ofAddress(a.get(JAVA_LONG, 32)).reinterpret(16).getAtIndex(JAVA_LONG, 1)).isEqualTo(8);
            assertThat(a.get(JAVA_LONG, 40)).isZero();
            assertThat(a.get(JAVA_INT, 48)).isEqualTo(2);
            assertThat(a.get(JAVA_INT, 52)).isZero();
            assertThat(a.get(JAVA_INT, 56)).isEqualTo(77);
        }
    }
}
