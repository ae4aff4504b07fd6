package io.ebpfagent.loader.maps;

/**
 * The kernel's map types ({@code enum bpf_map_type}).
 *
 * <p>The numeric values are the kernel's UAPI values ({@code include/uapi/linux/bpf.h}); an
 * enum constant existing here does not mean the running kernel supports it: ask
 * {@code io.ebpfagent.loader.features}.
 */
public enum MapType {
    /** {@code BPF_MAP_TYPE_UNSPEC} = 0. */
    UNSPEC(0),
    /** {@code BPF_MAP_TYPE_HASH} = 1. */
    HASH(1),
    /** {@code BPF_MAP_TYPE_ARRAY} = 2. */
    ARRAY(2),
    /** {@code BPF_MAP_TYPE_PROG_ARRAY} = 3. */
    PROG_ARRAY(3),
    /** {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY} = 4. */
    PERF_EVENT_ARRAY(4),
    /** {@code BPF_MAP_TYPE_PERCPU_HASH} = 5. */
    PERCPU_HASH(5),
    /** {@code BPF_MAP_TYPE_PERCPU_ARRAY} = 6. */
    PERCPU_ARRAY(6),
    /** {@code BPF_MAP_TYPE_STACK_TRACE} = 7. */
    STACK_TRACE(7),
    /** {@code BPF_MAP_TYPE_CGROUP_ARRAY} = 8. */
    CGROUP_ARRAY(8),
    /** {@code BPF_MAP_TYPE_LRU_HASH} = 9. */
    LRU_HASH(9),
    /** {@code BPF_MAP_TYPE_LRU_PERCPU_HASH} = 10. */
    LRU_PERCPU_HASH(10),
    /** {@code BPF_MAP_TYPE_LPM_TRIE} = 11. */
    LPM_TRIE(11),
    /** {@code BPF_MAP_TYPE_ARRAY_OF_MAPS} = 12. */
    ARRAY_OF_MAPS(12),
    /** {@code BPF_MAP_TYPE_HASH_OF_MAPS} = 13. */
    HASH_OF_MAPS(13),
    /** {@code BPF_MAP_TYPE_DEVMAP} = 14. */
    DEVMAP(14),
    /** {@code BPF_MAP_TYPE_SOCKMAP} = 15. */
    SOCKMAP(15),
    /** {@code BPF_MAP_TYPE_CPUMAP} = 16. */
    CPUMAP(16),
    /** {@code BPF_MAP_TYPE_XSKMAP} = 17. */
    XSKMAP(17),
    /** {@code BPF_MAP_TYPE_SOCKHASH} = 18. */
    SOCKHASH(18),
    /** {@code BPF_MAP_TYPE_CGROUP_STORAGE} = 19. */
    CGROUP_STORAGE(19),
    /** {@code BPF_MAP_TYPE_REUSEPORT_SOCKARRAY} = 20. */
    REUSEPORT_SOCKARRAY(20),
    /** {@code BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE} = 21. */
    PERCPU_CGROUP_STORAGE(21),
    /** {@code BPF_MAP_TYPE_QUEUE} = 22. */
    QUEUE(22),
    /** {@code BPF_MAP_TYPE_STACK} = 23. */
    STACK(23),
    /** {@code BPF_MAP_TYPE_SK_STORAGE} = 24. */
    SK_STORAGE(24),
    /** {@code BPF_MAP_TYPE_DEVMAP_HASH} = 25. */
    DEVMAP_HASH(25),
    /** {@code BPF_MAP_TYPE_STRUCT_OPS} = 26. */
    STRUCT_OPS(26),
    /** {@code BPF_MAP_TYPE_RINGBUF} = 27. */
    RINGBUF(27),
    /** {@code BPF_MAP_TYPE_INODE_STORAGE} = 28. */
    INODE_STORAGE(28),
    /** {@code BPF_MAP_TYPE_TASK_STORAGE} = 29. */
    TASK_STORAGE(29),
    /** {@code BPF_MAP_TYPE_BLOOM_FILTER} = 30. */
    BLOOM_FILTER(30),
    /** {@code BPF_MAP_TYPE_USER_RINGBUF} = 31. */
    USER_RINGBUF(31),
    /** {@code BPF_MAP_TYPE_CGRP_STORAGE} = 32. */
    CGRP_STORAGE(32),
    /** {@code BPF_MAP_TYPE_ARENA} = 33. */
    ARENA(33);

    private static final MapType[] BY_VALUE = values();

    private final int value;

    MapType(int value) {
        this.value = value;
    }

    /** The kernel's numeric value. */
    public int value() {
        return value;
    }

    /** The constant with the given kernel value. */
    public static MapType of(int value) {
        if (value < 0 || value >= BY_VALUE.length) {
            throw new IllegalArgumentException("unknown MapType value " + value);
        }
        return BY_VALUE[value];
    }

    /** True for map types whose values are stored once per possible CPU. */
    public boolean isPerCpu() {
        return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH
                || this == PERCPU_CGROUP_STORAGE;
    }

    /** True for map types whose values are file descriptors of other kernel objects. */
    public boolean holdsFileDescriptors() {
        return this == PROG_ARRAY || this == PERF_EVENT_ARRAY || this == CGROUP_ARRAY
                || this == ARRAY_OF_MAPS || this == HASH_OF_MAPS || this == DEVMAP || this == DEVMAP_HASH
                || this == SOCKMAP || this == SOCKHASH || this == CPUMAP || this == XSKMAP
                || this == REUSEPORT_SOCKARRAY;
    }

    /** True for map-in-map types, whose values are maps. */
    public boolean isMapOfMaps() {
        return this == ARRAY_OF_MAPS || this == HASH_OF_MAPS;
    }
}
