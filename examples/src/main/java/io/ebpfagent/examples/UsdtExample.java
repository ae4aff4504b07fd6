package io.ebpfagent.examples;

import io.ebpfagent.examples.UsdtBpf.ThreadStart;
import io.ebpfagent.loader.collection.Collection;
import io.ebpfagent.loader.link.MultiLink;
import io.ebpfagent.loader.ringbuf.RingBufferReader;
import io.ebpfagent.loader.usdt.Usdt;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A USDT probe: HotSpot's {@code hotspot:thread__start} in this JVM's libjvm.so, whose arguments
 * the program reads with libbpf's {@code usdt.bpf.h}; each started thread becomes a
 * {@code struct thread_start} record, read with the layout generated from {@code usdt.bpf.o}
 * ({@link UsdtBpf}).
 */
public final class UsdtExample {
    private UsdtExample() {
    }

    /** A thread the JVM started. */
    public record ThreadStarted(int tid, long javaId, long nativeId, boolean daemon, String name) {
    }

    /**
     * Runs {@code workload} with the probe attached and reads records until one matches
     * {@code until} or {@code timeoutMillis} pass.
     */
    public static List<ThreadStarted> watchThreads(Runnable workload, Predicate<ThreadStarted> until,
                                                   long timeoutMillis) {
        int pid = (int) ProcessHandle.current().pid();
        try (Collection c = Collection.load(BundledObjects.spec("usdt.bpf.o"));
             // the loader writes each probe site's argument specs into usdt.bpf.h's two maps
             MultiLink _ = Usdt.attach(c.program(UsdtBpf.Programs.ON_THREAD_START),
                     c.map(UsdtBpf.Maps.__BPF_USDT_SPECS), c.map(UsdtBpf.Maps.__BPF_USDT_IP_TO_SPEC_ID),
                     Usdt.libjvmOf(pid), "hotspot", "thread__start", pid);
             RingBufferReader threads = RingBufferReader.open(c.map(UsdtBpf.Maps.THREADS))) {
            workload.run();
            List<ThreadStarted> out = new ArrayList<>();
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
            while (out.stream().noneMatch(until) && System.nanoTime() < deadline) {
                threads.poll(100, (ring, offset, length) -> out.add(decode(ring, offset)));
            }
            return out;
        }
    }

    static ThreadStarted decode(MemorySegment ring, long offset) {
        int nameLength = Math.min((int) ThreadStart.VH_NAME_LEN.get(ring, offset), ThreadStart.NAME_LENGTH);
        return new ThreadStarted((int) ThreadStart.VH_TID.get(ring, offset), (long) ThreadStart.VH_JAVA_ID.get(ring, offset),
                (long) ThreadStart.VH_NATIVE_ID.get(ring, offset), (byte) ThreadStart.VH_DAEMON.get(ring, offset) != 0,
                RingBufferExample.cString(ring, offset + ThreadStart.NAME, nameLength));
    }

    /** Starts a thread and prints its record. Run as root. */
    public static void main(String[] args) {
        List<ThreadStarted> started = watchThreads(() -> Thread.ofPlatform().name("usdt-example").start(() -> { }),
                t -> t.name().equals("usdt-example"), 5_000);
        started.forEach(System.out::println);
    }
}
