package io.ebpfagent.loader.collection;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.ProgramFlags;
import io.ebpfagent.loader.programs.ProgramType;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SectionDefinitionsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            socket                                 | SOCKET_FILTER          | -                              | ''                          | 0
            sk_reuseport                           | SK_REUSEPORT           | SK_REUSEPORT_SELECT            | ''                          | 0
            sk_reuseport/migrate                   | SK_REUSEPORT           | SK_REUSEPORT_SELECT_OR_MIGRATE | ''                          | 0
            kprobe/do_unlinkat                     | KPROBE                 | -                              | do_unlinkat                 | 0
            kprobe                                 | KPROBE                 | -                              | ''                          | 0
            kretprobe/do_unlinkat                  | KPROBE                 | -                              | do_unlinkat                 | 0
            uprobe//usr/lib/libc.so.6:malloc       | KPROBE                 | -                              | /usr/lib/libc.so.6:malloc   | 0
            uretprobe/libc.so.6:free               | KPROBE                 | -                              | libc.so.6:free              | 0
            uprobe.s/libc.so.6:malloc              | KPROBE                 | -                              | libc.so.6:malloc            | 16
            uretprobe.s/libc.so.6:malloc           | KPROBE                 | -                              | libc.so.6:malloc            | 16
            kprobe.multi/tcp_*                     | KPROBE                 | TRACE_KPROBE_MULTI             | tcp_*                       | 0
            kretprobe.multi/tcp_*                  | KPROBE                 | TRACE_KPROBE_MULTI             | tcp_*                       | 0
            kprobe.session/vfs_*                   | KPROBE                 | TRACE_KPROBE_SESSION           | vfs_*                       | 0
            uprobe.multi/libc.so.6:str*            | KPROBE                 | TRACE_UPROBE_MULTI             | libc.so.6:str*              | 0
            uretprobe.multi/libc.so.6:str*         | KPROBE                 | TRACE_UPROBE_MULTI             | libc.so.6:str*              | 0
            uprobe.multi.s/libc.so.6:str*          | KPROBE                 | TRACE_UPROBE_MULTI             | libc.so.6:str*              | 16
            ksyscall/openat                        | KPROBE                 | -                              | openat                      | 0
            kretsyscall/openat                     | KPROBE                 | -                              | openat                      | 0
            usdt/libjvm.so:hotspot:gc__begin       | KPROBE                 | -                              | libjvm.so:hotspot:gc__begin | 0
            usdt                                   | KPROBE                 | -                              | ''                          | 0
            tc                                     | SCHED_CLS              | -                              | ''                          | 0
            tc/ingress                             | SCHED_CLS              | TCX_INGRESS                    | ''                          | 0
            tcx/ingress                            | SCHED_CLS              | TCX_INGRESS                    | ''                          | 0
            tcx/egress                             | SCHED_CLS              | TCX_EGRESS                     | ''                          | 0
            classifier                             | SCHED_CLS              | -                              | ''                          | 0
            action                                 | SCHED_ACT              | -                              | ''                          | 0
            netkit/primary                         | SCHED_CLS              | NETKIT_PRIMARY                 | ''                          | 0
            netkit/peer                            | SCHED_CLS              | NETKIT_PEER                    | ''                          | 0
            tracepoint/sched/sched_switch          | TRACEPOINT             | -                              | sched/sched_switch          | 0
            tp/sched/sched_switch                  | TRACEPOINT             | -                              | sched/sched_switch          | 0
            raw_tracepoint/sched_switch            | RAW_TRACEPOINT         | -                              | sched_switch                | 0
            raw_tp/sched_switch                    | RAW_TRACEPOINT         | -                              | sched_switch                | 0
            raw_tracepoint.w/bpf_test_finish       | RAW_TRACEPOINT_WRITABLE | -                             | bpf_test_finish             | 0
            raw_tp.w/bpf_test_finish               | RAW_TRACEPOINT_WRITABLE | -                             | bpf_test_finish             | 0
            tp_btf/sched_switch                    | TRACING                | TRACE_RAW_TP                   | sched_switch                | 0
            fentry/do_unlinkat                     | TRACING                | TRACE_FENTRY                   | do_unlinkat                 | 0
            fmod_ret/security_x                    | TRACING                | MODIFY_RETURN                  | security_x                  | 0
            fexit/do_unlinkat                      | TRACING                | TRACE_FEXIT                    | do_unlinkat                 | 0
            fentry.s/do_unlinkat                   | TRACING                | TRACE_FENTRY                   | do_unlinkat                 | 16
            fmod_ret.s/security_x                  | TRACING                | MODIFY_RETURN                  | security_x                  | 16
            fexit.s/do_unlinkat                    | TRACING                | TRACE_FEXIT                    | do_unlinkat                 | 16
            freplace/handler                       | EXT                    | -                              | handler                     | 0
            lsm/file_open                          | LSM                    | LSM_MAC                        | file_open                   | 0
            lsm.s/file_open                        | LSM                    | LSM_MAC                        | file_open                   | 16
            lsm_cgroup/socket_bind                 | LSM                    | LSM_CGROUP                     | socket_bind                 | 0
            iter/task                              | TRACING                | TRACE_ITER                     | task                        | 0
            iter.s/task_file                       | TRACING                | TRACE_ITER                     | task_file                   | 16
            syscall                                | SYSCALL                | -                              | ''                          | 16
            xdp                                    | XDP                    | XDP                            | ''                          | 0
            xdp.frags                              | XDP                    | XDP                            | ''                          | 32
            xdp/devmap                             | XDP                    | XDP_DEVMAP                     | ''                          | 0
            xdp.frags/devmap                       | XDP                    | XDP_DEVMAP                     | ''                          | 32
            xdp/cpumap                             | XDP                    | XDP_CPUMAP                     | ''                          | 0
            xdp.frags/cpumap                       | XDP                    | XDP_CPUMAP                     | ''                          | 32
            perf_event                             | PERF_EVENT             | -                              | ''                          | 0
            lwt_in                                 | LWT_IN                 | -                              | ''                          | 0
            lwt_out                                | LWT_OUT                | -                              | ''                          | 0
            lwt_xmit                               | LWT_XMIT               | -                              | ''                          | 0
            lwt_seg6local                          | LWT_SEG6LOCAL          | -                              | ''                          | 0
            sockops                                | SOCK_OPS               | CGROUP_SOCK_OPS                | ''                          | 0
            sk_skb/stream_parser                   | SK_SKB                 | SK_SKB_STREAM_PARSER           | ''                          | 0
            sk_skb/stream_verdict                  | SK_SKB                 | SK_SKB_STREAM_VERDICT          | ''                          | 0
            sk_skb/verdict                         | SK_SKB                 | SK_SKB_VERDICT                 | ''                          | 0
            sk_skb                                 | SK_SKB                 | -                              | ''                          | 0
            sk_msg                                 | SK_MSG                 | SK_MSG_VERDICT                 | ''                          | 0
            lirc_mode2                             | LIRC_MODE2             | LIRC_MODE2                     | ''                          | 0
            flow_dissector                         | FLOW_DISSECTOR         | FLOW_DISSECTOR                 | ''                          | 0
            cgroup_skb/ingress                     | CGROUP_SKB             | CGROUP_INET_INGRESS            | ''                          | 0
            cgroup_skb/egress                      | CGROUP_SKB             | CGROUP_INET_EGRESS             | ''                          | 0
            cgroup/skb                             | CGROUP_SKB             | -                              | ''                          | 0
            cgroup/sock                            | CGROUP_SOCK            | CGROUP_INET_SOCK_CREATE        | ''                          | 0
            cgroup/sock_create                     | CGROUP_SOCK            | CGROUP_INET_SOCK_CREATE        | ''                          | 0
            cgroup/sock_release                    | CGROUP_SOCK            | CGROUP_INET_SOCK_RELEASE       | ''                          | 0
            cgroup/post_bind4                      | CGROUP_SOCK            | CGROUP_INET4_POST_BIND         | ''                          | 0
            cgroup/post_bind6                      | CGROUP_SOCK            | CGROUP_INET6_POST_BIND         | ''                          | 0
            cgroup/bind4                           | CGROUP_SOCK_ADDR       | CGROUP_INET4_BIND              | ''                          | 0
            cgroup/bind6                           | CGROUP_SOCK_ADDR       | CGROUP_INET6_BIND              | ''                          | 0
            cgroup/connect4                        | CGROUP_SOCK_ADDR       | CGROUP_INET4_CONNECT           | ''                          | 0
            cgroup/connect6                        | CGROUP_SOCK_ADDR       | CGROUP_INET6_CONNECT           | ''                          | 0
            cgroup/connect_unix                    | CGROUP_SOCK_ADDR       | CGROUP_UNIX_CONNECT            | ''                          | 0
            cgroup/sendmsg4                        | CGROUP_SOCK_ADDR       | CGROUP_UDP4_SENDMSG            | ''                          | 0
            cgroup/sendmsg6                        | CGROUP_SOCK_ADDR       | CGROUP_UDP6_SENDMSG            | ''                          | 0
            cgroup/sendmsg_unix                    | CGROUP_SOCK_ADDR       | CGROUP_UNIX_SENDMSG            | ''                          | 0
            cgroup/recvmsg4                        | CGROUP_SOCK_ADDR       | CGROUP_UDP4_RECVMSG            | ''                          | 0
            cgroup/recvmsg6                        | CGROUP_SOCK_ADDR       | CGROUP_UDP6_RECVMSG            | ''                          | 0
            cgroup/recvmsg_unix                    | CGROUP_SOCK_ADDR       | CGROUP_UNIX_RECVMSG            | ''                          | 0
            cgroup/getpeername4                    | CGROUP_SOCK_ADDR       | CGROUP_INET4_GETPEERNAME | ''                          | 0
            cgroup/getpeername6                    | CGROUP_SOCK_ADDR       | CGROUP_INET6_GETPEERNAME | ''                          | 0
            cgroup/getpeername_unix                | CGROUP_SOCK_ADDR       | CGROUP_UNIX_GETPEERNAME  | ''                          | 0
            cgroup/getsockname4                    | CGROUP_SOCK_ADDR       | CGROUP_INET4_GETSOCKNAME | ''                          | 0
            cgroup/getsockname6                    | CGROUP_SOCK_ADDR       | CGROUP_INET6_GETSOCKNAME | ''                          | 0
            cgroup/getsockname_unix                | CGROUP_SOCK_ADDR       | CGROUP_UNIX_GETSOCKNAME  | ''                          | 0
            cgroup/sysctl                          | CGROUP_SYSCTL          | CGROUP_SYSCTL                  | ''                          | 0
            cgroup/getsockopt                      | CGROUP_SOCKOPT         | CGROUP_GETSOCKOPT              | ''                          | 0
            cgroup/setsockopt                      | CGROUP_SOCKOPT         | CGROUP_SETSOCKOPT              | ''                          | 0
            cgroup/dev                             | CGROUP_DEVICE          | CGROUP_DEVICE                  | ''                          | 0
            struct_ops/tcp_ca_init                 | STRUCT_OPS             | -                              | tcp_ca_init                 | 0
            struct_ops.s/tcp_ca_init               | STRUCT_OPS             | -                              | tcp_ca_init                 | 16
            struct_ops                             | STRUCT_OPS             | -                              | ''                          | 0
            sk_lookup                              | SK_LOOKUP              | SK_LOOKUP                      | ''                          | 0
            netfilter                              | NETFILTER              | NETFILTER                      | ''                          | 0
            socket/legacy_name                     | SOCKET_FILTER          | -                              | legacy_name                 | 0
            xdp/legacy_name                        | XDP                    | XDP                            | legacy_name                 | 0
            """)
    void mapsSectionNames(String section, ProgramType type, AttachType attach, String attachTo, int flags) {
        SectionMatch m = SectionDefinitions.match(section).orElseThrow(() -> new AssertionError("no match for " + section));
        assertThat(m.programType()).isEqualTo(type);
        assertThat(m.attachType()).isEqualTo(attach);
        assertThat(m.attachTo()).isEqualTo(attachTo);
        assertThat(m.programFlags()).isEqualTo(flags);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "kprobex", "tracepointfoo", ".text", "license", ".maps", "fentryx/foo", "cgroup/unknown", "lsmx"})
    void rejectsNamesNoRowMatches(String section) {
        assertThat(SectionDefinitions.match(section)).isEmpty();
    }

    @Test
    void flagsDistinguishReturnProbesSyscallsUsdtAndBtfTargets() {
        assertThat(SectionDefinitions.match("kretprobe/x").orElseThrow().has(SectionFlag.RETURN_PROBE)).isTrue();
        assertThat(SectionDefinitions.match("kprobe/x").orElseThrow().has(SectionFlag.RETURN_PROBE)).isFalse();
        assertThat(SectionDefinitions.match("uretprobe.multi/l:f").orElseThrow().has(SectionFlag.MULTI)).isTrue();
        assertThat(SectionDefinitions.match("kretsyscall/openat").orElseThrow().definition().flags())
                .contains(SectionFlag.SYSCALL, SectionFlag.RETURN_PROBE);
        assertThat(SectionDefinitions.match("usdt.s/l:p:n").orElseThrow().definition().flags())
                .contains(SectionFlag.USDT, SectionFlag.SLEEPABLE);
        assertThat(SectionDefinitions.match("fentry/x").orElseThrow().has(SectionFlag.ATTACH_BTF)).isTrue();
        assertThat(SectionDefinitions.match("xdp.frags").orElseThrow().programFlags()).isEqualTo(ProgramFlags.XDP_HAS_FRAGS);
        assertThat(SectionDefinitions.match("cgroup/connect4").orElseThrow().has(SectionFlag.ATTACHABLE)).isTrue();
    }

    @Test
    void patternsAreUnique() {
        Set<String> seen = new HashSet<>();
        for (SectionDefinition d : SectionDefinitions.all()) assertThat(seen.add(d.pattern())).as(d.pattern()).isTrue();
        assertThat(seen).hasSizeGreaterThan(95);
    }
}
