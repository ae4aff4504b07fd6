package io.ebpfagent.examples;

import io.ebpfagent.examples.TracepointBpf.OpenCount;
import io.ebpfagent.examples.TracepointBpf.ThreadKey;
import io.ebpfagent.loader.collection.Collection;
import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.link.Link;
import io.ebpfagent.loader.link.Links;
import io.ebpfagent.loader.maps.BpfMap;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A classic tracepoint ({@code syscalls/sys_enter_openat}) counting the openat(2) calls of each
 * thread of this process into a hash map; the key and value are read with the layouts generated
 * from {@code tracepoint.bpf.o} ({@link TracepointBpf}).
 */
public final class TracepointExample {
    private TracepointExample() {
    }

    /** The openat calls of one thread. */
    public record ThreadOpens(int tid, long calls, long lastNanos, int lastDirFd) {
    }

    /** Runs {@code workload} with the program attached and returns the calls of each thread of this process. */
    public static List<ThreadOpens> countOpens(Runnable workload) {
        CollectionSpec spec = BundledObjects.spec("tracepoint.bpf.o");
        TracepointBpf.Rodata.setTargetTgid(spec, ProcessHandle.current().pid());
        try (Collection c = Collection.load(spec);
             Link _ = Links.tracepoint("syscalls", "sys_enter_openat", c.program(TracepointBpf.Programs.ON_OPENAT));
             Arena arena = Arena.ofConfined()) {
            workload.run();
            BpfMap opens = c.map(TracepointBpf.Maps.OPENS);
            MemorySegment key = arena.allocate(ThreadKey.LAYOUT);
            MemorySegment value = arena.allocate(OpenCount.LAYOUT);
            List<ThreadOpens> out = new ArrayList<>();
            for (boolean more = opens.nextKey(null, key); more; more = opens.nextKey(key, key)) {
                if (opens.lookup(key, value)) {
                    out.add(new ThreadOpens((int) ThreadKey.VH_TID.get(key, 0L),
                            (long) OpenCount.VH_CALLS.get(value, 0L),
                            (long) OpenCount.VH_LAST_NS.get(value, 0L),
                            (int) OpenCount.VH_LAST_DFD.get(value, 0L)));
                }
            }
            return out;
        }
    }

    /** Opens a file a few times and prints what the kernel counted. Run as root. */
    public static void main(String[] args) throws IOException {
        Path file = Files.createTempFile("tracepoint-example", ".txt");
        try {
            for (ThreadOpens t : countOpens(() -> {
                for (int i = 0; i < 10; i++) {
                    try {
                        Files.readAllBytes(file);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            })) {
                System.out.println(t);
            }
        } finally {
            Files.delete(file);
        }
    }
}
