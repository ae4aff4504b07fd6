package io.ebpfagent.loader.collection;

/** Properties a section name gives its programs beyond type and attach type (libbpf's {@code SEC_*} flags). */
public enum SectionFlag {
    /** The program is sleepable: loaded with {@code BPF_F_SLEEPABLE}. */
    SLEEPABLE,
    /** An XDP program that handles multi-buffer packets: loaded with {@code BPF_F_XDP_HAS_FRAGS}. */
    XDP_FRAGS,
    /** The attach target is a kernel BTF type named in the section ({@code attach_btf_id} at load). */
    ATTACH_BTF,
    /** The expected attach type must be passed at load. */
    ATTACHABLE,
    /** The expected attach type is passed at load when the kernel accepts it (older kernels did not). */
    ATTACHABLE_OPTIONAL,
    /** A USDT probe ({@code usdt/binary:provider:name}), attached as uprobes on the note's locations. */
    USDT,
    /** A return probe ({@code kretprobe}, {@code uretprobe}, {@code kretsyscall} and their multi forms). */
    RETURN_PROBE,
    /** A multi-attach probe ({@code kprobe.multi}, {@code uprobe.multi}, ...). */
    MULTI,
    /** A syscall probe ({@code ksyscall}/{@code kretsyscall}): the target is a syscall name, not a kernel function. */
    SYSCALL,
    /** A session probe ({@code kprobe.session}/{@code uprobe.session}) run at entry and return. */
    SESSION
}
