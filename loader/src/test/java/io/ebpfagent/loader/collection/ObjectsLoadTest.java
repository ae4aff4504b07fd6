package io.ebpfagent.loader.collection;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.Type;
import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.features.KernelVersion;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.programs.ProgramType;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfAttr;
import io.ebpfagent.loader.sys.BpfInfo;
import io.ebpfagent.loader.sys.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The elf and btf helpers' test objects, loaded into the running kernel. */
class ObjectsLoadTest {

    @Test
    void mapInMapAndProgramArrayGetTheirInitialValues() throws IOException {
        Path pins = Files.createTempDirectory(Path.of(bpffs()), "coll");
        try (Collection c = Collection.load(TestObjects.load("mapinmap.bpf.o"), CollectionOptions.DEFAULT.withPinPath(pins))) {
            BpfMap outer = c.map("outer");
            // user space reads map-in-map and program array slots as object ids
            assertThat(intAt(outer.lookup(key(0)))).isEqualTo(c.map("inner_a").info().id());
            assertThat(intAt(outer.lookup(key(2)))).isEqualTo(c.map("inner_b").info().id());
            assertThat(outer.find(key(1))).isEmpty();
            BpfMap jumps = c.map("jumps");
            assertThat(intAt(jumps.lookup(key(1)))).isEqualTo(programId(c.program("tail_a").fd()));
            assertThat(intAt(jumps.lookup(key(2)))).isEqualTo(programId(c.program("tail_b").fd()));
            assertThat(jumps.find(key(0))).isEmpty();
            assertThat(c.map("bloom").info().mapExtra()).isEqualTo(3);
            assertThat(Files.exists(pins.resolve("pinned"))).isTrue();
        } finally {
            deleteTree(pins);
        }
    }

    @Test
    void pinnedMapsAreReusedByTheNextLoad() throws IOException {
        Path pins = Files.createTempDirectory(Path.of(bpffs()), "coll");
        CollectionOptions options = CollectionOptions.DEFAULT.withPinPath(pins);
        try (Collection first = Collection.load(TestObjects.load("mapinmap.bpf.o"), options)) {
            first.map("pinned").update(key(7), longBytes(42), BpfMap.ANY);
            int id = first.map("pinned").info().id();
            first.close();
            try (Collection second = Collection.load(TestObjects.load("mapinmap.bpf.o"), options)) {
                assertThat(second.map("pinned").info().id()).isEqualTo(id);
                assertThat(second.map("pinned").lookup(key(7))).isEqualTo(longBytes(42));
            }
        } finally {
            deleteTree(pins);
        }
    }

    @Test
    void incompatiblePinnedMapIsRefused() throws IOException {
        Path pins = Files.createTempDirectory(Path.of(bpffs()), "coll");
        try (BpfMap wrong = BpfMap.create(MapSpec.of("pinned", MapType.LRU_HASH, 4, 4, 128))) {
            wrong.pin(pins.resolve("pinned"));
            int before = openDescriptors();
            assertThatThrownBy(() -> Collection.load(TestObjects.load("mapinmap.bpf.o"), CollectionOptions.DEFAULT.withPinPath(pins)))
                    .isInstanceOf(LoaderException.class)
                    .hasMessageContaining("map pinned at " + pins.resolve("pinned"))
                    .hasMessageContaining("value size 4 instead of 8");
            assertThat(openDescriptors()).isEqualTo(before);
        } finally {
            deleteTree(pins);
        }
    }

    @Test
    void pinningWithoutAPinPathIsAClearError() {
        assertThatThrownBy(() -> Collection.load(TestObjects.load("mapinmap.bpf.o")))
                .hasMessageContaining("'pinned' is pinned by name but CollectionOptions.pinPath is not set");
    }

    @Test
    void replacementMapIsSharedByTwoCollections() throws Exception {
        assumeTrue(TestAttach.tracefsAvailable(), "tracefs is not mounted at /sys/kernel/tracing");
        int pid = (int) ProcessHandle.current().pid();
        try (BpfMap shared = BpfMap.create(MapSpec.of("counts", MapType.HASH, 4, 8, 1024))) {
            CollectionOptions options = CollectionOptions.DEFAULT.withMapReplacement("counts", shared);
            CollectionSpec spec = TestObjects.load("minimal.bpf.o");
            spec.variable("target_tgid").set(pid);
            try (Collection a = Collection.load(spec, options);
                 Collection b = Collection.load(spec, options)) {
                assertThat(a.map("counts")).isSameAs(shared);
                assertThat(a.map("events").info().id()).isNotEqualTo(b.map("events").info().id());
                int tid = TestAttach.gettid();
                try (FileDescriptor la = TestAttach.tracepoint("syscalls", "sys_enter_getpid", a.program("on_getpid").fd().get());
                     FileDescriptor lb = TestAttach.tracepoint("syscalls", "sys_enter_getpid", b.program("on_getpid").fd().get())) {
                    TestAttach.getpid(10);
                }
                assertThat(shared.lookupLong(tid)).isEqualTo(20); // both programs bumped the one map
                assertThat(a.variable("hits").getLong()).isEqualTo(10);
                assertThat(b.variable("hits").getLong()).isEqualTo(10);
            }
            assertThat(shared.fd().isClosed()).isFalse(); // the caller's map outlives the collections
            assertThat(shared.info().type()).isEqualTo(MapType.HASH);
        }
    }

