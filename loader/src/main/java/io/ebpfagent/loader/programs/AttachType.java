package io.ebpfagent.loader.programs;

/**
 * The kernel's attach types ({@code enum bpf_attach_type}). Programs without an attach type send 0, which is {@code CGROUP_INET_INGRESS}: use {@code null} for "none" in Java and let the loader send 0.
 *
 * <p>The numeric values are the kernel's UAPI values ({@code include/uapi/linux/bpf.h}); an
 * enum constant existing here does not mean the running kernel supports it: ask
 * {@code io.ebpfagent.loader.features}.
 */
public enum AttachType {
    /** {@code BPF_CGROUP_INET_INGRESS} = 0. */
    CGROUP_INET_INGRESS(0),
    /** {@code BPF_CGROUP_INET_EGRESS} = 1. */
    CGROUP_INET_EGRESS(1),
    /** {@code BPF_CGROUP_INET_SOCK_CREATE} = 2. */
    CGROUP_INET_SOCK_CREATE(2),
    /** {@code BPF_CGROUP_SOCK_OPS} = 3. */
    CGROUP_SOCK_OPS(3),
    /** {@code BPF_SK_SKB_STREAM_PARSER} = 4. */
    SK_SKB_STREAM_PARSER(4),
    /** {@code BPF_SK_SKB_STREAM_VERDICT} = 5. */
    SK_SKB_STREAM_VERDICT(5),
    /** {@code BPF_CGROUP_DEVICE} = 6. */
    CGROUP_DEVICE(6),
    /** {@code BPF_SK_MSG_VERDICT} = 7. */
    SK_MSG_VERDICT(7),
    /** {@code BPF_CGROUP_INET4_BIND} = 8. */
    CGROUP_INET4_BIND(8),
    /** {@code BPF_CGROUP_INET6_BIND} = 9. */
    CGROUP_INET6_BIND(9),
    /** {@code BPF_CGROUP_INET4_CONNECT} = 10. */
    CGROUP_INET4_CONNECT(10),
    /** {@code BPF_CGROUP_INET6_CONNECT} = 11. */
    CGROUP_INET6_CONNECT(11),
    /** {@code BPF_CGROUP_INET4_POST_BIND} = 12. */
    CGROUP_INET4_POST_BIND(12),
    /** {@code BPF_CGROUP_INET6_POST_BIND} = 13. */
    CGROUP_INET6_POST_BIND(13),
    /** {@code BPF_CGROUP_UDP4_SENDMSG} = 14. */
    CGROUP_UDP4_SENDMSG(14),
    /** {@code BPF_CGROUP_UDP6_SENDMSG} = 15. */
    CGROUP_UDP6_SENDMSG(15),
    /** {@code BPF_LIRC_MODE2} = 16. */
    LIRC_MODE2(16),
    /** {@code BPF_FLOW_DISSECTOR} = 17. */
    FLOW_DISSECTOR(17),
    /** {@code BPF_CGROUP_SYSCTL} = 18. */
    CGROUP_SYSCTL(18),
    /** {@code BPF_CGROUP_UDP4_RECVMSG} = 19. */
    CGROUP_UDP4_RECVMSG(19),
    /** {@code BPF_CGROUP_UDP6_RECVMSG} = 20. */
    CGROUP_UDP6_RECVMSG(20),
    /** {@code BPF_CGROUP_GETSOCKOPT} = 21. */
    CGROUP_GETSOCKOPT(21),
    /** {@code BPF_CGROUP_SETSOCKOPT} = 22. */
    CGROUP_SETSOCKOPT(22),
    /** {@code BPF_TRACE_RAW_TP} = 23. */
    TRACE_RAW_TP(23),
    /** {@code BPF_TRACE_FENTRY} = 24. */
    TRACE_FENTRY(24),
    /** {@code BPF_TRACE_FEXIT} = 25. */
    TRACE_FEXIT(25),
    /** {@code BPF_MODIFY_RETURN} = 26. */
    MODIFY_RETURN(26),
    /** {@code BPF_LSM_MAC} = 27. */
    LSM_MAC(27),
    /** {@code BPF_TRACE_ITER} = 28. */
    TRACE_ITER(28),
    /** {@code BPF_CGROUP_INET4_GETPEERNAME} = 29. */
    CGROUP_INET4_GETPEERNAME(29),
    /** {@code BPF_CGROUP_INET6_GETPEERNAME} = 30. */
    CGROUP_INET6_GETPEERNAME(30),
    /** {@code BPF_CGROUP_INET4_GETSOCKNAME} = 31. */
    CGROUP_INET4_GETSOCKNAME(31),
    /** {@code BPF_CGROUP_INET6_GETSOCKNAME} = 32. */
    CGROUP_INET6_GETSOCKNAME(32),
    /** {@code BPF_XDP_DEVMAP} = 33. */
    XDP_DEVMAP(33),
    /** {@code BPF_CGROUP_INET_SOCK_RELEASE} = 34. */
    CGROUP_INET_SOCK_RELEASE(34),
    /** {@code BPF_XDP_CPUMAP} = 35. */
    XDP_CPUMAP(35),
    /** {@code BPF_SK_LOOKUP} = 36. */
    SK_LOOKUP(36),
    /** {@code BPF_XDP} = 37. */
    XDP(37),
    /** {@code BPF_SK_SKB_VERDICT} = 38. */
    SK_SKB_VERDICT(38),
    /** {@code BPF_SK_REUSEPORT_SELECT} = 39. */
    SK_REUSEPORT_SELECT(39),
    /** {@code BPF_SK_REUSEPORT_SELECT_OR_MIGRATE} = 40. */
    SK_REUSEPORT_SELECT_OR_MIGRATE(40),
    /** {@code BPF_PERF_EVENT} = 41. */
    PERF_EVENT(41),
    /** {@code BPF_TRACE_KPROBE_MULTI} = 42. */
    TRACE_KPROBE_MULTI(42),
    /** {@code BPF_LSM_CGROUP} = 43. */
    LSM_CGROUP(43),
    /** {@code BPF_STRUCT_OPS} = 44. */
    STRUCT_OPS(44),
    /** {@code BPF_NETFILTER} = 45. */
    NETFILTER(45),
    /** {@code BPF_TCX_INGRESS} = 46. */
    TCX_INGRESS(46),
    /** {@code BPF_TCX_EGRESS} = 47. */
    TCX_EGRESS(47),
    /** {@code BPF_TRACE_UPROBE_MULTI} = 48. */
    TRACE_UPROBE_MULTI(48),
    /** {@code BPF_CGROUP_UNIX_CONNECT} = 49. */
    CGROUP_UNIX_CONNECT(49),
    /** {@code BPF_CGROUP_UNIX_SENDMSG} = 50. */
    CGROUP_UNIX_SENDMSG(50),
    /** {@code BPF_CGROUP_UNIX_RECVMSG} = 51. */
    CGROUP_UNIX_RECVMSG(51),
    /** {@code BPF_CGROUP_UNIX_GETPEERNAME} = 52. */
    CGROUP_UNIX_GETPEERNAME(52),
    /** {@code BPF_CGROUP_UNIX_GETSOCKNAME} = 53. */
    CGROUP_UNIX_GETSOCKNAME(53),
    /** {@code BPF_NETKIT_PRIMARY} = 54. */
    NETKIT_PRIMARY(54),
    /** {@code BPF_NETKIT_PEER} = 55. */
    NETKIT_PEER(55),
    /** {@code BPF_TRACE_KPROBE_SESSION} = 56. */
    TRACE_KPROBE_SESSION(56),
    /** {@code BPF_TRACE_UPROBE_SESSION} = 57. */
    TRACE_UPROBE_SESSION(57);

    private static final AttachType[] BY_VALUE = values();

    private final int value;

    AttachType(int value) {
        this.value = value;
    }

    /** The kernel's numeric value. */
    public int value() {
        return value;
    }

    /** The constant with the given kernel value. */
    public static AttachType of(int value) {
        if (value < 0 || value >= BY_VALUE.length) {
            throw new IllegalArgumentException("unknown AttachType value " + value);
        }
        return BY_VALUE[value];
    }
}
