package io.ebpfagent.probes.events;

/** The {@code enum event_kind} values of {@code common.bpf.h}: blocks of ten per object. */
public final class EventKind {
    public static final int OFFCPU = 10;
    public static final int SLOW_SYSCALL = 20;
    public static final int SLOW_IO = 30;
    public static final int FSYNC = 31;
    public static final int OPEN = 32;
    public static final int CONNECT = 40;
    public static final int ACCEPT = 41;
    public static final int RETRANSMIT = 42;
    public static final int RESET = 43;
    public static final int THREAD_START = 60;
    public static final int THREAD_STOP = 61;
    public static final int GC = 62;
    public static final int MEM_POOL_GC = 63;
    public static final int VMOP = 64;
    public static final int COMPILE = 65;
    public static final int MONITOR_CONTENDED = 66;
    public static final int CLASS_LOADED = 67;

    private EventKind() {
    }
}
