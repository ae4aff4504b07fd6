package io.ebpfagent.loader.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.features.KernelVersion;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapFlags;
import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.sys.Cpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Behaviour this loader shares with libbpf, each found missing on objects built by others
 * (issue 17). ForeignObjectsConformanceIT loads the same test objects with libbpf and checks
 * that both agree on outcome and program tag.
 */
class LibbpfParityTest {

    @Test
    void virtualKconfigExternsAreFilledLikeLibbpf() throws IOException {
        CollectionSpec spec = TestObjects.load("virtual_kconfig.bpf.o");
        // libbpf's layout: 4-byte slots first (by name), then the bools; no rounding of the size
        assertThat(spec.kconfigExterns()).extracting(KconfigExtern::name).containsExactly("LINUX_KERNEL_VERSION",
                "LINUX_NOT_A_LIBBPF_VALUE", "LINUX_HAS_BPF_COOKIE", "LINUX_HAS_SYSCALL_WRAPPER");
        assertThat(spec.kconfigExterns()).extracting(KconfigExtern::offset).containsExactly(0, 4, 8, 9);
        assertThat(spec.map(".kconfig").valueSize()).isEqualTo(10);
        try (Collection c = Collection.load(spec)) {
            byte[] v = c.map(".kconfig").lookup(new byte[4]);
            int version = (v[0] & 0xff) | (v[1] & 0xff) << 8 | (v[2] & 0xff) << 16 | (v[3] & 0xff) << 24;
            assertThat(version).isEqualTo(Kconfig.kernelVersion(Files.readString(Path.of("/proc/sys/kernel/osrelease"))));
            assertThat(v[4]).as("unknown weak LINUX_ extern").isZero();
            // bpf_get_attach_cookie exists since 5.15
            assertThat(v[8]).as("LINUX_HAS_BPF_COOKIE").isEqualTo((byte) (KernelVersion.code() >= 0x050f00 ? 1 : 0));
            assertThat(v[9]).as("LINUX_HAS_SYSCALL_WRAPPER").isEqualTo((byte) (syscallWrapperProbeable() ? 1 : 0));
        }
    }

    @Test
    void unknownStrongLinuxExternIsAnErrorAsInLibbpf() {
        KconfigExtern strong = new KconfigExtern("LINUX_NOT_A_LIBBPF_VALUE", 0, 4, KconfigExtern.Kind.INT, false, 1);
        assertThatThrownBy(() -> VirtualKconfig.addTo(Kconfig.of(Map.of()), List.of(strong)))
                .isInstanceOf(LoaderException.class).hasMessageContaining("unrecognized virtual extern");
        KconfigExtern weakOther = new KconfigExtern("NOT_CONFIG_OR_LINUX", 0, 4, KconfigExtern.Kind.INT, true, 1);
        assertThatThrownBy(() -> VirtualKconfig.addTo(Kconfig.of(Map.of()), List.of(weakOther)))
                .isInstanceOf(LoaderException.class).hasMessageContaining("NOT_CONFIG_OR_LINUX");
    }

    @Test
    void variablesInCustomSectionsKeepTheObjectsBtf() {
        CollectionSpec spec = TestObjects.load("custom_sections.bpf.o");
        assertThat(spec.symbolOffsets()).containsKeys("metadata_version", "run_config");
        assertThat(spec.maps()).doesNotContainKeys("xdp_metadata", ".xdp_run_config"); // no maps, as in libbpf
        // the spin lock map value can only be created with BTF: the object's BTF loaded
        try (Collection c = Collection.load(spec)) {
            BpfMap locked = c.map("locked");
            assertThat(locked.info().btfValueTypeId()).isNotZero();
            assertThat(c.map(".bss").info().flags() & MapFlags.MMAPABLE).as(".bss with a global").isNotZero();
            assertThat(c.map(".rodata").info().flags() & MapFlags.MMAPABLE).as(".rodata of statics only").isZero();
            assertThat(c.variable("global_hits").getLong()).isZero();
            assertThat(c.variable("static_limit").getInt()).as("read through syscalls").isEqualTo(7);
        }
    }

    @Test
    void weakKsymsAndKfuncsMissingFromTheKernelResolveToZero() {
        CollectionSpec spec = TestObjects.load("weak_ksym.bpf.o");
        assertThat(spec.weakExterns()).contains("ebpf_agent_no_such_kfunc", "ebpf_agent_no_such_variable");
        try (Collection c = Collection.load(spec)) {
            assertThat(c.program("weak_refs").fd().get()).isPositive();
        }
    }

    @Test
    void objectsWithKsymsKeepTheirBtfAsInLibbpf() {
        // kfuncs and kernel variables sit in a .ksyms DATASEC the kernel refuses as the compiler writes it
        try (ObjectBtfLoader.Loaded btf = ObjectBtfLoader.load(TestObjects.load("weak_ksym.bpf.o"))) {
            assertThat(btf.reason()).isNull();
            assertThat(btf.present()).isTrue();
        }
    }

    @Test
    void aMissingStrongKfuncIsNamedAKfunc() {
        assertThatThrownBy(() -> Collection.load(TestObjects.load("missing_kfunc.bpf.o")).close())
                .isInstanceOf(LoaderException.class)
                .hasMessageContaining("kfunc ebpf_agent_missing_strong_kfunc (__ksym) is not in the kernel's BTF");
    }

    @Test
    void legacyMapInMapWithoutInnerMapFailsWithALoaderException() {
        CollectionSpec spec = TestObjects.load("legacy_defaults.bpf.o");
        assertThat(spec.map("outer").type()).isEqualTo(MapType.ARRAY_OF_MAPS);
        assertThatThrownBy(() -> Collection.load(spec).close())
                .isExactlyInstanceOf(LoaderException.class)
                .hasMessageContaining("map 'outer' (ARRAY_OF_MAPS) has no inner map definition");
    }

