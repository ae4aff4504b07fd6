package io.ebpfagent.loader.link;

/** The kernel's link types ({@code enum bpf_link_type}), as reported by {@link LinkInfo}. */
public enum LinkType {
    UNSPEC, RAW_TRACEPOINT, TRACING, CGROUP, ITER, NETNS, XDP, PERF_EVENT, KPROBE_MULTI, STRUCT_OPS,
    NETFILTER, TCX, UPROBE_MULTI, NETKIT, SOCKMAP, UNKNOWN;

    /** The constant for a kernel value; {@link #UNKNOWN} for values newer than this enum. */
    public static LinkType of(int value) {
        LinkType[] all = values();
        return value >= 0 && value < all.length - 1 ? all[value] : UNKNOWN;
    }
}
