package io.ebpfagent.loader.usdt;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.link.LinkType;
import io.ebpfagent.loader.link.MultiLink;
import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.ringbuf.RingBufferReader;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.SyscallNumbers;
import io.ebpfagent.loader.testing.TestBpf;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** hotspot USDT probes of the JVM running the test, read by a libbpf-style BPF_USDT program. */
class UsdtAttachTest {
    private static final int PID = (int) ProcessHandle.current().pid();
    private FileDescriptor events;
    private FileDescriptor specs;
    private FileDescriptor ipToSpec;

    record Event(int kind, int tid, long javaId, long nativeId, int daemon, String name, long argCount) {
    }

    @BeforeEach
    void maps() {
        events = TestBpf.createMap("events", TestBpf.MAP_RINGBUF, 0, 0, 64 * 1024, 0);
        specs = TestBpf.createMap("__bpf_usdt_specs", TestBpf.MAP_ARRAY, 4, (int) UsdtSpec.LAYOUT.byteSize(), 256, 0);
        ipToSpec = TestBpf.createMap("__bpf_usdt_ip_to_spec_id", TestBpf.MAP_HASH, 8, 4, 1024, 0);
    }

    @AfterEach
    void close() {
        events.close();
        specs.close();
        ipToSpec.close();
    }

    private FileDescriptor load(String fn) {
        return TestBpf.loadFunction("usdt.bpf.o", fn, TestBpf.PROG_KPROBE, 0,
                Map.of("events", events, "__bpf_usdt_specs", specs, "__bpf_usdt_ip_to_spec_id", ipToSpec));
    }

    private static List<Event> drain(RingBufferReader reader, int timeoutMillis) {
        List<Event> out = new ArrayList<>();
        reader.poll(timeoutMillis, (MemorySegment s, long o, int len) -> {
            int nameLen = Math.min(s.get(JAVA_INT.withByteAlignment(1), o + 28), 31);
            byte[] name = new byte[nameLen];
            MemorySegment.copy(s, java.lang.foreign.ValueLayout.JAVA_BYTE, o + 40, name, 0, nameLen);
            out.add(new Event(s.get(JAVA_INT.withByteAlignment(1), o), s.get(JAVA_INT.withByteAlignment(1), o + 4),
                    s.get(JAVA_LONG.withByteAlignment(1), o + 8), s.get(JAVA_LONG.withByteAlignment(1), o + 16),
                    s.get(JAVA_INT.withByteAlignment(1), o + 24), new String(name, StandardCharsets.UTF_8),
                    s.get(JAVA_LONG.withByteAlignment(1), o + 32)));
        });
        return out;
    }

    @Test
    void threadStartCarriesNameJavaIdAndNativeTid() throws Exception {
        Path libjvm = Usdt.libjvmOf(PID);
        assertThat(libjvm).isEqualTo(Usdt.currentLibjvm().toRealPath());
        try (FileDescriptor prog = load("on_thread_start");
             MultiLink link = Usdt.attach(prog, specs, ipToSpec, libjvm, "hotspot", "thread__start", PID);
             RingBufferReader reader = RingBufferReader.open(events, 64 * 1024)) {
            AtomicInteger tid = new AtomicInteger();
            Thread t = Thread.ofPlatform().name("usdt-probe-test").daemon(true)
                    .start(() -> tid.set((int) Native.syscall(SyscallNumbers.GETTID, 0, 0, 0, 0, 0)));
            t.join();
            Event found = null;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (found == null && System.nanoTime() < deadline) {
                for (Event e : drain(reader, 200)) {
                    if (e.name().equals("usdt-probe-test")) {
                        found = e;
                    }
                }
            }
            assertThat(found).isNotNull();
            assertThat(found.kind()).isEqualTo(1);
            assertThat(found.argCount()).isEqualTo(5);
            assertThat(found.javaId()).isEqualTo(t.threadId());
            assertThat(found.nativeId()).isEqualTo(tid.get());
            assertThat(found.daemon()).isEqualTo(1);
        }
    }

