package io.ebpfagent.loader.collection;

import static io.ebpfagent.loader.collection.SectionFlag.*;

import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.ProgramType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * The table of {@code SEC("...")} names: which program type, expected attach type and flags a
 * section name stands for. The rows and their order follow libbpf's {@code section_defs}, so an
 * object built for libbpf means the same here. The first matching row wins; when no row matches
 * strictly, a plain pattern followed by {@code /anything} is accepted as old loaders did.
 */
public final class SectionDefinitions {
    private SectionDefinitions() {}

    private static final List<SectionDefinition> TABLE = build();

    /** All rows in match order. */
    public static List<SectionDefinition> all() {
        return TABLE;
    }

    /** What the section name means, or empty for a section name no row matches. */
    public static Optional<SectionMatch> match(String sectionName) {
        for (SectionDefinition d : TABLE) {
            String extra = d.match(sectionName);
            if (extra != null) return Optional.of(new SectionMatch(d, extra));
        }
        for (SectionDefinition d : TABLE) {
            String extra = d.matchLegacy(sectionName);
            if (extra != null) return Optional.of(new SectionMatch(d, extra));
        }
        return Optional.empty();
    }

    private static List<SectionDefinition> build() {
        List<SectionDefinition> t = new ArrayList<>();
        ProgramType kprobe = ProgramType.KPROBE;
        add(t, "socket", ProgramType.SOCKET_FILTER, null);
        add(t, "sk_reuseport/migrate", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT_OR_MIGRATE, ATTACHABLE);
        add(t, "sk_reuseport", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT, ATTACHABLE);
        add(t, "kprobe+", kprobe, null);
        add(t, "uprobe+", kprobe, null);
        add(t, "uprobe.s+", kprobe, null, SLEEPABLE);
        add(t, "kretprobe+", kprobe, null, RETURN_PROBE);
        add(t, "uretprobe+", kprobe, null, RETURN_PROBE);
        add(t, "uretprobe.s+", kprobe, null, RETURN_PROBE, SLEEPABLE);
        add(t, "kprobe.multi+", kprobe, AttachType.TRACE_KPROBE_MULTI, MULTI);
        add(t, "kretprobe.multi+", kprobe, AttachType.TRACE_KPROBE_MULTI, MULTI, RETURN_PROBE);
        add(t, "kprobe.session+", kprobe, AttachType.TRACE_KPROBE_SESSION, MULTI, SESSION);
        add(t, "uprobe.multi+", kprobe, AttachType.TRACE_UPROBE_MULTI, MULTI);
        add(t, "uretprobe.multi+", kprobe, AttachType.TRACE_UPROBE_MULTI, MULTI, RETURN_PROBE);
        add(t, "uprobe.multi.s+", kprobe, AttachType.TRACE_UPROBE_MULTI, MULTI, SLEEPABLE);
        add(t, "uretprobe.multi.s+", kprobe, AttachType.TRACE_UPROBE_MULTI, MULTI, RETURN_PROBE, SLEEPABLE);
        add(t, "uprobe.session+", kprobe, AttachType.TRACE_UPROBE_SESSION, MULTI, SESSION);
        add(t, "uprobe.session.s+", kprobe, AttachType.TRACE_UPROBE_SESSION, MULTI, SESSION, SLEEPABLE);
        add(t, "ksyscall+", kprobe, null, SYSCALL);
        add(t, "kretsyscall+", kprobe, null, SYSCALL, RETURN_PROBE);
        add(t, "usdt+", kprobe, null, USDT);
        add(t, "usdt.s+", kprobe, null, USDT, SLEEPABLE);
        add(t, "tc/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS);
        add(t, "tc/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS);
        add(t, "tcx/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS);
        add(t, "tcx/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS);
        add(t, "tc", ProgramType.SCHED_CLS, null);
        add(t, "classifier", ProgramType.SCHED_CLS, null);
        add(t, "action", ProgramType.SCHED_ACT, null);
        add(t, "netkit/primary", ProgramType.SCHED_CLS, AttachType.NETKIT_PRIMARY);
        add(t, "netkit/peer", ProgramType.SCHED_CLS, AttachType.NETKIT_PEER);
        add(t, "tracepoint+", ProgramType.TRACEPOINT, null);
        add(t, "tp+", ProgramType.TRACEPOINT, null);
        add(t, "raw_tracepoint+", ProgramType.RAW_TRACEPOINT, null);
        add(t, "raw_tp+", ProgramType.RAW_TRACEPOINT, null);
        add(t, "raw_tracepoint.w+", ProgramType.RAW_TRACEPOINT_WRITABLE, null);
        add(t, "raw_tp.w+", ProgramType.RAW_TRACEPOINT_WRITABLE, null);
        add(t, "tp_btf+", ProgramType.TRACING, AttachType.TRACE_RAW_TP, ATTACH_BTF);
        add(t, "fentry+", ProgramType.TRACING, AttachType.TRACE_FENTRY, ATTACH_BTF);
        add(t, "fmod_ret+", ProgramType.TRACING, AttachType.MODIFY_RETURN, ATTACH_BTF);
        add(t, "fexit+", ProgramType.TRACING, AttachType.TRACE_FEXIT, ATTACH_BTF);
        add(t, "fentry.s+", ProgramType.TRACING, AttachType.TRACE_FENTRY, ATTACH_BTF, SLEEPABLE);
        add(t, "fmod_ret.s+", ProgramType.TRACING, AttachType.MODIFY_RETURN, ATTACH_BTF, SLEEPABLE);
        add(t, "fexit.s+", ProgramType.TRACING, AttachType.TRACE_FEXIT, ATTACH_BTF, SLEEPABLE);
        add(t, "freplace+", ProgramType.EXT, null, ATTACH_BTF);
        add(t, "lsm+", ProgramType.LSM, AttachType.LSM_MAC, ATTACH_BTF);
        add(t, "lsm.s+", ProgramType.LSM, AttachType.LSM_MAC, ATTACH_BTF, SLEEPABLE);
        add(t, "lsm_cgroup+", ProgramType.LSM, AttachType.LSM_CGROUP, ATTACH_BTF);
        add(t, "iter+", ProgramType.TRACING, AttachType.TRACE_ITER, ATTACH_BTF);
        add(t, "iter.s+", ProgramType.TRACING, AttachType.TRACE_ITER, ATTACH_BTF, SLEEPABLE);
        add(t, "syscall", ProgramType.SYSCALL, null, SLEEPABLE);
        add(t, "xdp.frags/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, XDP_FRAGS);
        add(t, "xdp/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, ATTACHABLE);
        add(t, "xdp.frags/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, XDP_FRAGS);
        add(t, "xdp/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, ATTACHABLE);
        add(t, "xdp.frags", ProgramType.XDP, AttachType.XDP, XDP_FRAGS);
        add(t, "xdp", ProgramType.XDP, AttachType.XDP, ATTACHABLE_OPTIONAL);
        add(t, "perf_event", ProgramType.PERF_EVENT, null);
        add(t, "lwt_in", ProgramType.LWT_IN, null);
        add(t, "lwt_out", ProgramType.LWT_OUT, null);
        add(t, "lwt_xmit", ProgramType.LWT_XMIT, null);
        add(t, "lwt_seg6local", ProgramType.LWT_SEG6LOCAL, null);
        add(t, "sockops", ProgramType.SOCK_OPS, AttachType.CGROUP_SOCK_OPS, ATTACHABLE_OPTIONAL);
        add(t, "sk_skb/stream_parser", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_PARSER, ATTACHABLE_OPTIONAL);
        add(t, "sk_skb/stream_verdict", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_VERDICT, ATTACHABLE_OPTIONAL);
        add(t, "sk_skb/verdict", ProgramType.SK_SKB, AttachType.SK_SKB_VERDICT, ATTACHABLE_OPTIONAL);
        add(t, "sk_skb", ProgramType.SK_SKB, null);
        add(t, "sk_msg", ProgramType.SK_MSG, AttachType.SK_MSG_VERDICT, ATTACHABLE_OPTIONAL);
        add(t, "lirc_mode2", ProgramType.LIRC_MODE2, AttachType.LIRC_MODE2, ATTACHABLE_OPTIONAL);
        add(t, "flow_dissector", ProgramType.FLOW_DISSECTOR, AttachType.FLOW_DISSECTOR, ATTACHABLE_OPTIONAL);
        add(t, "cgroup_skb/ingress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS, ATTACHABLE_OPTIONAL);
        add(t, "cgroup_skb/egress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS, ATTACHABLE_OPTIONAL);
        add(t, "cgroup/skb", ProgramType.CGROUP_SKB, null);
        add(t, "cgroup/sock_create", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, ATTACHABLE);
        add(t, "cgroup/sock_release", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_RELEASE, ATTACHABLE);
        add(t, "cgroup/sock", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, ATTACHABLE_OPTIONAL);
        add(t, "cgroup/post_bind4", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET4_POST_BIND, ATTACHABLE);
        add(t, "cgroup/post_bind6", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET6_POST_BIND, ATTACHABLE);
        ProgramType addr = ProgramType.CGROUP_SOCK_ADDR;
        add(t, "cgroup/bind4", addr, AttachType.CGROUP_INET4_BIND, ATTACHABLE);
        add(t, "cgroup/bind6", addr, AttachType.CGROUP_INET6_BIND, ATTACHABLE);
        add(t, "cgroup/connect4", addr, AttachType.CGROUP_INET4_CONNECT, ATTACHABLE);
        add(t, "cgroup/connect6", addr, AttachType.CGROUP_INET6_CONNECT, ATTACHABLE);
        add(t, "cgroup/connect_unix", addr, AttachType.CGROUP_UNIX_CONNECT, ATTACHABLE);
        add(t, "cgroup/sendmsg4", addr, AttachType.CGROUP_UDP4_SENDMSG, ATTACHABLE);
        add(t, "cgroup/sendmsg6", addr, AttachType.CGROUP_UDP6_SENDMSG, ATTACHABLE);
        add(t, "cgroup/sendmsg_unix", addr, AttachType.CGROUP_UNIX_SENDMSG, ATTACHABLE);
        add(t, "cgroup/recvmsg4", addr, AttachType.CGROUP_UDP4_RECVMSG, ATTACHABLE);
        add(t, "cgroup/recvmsg6", addr, AttachType.CGROUP_UDP6_RECVMSG, ATTACHABLE);
        add(t, "cgroup/recvmsg_unix", addr, AttachType.CGROUP_UNIX_RECVMSG, ATTACHABLE);
        add(t, "cgroup/getpeername4", addr, AttachType.CGROUP_INET4_GETPEERNAME, ATTACHABLE);
        add(t, "cgroup/getpeername6", addr, AttachType.CGROUP_INET6_GETPEERNAME, ATTACHABLE);
        add(t, "cgroup/getpeername_unix", addr, AttachType.CGROUP_UNIX_GETPEERNAME, ATTACHABLE);
        add(t, "cgroup/getsockname4", addr, AttachType.CGROUP_INET4_GETSOCKNAME, ATTACHABLE);
        add(t, "cgroup/getsockname6", addr, AttachType.CGROUP_INET6_GETSOCKNAME, ATTACHABLE);
        add(t, "cgroup/getsockname_unix", addr, AttachType.CGROUP_UNIX_GETSOCKNAME, ATTACHABLE);
        add(t, "cgroup/sysctl", ProgramType.CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL, ATTACHABLE);
        add(t, "cgroup/getsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_GETSOCKOPT, ATTACHABLE);
        add(t, "cgroup/setsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT, ATTACHABLE);
        add(t, "cgroup/dev", ProgramType.CGROUP_DEVICE, AttachType.CGROUP_DEVICE, ATTACHABLE_OPTIONAL);
        add(t, "struct_ops+", ProgramType.STRUCT_OPS, null);
        add(t, "struct_ops.s+", ProgramType.STRUCT_OPS, null, SLEEPABLE);
        add(t, "sk_lookup", ProgramType.SK_LOOKUP, AttachType.SK_LOOKUP, ATTACHABLE);
        add(t, "netfilter", ProgramType.NETFILTER, AttachType.NETFILTER);
        return List.copyOf(t);
    }

    private static void add(List<SectionDefinition> t, String pattern, ProgramType type, AttachType attach,
                            SectionFlag... flags) {
        EnumSet<SectionFlag> set = EnumSet.noneOf(SectionFlag.class);
        for (SectionFlag f : flags) set.add(f);
        t.add(new SectionDefinition(pattern, type, attach, set));
    }
}
