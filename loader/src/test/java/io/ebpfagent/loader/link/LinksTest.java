package io.ebpfagent.loader.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.Type;
import io.ebpfagent.loader.elf.ElfFile;
import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.NotSupportedException;
import io.ebpfagent.loader.sys.SyscallNumbers;
import io.ebpfagent.loader.testing.TestBpf;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Attaching test programs to real hooks of the running kernel. */
class LinksTest {
    private static final int TRACEPOINT = 0, RAW_TP = 1, UPROBE = 2, URETPROBE = 3, PERF = 4, CGROUP = 5,
            TP_BTF = 6, UPROBE_MULTI = 7, TRACEPOINT_2 = 8;
    private static final int PID = (int) ProcessHandle.current().pid();
    private FileDescriptor settings;
    private FileDescriptor hits;
    private FileDescriptor cookies;

    @BeforeEach
    void maps() {
        settings = TestBpf.createMap("settings", TestBpf.MAP_ARRAY, 4, 8, 1, 0);
        hits = TestBpf.createMap("hits", TestBpf.MAP_ARRAY, 4, 8, 16, 0);
        cookies = TestBpf.createMap("cookies", TestBpf.MAP_ARRAY, 4, 8, 16, 0);
        TestBpf.updateInt(settings, 0, PID);
    }

    @AfterEach
    void close() {
        settings.close();
        hits.close();
        cookies.close();
    }

    private FileDescriptor load(String fn, int type, int expectedAttachType) {
        return load(fn, type, expectedAttachType, 0);
    }

    private FileDescriptor load(String fn, int type, int expectedAttachType, int btfId) {
        return TestBpf.loadFunction("links.bpf.o", fn, type, expectedAttachType, btfId,
                Map.of("settings", settings, "hits", hits, "cookies", cookies));
    }

    private long hits(int slot) {
        return TestBpf.arrayLong(hits, slot);
    }

    private static void getpid(int times) {
        for (int i = 0; i < times; i++) {
            Native.syscall(SyscallNumbers.GETPID, 0, 0, 0, 0, 0);
        }
    }

    @Test
    void tracepointWithCookieInfoAndPinning() throws Exception {
        try (FileDescriptor prog = load("on_tracepoint", TestBpf.PROG_TRACEPOINT, 0)) {
            Link link = Links.tracepoint("syscalls", "sys_enter_getpid", prog, 0x1234);
            getpid(10);
            assertThat(hits(TRACEPOINT)).isGreaterThanOrEqualTo(10);
            assertThat(TestBpf.arrayLong(cookies, TRACEPOINT)).isEqualTo(0x1234);
            LinkInfo info = link.info();
            assertThat(info.type()).isEqualTo(LinkType.PERF_EVENT);
            assertThat(info.perfEventType()).hasValue(5);
            assertThat(info.id()).isPositive();

            Path bpffs = Pinning.ensureBpffs(Pinning.DEFAULT_BPFFS);
            Path pin = bpffs.resolve("links-test-" + PID);
            link.pin(pin);
            assertThat(Files.exists(pin)).isTrue();
            try (BpfLink pinned = BpfLink.loadPinned(pin)) {
                assertThat(pinned.info().id()).isEqualTo(info.id());
            }
            // the pin keeps the program attached after every descriptor is closed
            link.close();
            long before = hits(TRACEPOINT);
            getpid(5);
            assertThat(hits(TRACEPOINT)).isGreaterThanOrEqualTo(before + 5);
            Files.delete(pin);
            // the last reference dropped by unlink is released by a kernel work item: wait for it
            long deadline = System.nanoTime() + 60_000_000_000L;
            boolean detached = false;
            while (!detached && System.nanoTime() < deadline) {
                Thread.sleep(50);
                before = hits(TRACEPOINT);
                getpid(5);
                detached = hits(TRACEPOINT) == before;
            }
            assertThat(detached).isTrue();
        }
    }

    @Test
    void closingDetaches() {
        try (FileDescriptor prog = load("on_tracepoint_2", TestBpf.PROG_TRACEPOINT, 0)) {
            try (Link link = Links.tracepoint("syscalls", "sys_enter_getpid", prog)) {
                getpid(3);
            }
            long after = hits(TRACEPOINT_2);
            assertThat(after).isGreaterThanOrEqualTo(3);
            getpid(3);
            assertThat(hits(TRACEPOINT_2)).isEqualTo(after);
        }
    }

    @Test
    void unknownTracepointNamesItself() {
        try (FileDescriptor prog = load("on_tracepoint_2", TestBpf.PROG_TRACEPOINT, 0)) {
            assertThatThrownBy(() -> Links.tracepoint("syscalls", "no_such_event", prog))
                    .hasMessageContaining("syscalls/no_such_event");
        }
    }

    @Test
    void rawTracepoint() {
        try (FileDescriptor prog = load("on_raw_tp", TestBpf.PROG_RAW_TRACEPOINT, 0);
             BpfLink link = Links.rawTracepoint("sys_enter", prog)) {
            getpid(7);
            assertThat(hits(RAW_TP)).isGreaterThanOrEqualTo(7);
            assertThat(link.info().type()).isEqualTo(LinkType.RAW_TRACEPOINT);
        }
    }

    @Test
    void tpBtf() {
        int btfId = Btf.kernel().findId("btf_trace_sys_enter", Type.Typedef.class).orElseThrow();
        try (FileDescriptor prog = load("on_tp_btf", TestBpf.PROG_TRACING, AttachType.TRACE_RAW_TP.value(), btfId);
             BpfLink link = Links.tracing(prog, AttachType.TRACE_RAW_TP, 0)) {
            getpid(4);
            assertThat(hits(TP_BTF)).isGreaterThanOrEqualTo(4);
            // the kernel makes tp_btf links raw tracepoint links
            assertThat(link.info().type()).isEqualTo(LinkType.RAW_TRACEPOINT);
        }
    }

