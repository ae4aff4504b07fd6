package io.ebpfagent.examples;

import io.ebpfagent.examples.RingbufBpf.ExecEvent;
import io.ebpfagent.loader.collection.Collection;
import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.link.Link;
import io.ebpfagent.loader.link.Links;
import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.ringbuf.RingBufferReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A ring buffer consumer: a {@code tp_btf/sched_process_exec} program writes one
 * {@code struct exec_event} per program this process starts, read in place from the mapped ring
 * with the layout generated from {@code ringbuf.bpf.o} ({@link RingbufBpf}).
 */
public final class RingBufferExample {
    private RingBufferExample() {
    }

    /** One started program. */
    public record Exec(int pid, int parentPid, long nanos, String comm) {
    }

    /**
     * Runs {@code workload} with the program attached and reads records until one matches
     * {@code until} or {@code timeoutMillis} pass.
     */
    public static List<Exec> watchExecs(Runnable workload, Predicate<Exec> until, long timeoutMillis) {
        CollectionSpec spec = BundledObjects.spec("ringbuf.bpf.o");
        RingbufBpf.Rodata.setParentTgid(spec, ProcessHandle.current().pid());
        try (Collection c = Collection.load(spec);
             // tp_btf: the attach target (btf_trace_sched_process_exec) was resolved at load
             Link _ = Links.tracing(c.program(RingbufBpf.Programs.ON_EXEC).fd(), AttachType.TRACE_RAW_TP, 0);
             RingBufferReader events = RingBufferReader.open(c.map(RingbufBpf.Maps.EVENTS))) {
            workload.run();
            List<Exec> out = new ArrayList<>();
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
            while (out.stream().noneMatch(until) && System.nanoTime() < deadline) {
                events.poll(100, (ring, offset, length) -> out.add(decode(ring, offset)));
            }
            return out;
        }
    }

    static Exec decode(MemorySegment ring, long offset) {
        return new Exec((int) ExecEvent.VH_PID.get(ring, offset), (int) ExecEvent.VH_PPID.get(ring, offset),
                (long) ExecEvent.VH_TIME_NS.get(ring, offset), cString(ring, offset + ExecEvent.COMM, ExecEvent.COMM_LENGTH));
    }

    /** A NUL-terminated string of at most {@code max} bytes. */
    static String cString(MemorySegment s, long offset, int max) {
        int n = 0;
        while (n < max && s.get(ValueLayout.JAVA_BYTE, offset + n) != 0) {
            n++;
        }
        return new String(s.asSlice(offset, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** Starts {@code /bin/true} and prints the record of its exec. Run as root. */
    public static void main(String[] args) {
        List<Exec> execs = watchExecs(() -> {
            try {
                new ProcessBuilder("/bin/true").start().waitFor();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, e -> e.comm().equals("true"), 5_000);
        execs.forEach(System.out::println);
    }
}