    @Test
    void systemGcFiresGcBeginAndEnd() throws Exception {
        Path libjvm = Usdt.currentLibjvm();
        try (FileDescriptor begin = load("on_gc_begin");
             FileDescriptor end = load("on_gc_end");
             MultiLink b = Usdt.attach(begin, specs, ipToSpec, libjvm, "hotspot", "gc__begin", PID);
             MultiLink e = Usdt.attach(end, specs, null, libjvm, "hotspot", "gc__end", -1);
             RingBufferReader reader = RingBufferReader.open(events, 64 * 1024)) {
            // gc__begin has two sites with different argument layouts: two specs
            assertThat(b.links()).hasSizeGreaterThanOrEqualTo(2);
            System.gc();
            AtomicLong begins = new AtomicLong();
            AtomicLong ends = new AtomicLong();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while ((begins.get() == 0 || ends.get() == 0) && System.nanoTime() < deadline) {
                for (Event ev : drain(reader, 200)) {
                    if (ev.kind() == 2) {
                        begins.incrementAndGet();
                        assertThat(ev.argCount()).isEqualTo(1);
                        // System.gc() is a full collection
                        assertThat(ev.javaId()).isEqualTo(1);
                    } else if (ev.kind() == 3) {
                        ends.incrementAndGet();
                        assertThat(ev.argCount()).isZero();
                    }
                }
            }
            assertThat(begins.get()).isPositive();
            assertThat(ends.get()).isPositive();
        }
    }

    @Test
    void oneMultiLinkServesSeveralProbesToldApartByTheirCookie() throws Exception {
        Path libjvm = Usdt.libjvmOf(PID);
        List<Usdt.Target> targets = List.of(new Usdt.Target("hotspot", "thread__start", 11),
                new Usdt.Target("hotspot", "gc__begin", 12), new Usdt.Target("hotspot", "gc__end", 13),
                new Usdt.Target("hotspot", "no__such__probe", 14));
        try (FileDescriptor prog = TestBpf.loadFunction("usdt.bpf.o", "on_any", TestBpf.PROG_KPROBE,
                     AttachType.TRACE_UPROBE_MULTI.value(),
                     Map.of("events", events, "__bpf_usdt_specs", specs, "__bpf_usdt_ip_to_spec_id", ipToSpec));
             Usdt.MultiAttachment attachment = Usdt.attachMulti(prog, specs, ipToSpec, libjvm, targets, PID);
             RingBufferReader reader = RingBufferReader.open(events, 64 * 1024)) {
            assertThat(attachment.missing()).extracting(Usdt.Target::name).containsExactly("no__such__probe");
            assertThat(attachment.attached()).extracting(Usdt.Target::name)
                    .containsExactly("thread__start", "gc__begin", "gc__end");
            // one kernel link for every site of the three probes
            assertThat(attachment.link().links()).singleElement().satisfies(l -> {
                assertThat(l.info().type()).isEqualTo(LinkType.UPROBE_MULTI);
                assertThat(l.info().uprobeMultiCount().getAsInt()).isGreaterThanOrEqualTo(4);
            });
            AtomicInteger tid = new AtomicInteger();
            Thread t = Thread.ofPlatform().name("usdt-multi-test").start(
                    () -> tid.set((int) Native.syscall(SyscallNumbers.GETTID, 0, 0, 0, 0, 0)));
            t.join();
            System.gc();
            boolean start = false, begin = false, end = false;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!(start && begin && end) && System.nanoTime() < deadline) {
                for (Event e : drain(reader, 200)) {
                    if (e.kind() == 11 && e.tid() == tid.get()) {
                        start = true;
                        assertThat(e.argCount()).isEqualTo(5);
                    } else if (e.kind() == 12 && e.javaId() == 1) {
                        begin = true; // System.gc(): a full collection
                    } else if (e.kind() == 13) {
                        end = true;
                        assertThat(e.argCount()).isZero();
                    }
                }
            }
            assertThat(start).as("thread__start seen").isTrue();
            assertThat(begin).as("gc__begin(full) seen").isTrue();
            assertThat(end).as("gc__end seen").isTrue();
        }
    }
}
