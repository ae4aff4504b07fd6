package io.ebpfagent.loader.programs;

/** {@code prog_flags} bits of {@code BPF_PROG_LOAD} (include/uapi/linux/bpf.h). */
public final class ProgramFlags {
    private ProgramFlags() {}

    public static final int STRICT_ALIGNMENT = 1;
    public static final int ANY_ALIGNMENT = 1 << 1;
    public static final int TEST_RND_HI32 = 1 << 2;
    public static final int TEST_STATE_FREQ = 1 << 3;
    public static final int SLEEPABLE = 1 << 4;
    public static final int XDP_HAS_FRAGS = 1 << 5;
    public static final int XDP_DEV_BOUND_ONLY = 1 << 6;
}