    @Test
    void legacyPerfEventArrayOfSizeZeroGetsOneSlotPerPossibleCpu() {
        CollectionSpec spec = TestObjects.load("legacy_defaults.bpf.o");
        spec.maps().remove("outer");
        assertThat(spec.map("events").maxEntries()).isZero();
        try (Collection c = Collection.load(spec)) {
            assertThat(c.map("events").info().maxEntries()).isEqualTo(Cpus.possible());
        }
    }

    @Test
    void ringBufferSizesAreRoundedUpAsLibbpfDoes() {
        long page = io.ebpfagent.loader.sys.Mmap.pageSize();
        assertThat(CollectionLoader.ringSize((int) page)).isEqualTo((int) page);
        assertThat(CollectionLoader.ringSize((int) page + 1)).isEqualTo((int) (2 * page));
        assertThat(CollectionLoader.ringSize((int) (3 * page))).isEqualTo((int) (4 * page));
        assertThat(CollectionLoader.ringSize(1)).isEqualTo((int) page);
    }

    @Test
    void iproute2MapDefinitionsAreReadWithTheirPinning() throws IOException {
        CollectionSpec spec = TestObjects.load("iproute2_maps.bpf.o");
        assertThat(spec.map("tc_counters").pinning()).isEqualTo(io.ebpfagent.loader.maps.MapSpec.Pinning.BY_NAME);
        assertThat(spec.map("tc_counters").maxEntries()).isEqualTo(4);
        assertThat(spec.map("tc_scratch").pinning()).isEqualTo(io.ebpfagent.loader.maps.MapSpec.Pinning.NONE);
        assertThat(spec.map("tc_scratch").type()).isEqualTo(MapType.HASH);
        Path pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "iproute2");
        try (Collection c = Collection.load(spec, CollectionOptions.DEFAULT.withPinPath(pins))) {
            assertThat(pins.resolve("tc_counters")).exists();
            assertThat(pins.resolve("tc_scratch")).doesNotExist();
            assertThat(c.map("tc_scratch").info().valueSize()).isEqualTo(4);
        } finally {
            Files.deleteIfExists(pins.resolve("tc_counters"));
            Files.delete(pins);
        }
        byte[] linked = TestObjects.bytes("iproute2_maps.bpf.o").clone();
        setField(linked, "tc_scratch", 7, 1); // inner_id
        assertThatThrownBy(() -> CollectionSpec.load(linked, "inner link"))
                .isInstanceOf(LoaderException.class).hasMessageContaining("iproute2 inner map links");
    }

    /** Overwrites 32-bit field {@code index} of the legacy map definition {@code map}. */
    private static void setField(byte[] object, String map, int index, int value) {
        io.ebpfagent.loader.elf.ElfFile elf = io.ebpfagent.loader.elf.ElfFile.of(object, "patch");
        io.ebpfagent.loader.elf.ElfSection maps = elf.section("maps").orElseThrow();
        io.ebpfagent.loader.elf.ElfSymbol sym = elf.symbols().stream().filter(x -> x.name().equals(map)).findFirst().orElseThrow();
        java.nio.ByteBuffer.wrap(object).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt((int) (maps.offset() + sym.value() + 4L * index), value);
    }

    @Test
    void objectsWhoseFunctionSymbolsHaveNoTypeParseAsClang8Wrote() {
        byte[] modern = TestObjects.bytes("multi.bpf.o");
        byte[] old = untypedGlobalFunctions(modern);
        assertThat(old).isNotEqualTo(modern);
        CollectionSpec a = CollectionSpec.load(modern, "multi.bpf.o");
        CollectionSpec b = CollectionSpec.load(old, "multi.bpf.o as clang 8 types its symbols");
        assertThat(b.programs().keySet()).containsExactlyElementsOf(a.programs().keySet());
        for (String p : a.programs().keySet()) {
            assertThat(b.program(p).instructions()).as(p).isEqualTo(a.program(p).instructions());
        }
    }

    /**
     * The object with every global function symbol turned into what clang 8 and older emit:
     * type STT_NOTYPE, size 0 (Elf64_Sym: st_info at 4, st_size at 16).
     */
    private static byte[] untypedGlobalFunctions(byte[] object) {
        byte[] out = object.clone();
        io.ebpfagent.loader.elf.ElfFile elf = io.ebpfagent.loader.elf.ElfFile.of(out, "patch");
        io.ebpfagent.loader.elf.ElfSection symtab = elf.sections().stream()
                .filter(s -> s.type() == io.ebpfagent.loader.elf.ElfSection.SHT_SYMTAB).findFirst().orElseThrow();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long at = symtab.offset(); at + 24 <= symtab.offset() + symtab.size(); at += 24) {
            int info = out[(int) at + 4] & 0xff;
            if ((info & 0xf) == 2 && (info >> 4) == 1) { // STT_FUNC, STB_GLOBAL
                out[(int) at + 4] = (byte) (1 << 4); // STT_NOTYPE, STB_GLOBAL
                b.putLong((int) at + 16, 0);
            }
        }
        return out;
    }

    /** What libbpf's FEAT_SYSCALL_WRAPPER probe needs: a kprobe PMU and the wrapper symbol. */
    private static boolean syscallWrapperProbeable() throws IOException {
        if (!Files.exists(Path.of("/sys/bus/event_source/devices/kprobe/type"))) return false;
        try (var lines = Files.lines(Path.of("/proc/kallsyms"))) {
            return lines.anyMatch(l -> l.endsWith(" __x64_sys_bpf"));
        }
    }
}
