package io.ebpfagent.demo;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * {@code /alloc?mb=64}: allocates mb MiB in 8 KiB arrays that die young. Each array goes into a
 * small ring that is published at the end, so the allocations escape and the JIT cannot remove
 * them, while only the last 1 MiB stays reachable: eden fills and young collections follow.
 */
public final class AllocEndpoint implements Endpoint {
    private static final int CHUNK = 8 * 1024;
    private static final int RING = 128;
    /** Publishing the ring makes every chunk globally reachable for a moment, hence real. */
    @SuppressWarnings("unused")
    private static volatile byte[][] sink;

    @Override
    public String path() {
        return "/alloc";
    }

    @Override
    public Json handle(Query query) {
        long mb = query.longParam("mb", 64, 0, 64 * 1024);
        long chunks = mb * 1024 * 1024 / CHUNK;
        long gcBefore = collections();
        byte[][] ring = new byte[RING][];
        long checksum = 0;
        for (long i = 0; i < chunks; i++) {
            byte[] chunk = new byte[CHUNK];
            chunk[(int) (i % CHUNK)] = (byte) i;
            ring[(int) (i % RING)] = chunk;
            checksum += chunk[(int) (i % CHUNK)];
        }
        sink = ring;
        return new Json()
                .put("requested_mb", mb)
                .put("allocated_bytes", chunks * CHUNK)
                .put("arrays", chunks)
                .put("gc_collections_during", collections() - gcBefore)
                .put("checksum", checksum);
    }

    /** Collections of all collectors since JVM start; process-wide, so concurrent requests add. */
    static long collections() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionCount());
        }
        return total;
    }
}
