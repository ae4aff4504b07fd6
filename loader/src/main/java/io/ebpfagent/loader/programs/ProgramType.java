package io.ebpfagent.loader.programs;

/**
 * The kernel's program types ({@code enum bpf_prog_type}).
 *
 * <p>The numeric values are the kernel's UAPI values ({@code include/uapi/linux/bpf.h}); an
 * enum constant existing here does not mean the running kernel supports it: ask
 * {@code io.ebpfagent.loader.features}.
 */
public enum ProgramType {
    /** {@code BPF_PROG_TYPE_UNSPEC} = 0. */
    UNSPEC(0),
    /** {@code BPF_PROG_TYPE_SOCKET_FILTER} = 1. */
    SOCKET_FILTER(1),
    /** {@code BPF_PROG_TYPE_KPROBE} = 2. */
    KPROBE(2),
    /** {@code BPF_PROG_TYPE_SCHED_CLS} = 3. */
    SCHED_CLS(3),
    /** {@code BPF_PROG_TYPE_SCHED_ACT} = 4. */
    SCHED_ACT(4),
    /** {@code BPF_PROG_TYPE_TRACEPOINT} = 5. */
    TRACEPOINT(5),
    /** {@code BPF_PROG_TYPE_XDP} = 6. */
    XDP(6),
    /** {@code BPF_PROG_TYPE_PERF_EVENT} = 7. */
    PERF_EVENT(7),
    /** {@code BPF_PROG_TYPE_CGROUP_SKB} = 8. */
    CGROUP_SKB(8),
    /** {@code BPF_PROG_TYPE_CGROUP_SOCK} = 9. */
    CGROUP_SOCK(9),
    /** {@code BPF_PROG_TYPE_LWT_IN} = 10. */
    LWT_IN(10),
    /** {@code BPF_PROG_TYPE_LWT_OUT} = 11. */
    LWT_OUT(11),
    /** {@code BPF_PROG_TYPE_LWT_XMIT} = 12. */
    LWT_XMIT(12),
    /** {@code BPF_PROG_TYPE_SOCK_OPS} = 13. */
    SOCK_OPS(13),
    /** {@code BPF_PROG_TYPE_SK_SKB} = 14. */
    SK_SKB(14),
    /** {@code BPF_PROG_TYPE_CGROUP_DEVICE} = 15. */
    CGROUP_DEVICE(15),
    /** {@code BPF_PROG_TYPE_SK_MSG} = 16. */
    SK_MSG(16),
    /** {@code BPF_PROG_TYPE_RAW_TRACEPOINT} = 17. */
    RAW_TRACEPOINT(17),
    /** {@code BPF_PROG_TYPE_CGROUP_SOCK_ADDR} = 18. */
    CGROUP_SOCK_ADDR(18),
    /** {@code BPF_PROG_TYPE_LWT_SEG6LOCAL} = 19. */
    LWT_SEG6LOCAL(19),
    /** {@code BPF_PROG_TYPE_LIRC_MODE2} = 20. */
    LIRC_MODE2(20),
    /** {@code BPF_PROG_TYPE_SK_REUSEPORT} = 21. */
    SK_REUSEPORT(21),
    /** {@code BPF_PROG_TYPE_FLOW_DISSECTOR} = 22. */
    FLOW_DISSECTOR(22),
    /** {@code BPF_PROG_TYPE_CGROUP_SYSCTL} = 23. */
    CGROUP_SYSCTL(23),
    /** {@code BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE} = 24. */
    RAW_TRACEPOINT_WRITABLE(24),
    /** {@code BPF_PROG_TYPE_CGROUP_SOCKOPT} = 25. */
    CGROUP_SOCKOPT(25),
    /** {@code BPF_PROG_TYPE_TRACING} = 26. */
    TRACING(26),
    /** {@code BPF_PROG_TYPE_STRUCT_OPS} = 27. */
    STRUCT_OPS(27),
    /** {@code BPF_PROG_TYPE_EXT} = 28. */
    EXT(28),
    /** {@code BPF_PROG_TYPE_LSM} = 29. */
    LSM(29),
    /** {@code BPF_PROG_TYPE_SK_LOOKUP} = 30. */
    SK_LOOKUP(30),
    /** {@code BPF_PROG_TYPE_SYSCALL} = 31. */
    SYSCALL(31),
    /** {@code BPF_PROG_TYPE_NETFILTER} = 32. */
    NETFILTER(32);

    private static final ProgramType[] BY_VALUE = values();

    private final int value;

    ProgramType(int value) {
        this.value = value;
    }

    /** The kernel's numeric value. */
    public int value() {
        return value;
    }

    /** The constant with the given kernel value. */
    public static ProgramType of(int value) {
        if (value < 0 || value >= BY_VALUE.length) {
            throw new IllegalArgumentException("unknown ProgramType value " + value);
        }
        return BY_VALUE[value];
    }
}