    @Test
    void incompatibleReplacementIsRefused() {
        try (BpfMap wrong = BpfMap.create(MapSpec.of("counts", MapType.HASH, 4, 4, 16))) {
            assertThatThrownBy(() -> Collection.load(TestObjects.load("minimal.bpf.o"),
                    CollectionOptions.DEFAULT.withMapReplacement("counts", wrong)))
                    .hasMessageContaining("replacement map for 'counts' is incompatible")
                    .hasMessageContaining("value size 4 instead of 8")
                    .hasMessageContaining("max entries 16 instead of 1024");
            assertThat(wrong.fd().isClosed()).isFalse();
        }
    }

    @Test
    void kconfigExternsAreFilledFromTheRunningKernel() throws Exception {
        assumeTrue(TestAttach.tracefsAvailable(), "tracefs is not mounted at /sys/kernel/tracing");
        Kconfig config = Kconfig.current();
        CollectionOptions options = CollectionOptions.DEFAULT.withKconfig(Map.of("CONFIG_EXAMPLE_TRISTATE", "m"));
        try (Collection c = Collection.load(TestObjects.load("kconfig.bpf.o"), options);
             FileDescriptor link = TestAttach.tracepoint("syscalls", "sys_enter_getpid", c.program("read_config").fd().get())) {
            TestAttach.getpid(1);
            MemorySegment out = c.variable("out").memory();
            assertThat(out.get(JAVA_LONG, 0)).isEqualTo(KernelVersion.code());
            assertThat(out.get(JAVA_LONG, 8)).isEqualTo(1); // CONFIG_BPF_SYSCALL=y
            assertThat(out.get(JAVA_LONG, 16)).isEqualTo(2); // tristate m, from the options
            assertThat(out.get(JAVA_LONG, 24)).isEqualTo(Long.parseLong(config.value("CONFIG_HZ").orElseThrow()));
            String host = config.value("CONFIG_DEFAULT_HOSTNAME").orElse("\"\"");
            long first = host.length() > 2 ? host.charAt(1) : 0;
            assertThat(out.get(JAVA_LONG, 32)).isEqualTo(first);
            assertThat(out.get(JAVA_LONG, 40)).isZero(); // weak and missing
            assertThat(c.map(".kconfig").info().frozen()).isTrue();
        }
    }

    @Test
    void coreRelocationsHoldAtRunTime() throws Exception {
        Btf kernel = Btf.kernel();
        try (Collection c = Collection.load(TestObjects.load("core.bpf.o"));
             FileDescriptor link = TestAttach.btfTracing(c.program("core_test").fd().get())) {
            MemorySegment out = c.variable("out").memory();
            long deadline = System.nanoTime() + 60_000_000_000L;
            // wait for a context switch; the idle task (pid 0) may be the last one seen, so also
            // wait until a real task's pid was the last written
            long somePid = out.get(JAVA_LONG, 0);
            while ((out.get(JAVA_LONG, 3 * 8) == 0 || somePid <= 0) && System.nanoTime() < deadline) {
                Thread.sleep(1);
                somePid = out.get(JAVA_LONG, 0);
            }
            int task = kernel.findId("task_struct", Type.Struct.class).orElseThrow();
            Type.Struct ts = (Type.Struct) kernel.type(task);
            assertThat(somePid).isPositive();                               // some task's pid
            assertThat(out.get(JAVA_LONG, 3 * 8)).isEqualTo(1);             // pid exists
            assertThat(out.get(JAVA_LONG, 4 * 8)).isZero();                 // no_such_field does not
            assertThat(out.get(JAVA_LONG, 5 * 8)).isEqualTo(ts.size());
            assertThat(out.get(JAVA_LONG, 6 * 8)).isEqualTo(enumValue(kernel, "bpf_map_type", "BPF_MAP_TYPE_RINGBUF"));
            assertThat(out.get(JAVA_LONG, 7 * 8)).isEqualTo(16);            // comm[16]
            assertThat(out.get(JAVA_LONG, 8 * 8)).isEqualTo(memberOffset(ts, "comm"));
            assertThat(out.get(JAVA_LONG, 11 * 8)).isEqualTo(1);
            assertThat(out.get(JAVA_LONG, 12 * 8)).isZero();
            assertThat(out.get(JAVA_LONG, 13 * 8)).isEqualTo(1);
            assertThat(out.get(JAVA_LONG, 14 * 8)).isZero();
            assertThat(out.get(JAVA_LONG, 15 * 8)).isEqualTo(enumValue(kernel, "bpf_map_type", "BPF_MAP_TYPE_RINGBUF"));
            assertThat(out.get(JAVA_LONG, 16 * 8)).isEqualTo(task);
            assertThat(out.get(JAVA_LONG, 19 * 8)).isEqualTo(memberOffset(ts, "pid"));
            assertThat(out.get(JAVA_LONG, 21 * 8)).isEqualTo(memberOffset(ts, "comm") + 3);
        }
    }