    private static Path libc() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            int slash = line.indexOf('/');
            if (slash > 0 && line.substring(slash).matches(".*/libc\\.so\\.6")) {
                return Path.of(line.substring(slash));
            }
        }
        throw new AssertionError("libc not mapped");
    }

    @Test
    void uprobeAndUretprobeOnLibcSyscallWithPidFilterAndCookie() throws Exception {
        Path libc = libc();
        try (FileDescriptor entry = load("on_uprobe", TestBpf.PROG_KPROBE, 0);
             FileDescriptor ret = load("on_uretprobe", TestBpf.PROG_KPROBE, 0);
             Link a = Links.uprobe(libc, "syscall", entry, UprobeOptions.DEFAULT.withPid(PID).withCookie(42));
             Link b = Links.uprobe(libc, "syscall", ret, UprobeOptions.DEFAULT.withRetprobe(true).withCookie(43))) {
            getpid(20);
            assertThat(hits(UPROBE)).isGreaterThanOrEqualTo(20);
            assertThat(hits(URETPROBE)).isGreaterThanOrEqualTo(20);
            assertThat(TestBpf.arrayLong(cookies, UPROBE)).isEqualTo(42);
            assertThat(TestBpf.arrayLong(cookies, URETPROBE)).isEqualTo(43);
            assertThat(a.info().perfEventType()).hasValue(1);
            assertThat(b.info().perfEventType()).hasValue(2);
        }
    }

    @Test
    void uprobeMulti() throws Exception {
        Path libc = libc();
        long offset = SymbolResolver.fileOffset(ElfFile.open(libc), "syscall");
        try (FileDescriptor prog = load("on_uprobe_multi", TestBpf.PROG_KPROBE, AttachType.TRACE_UPROBE_MULTI.value());
             BpfLink link = Links.uprobeMulti(libc, new long[] {offset}, new long[] {99}, null, PID, false, prog)) {
            getpid(5);
            assertThat(hits(UPROBE_MULTI)).isGreaterThanOrEqualTo(5);
            assertThat(TestBpf.arrayLong(cookies, UPROBE_MULTI)).isEqualTo(99);
            assertThat(link.info().type()).isEqualTo(LinkType.UPROBE_MULTI);
            assertThat(link.info().uprobeMultiCount()).hasValue(1);
        }
    }

    @Test
    void perfEventSamplingPerCpu() {
        try (FileDescriptor prog = load("on_perf", TestBpf.PROG_PERF_EVENT, 0);
             MultiLink link = Links.perfEvent(prog, PerfEventSpec.process(PID, 1000))) {
            assertThat(link.links()).hasSizeGreaterThan(1);
            long end = System.nanoTime() + 300_000_000L;
            long x = 0;
            while (System.nanoTime() < end) {
                x += System.nanoTime() % 7;
            }
            assertThat(x).isPositive();
            assertThat(hits(PERF)).isPositive();
        }
    }

    @Test
    void cgroupSkbWithLinkUpdate() throws Exception {
        Path cgroup = Path.of("/sys/fs/cgroup/unified");
        Assumptions.assumeTrue(Files.exists(cgroup.resolve("cgroup.procs")), "no cgroup v2 at " + cgroup);
        int egress = AttachType.CGROUP_INET_EGRESS.value();
        try (FileDescriptor prog = load("on_egress", TestBpf.PROG_CGROUP_SKB, egress);
             FileDescriptor prog2 = load("on_egress", TestBpf.PROG_CGROUP_SKB, egress);
             BpfLink link = Links.cgroup(cgroup, prog, AttachType.CGROUP_INET_EGRESS);
             DatagramSocket socket = new DatagramSocket()) {
            byte[] msg = "ping".getBytes();
            socket.send(new DatagramPacket(msg, msg.length, InetAddress.getLoopbackAddress(), 9));
            assertThat(hits(CGROUP)).isPositive();
            LinkInfo info = link.info();
            assertThat(info.type()).isEqualTo(LinkType.CGROUP);
            assertThat(info.attachType()).hasValue(egress);
            link.update(prog2);
            assertThat(link.info().programId()).isNotEqualTo(info.programId());
        }
    }

    @Test
    void taskIterator() throws Exception {
        int btfId = Btf.kernel().findId("bpf_iter_task", Type.Func.class).orElseThrow();
        try (FileDescriptor prog = load("on_task", TestBpf.PROG_TRACING, AttachType.TRACE_ITER.value(), btfId);
             BpfLink link = Links.iter(prog)) {
            Set<Integer> pids = new HashSet<>();
            try (InputStream in = new BpfIterator(link).open()) {
                ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
                while (b.remaining() >= 4) {
                    pids.add(b.getInt());
                }
            }
            assertThat(pids).contains(PID).hasSizeGreaterThan(10);
            assertThat(link.info().type()).isEqualTo(LinkType.ITER);
        }
    }

    @Test
    void kprobeNeedsTheKprobePmu() {
        try {
            ProbePmu.of("kprobe");
        } catch (NotSupportedException e) {
            Assumptions.abort("kprobes unavailable: " + e.getMessage());
        }
        try (FileDescriptor prog = load("on_uprobe", TestBpf.PROG_KPROBE, 0);
             Link link = Links.kprobe("__x64_sys_getpid", 0, false, prog, 5)) {
            assertThat(link.info().perfEventType()).hasValue(3);
        }
    }
}
