package io.ebpfagent.probes;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.Type;
import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.maps.MapFlags;
import io.ebpfagent.loader.maps.MapSpec;

/**
 * Per-thread hash maps whose entries the kernel allocates when a thread first writes one
 * ({@code BPF_F_NO_PREALLOC}) instead of all at creation, where that is safe for the tracing
 * programs writing them. A preallocated map reserves its whole capacity (8192 threads: the sched
 * probe's 5.5 MB among them) in kernel memory charged to the JVM's memory cgroup, and the kernel
 * allocates and initialises every entry while the probe loads, on the agent's way to the attach.
 *
 * <p>Safe since Linux 6.1, when hash maps began allocating from {@code bpf_mem_alloc}, which
 * works in any context (a scheduler tracepoint with the run queue locked included). Before, an
 * allocation from a tracing program could deadlock in the allocator it traces, and the kernel
 * warned of it or, for perf_event programs, refused the map. The kernel's BTF says which: it has
 * {@code struct bpf_mem_alloc} from 6.1 on; without it the maps stay preallocated.
 */
final class MapAllocation {
    private static volatile Boolean safe;

    private MapAllocation() {
    }

    /** Makes {@code map} of {@code spec} allocate its entries on first write, if this kernel allows it. */
    static void onFirstWrite(CollectionSpec spec, String map) {
        spec.maps().put(map, onFirstWrite(spec.map(map)));
    }

    /** The same for a map spec on its own (a map created outside a collection). */
    static MapSpec onFirstWrite(MapSpec map) {
        return safeInTracingPrograms() ? map.withFlags(map.flags() | MapFlags.NO_PREALLOC) : map;
    }

    /** Whether hash maps allocate from {@code bpf_mem_alloc} (Linux 6.1+), from the kernel's BTF. */
    static boolean safeInTracingPrograms() {
        Boolean v = safe;
        if (v == null) {
            safe = v = Btf.kernel().findId("bpf_mem_alloc", Type.Struct.class).isPresent();
        }
        return v;
    }
}