    @Test
    void coreRelocationsInAnAppendedSubprogramHold() throws Exception {
        try (Collection c = Collection.load(TestObjects.load("corelink.bpf.o"));
             FileDescriptor link = TestAttach.btfTracing(c.program("on_fork").fd().get())) {
            // seen = pid + parent's tgid (+1 if task->flags exists): only right if both reads were relocated
            new ProcessBuilder("true").start().waitFor();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (c.variable("seen").getLong() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(c.variable("seen").getLong()).isGreaterThan(2);
        }
    }

    @Test
    void linkedProgramsRunWithTheirMaps() {
        try (Collection c = Collection.load(TestObjects.load("multi.bpf.o"))) {
            assertThat(c.programs().keySet()).contains("xdp_one", "xdp_two", "tp_calls_global");
            int fd = c.program("xdp_one").fd().get();
            // xdp_one returns ((slots[0] + ingress_ifindex) * 3) & 3; test runs arrive on lo (ifindex 1)
            assertThat(testRunXdp(fd)).isEqualTo(3);
            c.map("slots").update(key(0), longBytes(2), BpfMap.ANY);
            assertThat(testRunXdp(fd)).isEqualTo(1);
        }
    }

    @Test
    void customDataSectionsAndLegacyMapsLoad() {
        try (Collection c = Collection.load(TestObjects.load("globals.bpf.o"))) {
            assertThat(c.variable("threshold").getInt()).isEqualTo(100);
            assertThat(c.variable("threshold").isReadOnly()).isTrue();
            assertThat(c.variable("custom_counter").getLong()).isEqualTo(5);
            assertThat(c.variable("limits").memory().get(JAVA_LONG, 16)).isEqualTo(3);
            assertThat(c.map(".rodata.config").info().frozen()).isTrue();
        }
        assumeTrue(Features.supported(() -> Features.haveProgramType(ProgramType.KPROBE)),
                () -> "kprobe programs: " + Features.missing(() -> Features.haveProgramType(ProgramType.KPROBE)).orElse(""));
        try (Collection c = Collection.load(TestObjects.load("legacy.bpf.o"))) {
            assertThat(c.map("legacy_hash").info().type()).isEqualTo(MapType.HASH);
            assertThat(c.map("legacy_array").info().type()).isEqualTo(MapType.PERCPU_ARRAY);
        }
    }

    // ------------------------------------------------------------------ helpers

    static String bpffs() {
        String p = "/sys/fs/bpf";
        assumeTrue(isBpffs(p), "bpffs is not mounted at /sys/fs/bpf (scripts/kernel-fs.sh mounts it)");
        return p;
    }

    private static boolean isBpffs(String path) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/mounts"))) {
            return lines.anyMatch(l -> l.contains(" " + path + " bpf "));
        } catch (IOException e) {
            return false;
        }
    }

    static int openDescriptors() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) Files.delete(p);
        }
        Files.delete(dir);
    }

    private static byte[] key(int k) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(k).array();
    }

    private static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    private static int intAt(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getInt(0);
    }

    private static int programId(FileDescriptor fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(BpfInfo.Prog.LAYOUT);
            Bpf.objGetInfoByFd(fd.get(), info);
            return info.get(JAVA_INT, BpfInfo.Prog.ID);
        }
    }

    private static int testRunXdp(int progFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment packet = arena.allocate(64);
            MemorySegment attr = arena.allocate(BpfAttr.TestRun.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.TestRun.PROG_FD, progFd);
            attr.set(JAVA_INT, BpfAttr.TestRun.DATA_SIZE_IN, (int) packet.byteSize());
            attr.set(JAVA_LONG, BpfAttr.TestRun.DATA_IN, packet.address());
            attr.set(JAVA_INT, BpfAttr.TestRun.REPEAT, 1);
            Bpf.progTestRun(attr);
            return attr.get(JAVA_INT, BpfAttr.TestRun.RETVAL);
        }
    }

    private static long enumValue(Btf btf, String enumName, String value) {
        Type.Enum e = btf.find(enumName, Type.Enum.class);
        return e.values().stream().filter(v -> v.name().equals(value)).findFirst().orElseThrow().value();
    }

    private static long memberOffset(Type.Struct s, String member) {
        return s.members().stream().filter(m -> m.name().equals(member)).findFirst().orElseThrow().bitOffset() / 8;
    }
}
