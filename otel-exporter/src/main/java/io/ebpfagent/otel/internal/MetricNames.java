package io.ebpfagent.otel.internal;

/** Names of every metric the exporter emits. */
public final class MetricNames {
    public static final String CPU_TIME = "jvm.thread.cpu.time";
    public static final String OFF_CPU_TIME = "jvm.thread.off_cpu.time";
    public static final String RUNQUEUE_LATENCY = "jvm.thread.runqueue.latency";
    public static final String CONTEXT_SWITCHES = "process.context_switches";
    public static final String PAGING_FAULTS = "process.paging.faults";
    public static final String DISK_IO = "process.disk.io";
    public static final String NETWORK_IO = "process.network.io";
    public static final String SYSCALL_DURATION = "process.syscall.duration";
    public static final String SYSCALL_ERRORS = "process.syscall.errors";
    public static final String FILE_IO_DURATION = "process.file.io.duration";
    public static final String TCP_CONNECT_DURATION = "process.network.tcp.connect.duration";
    public static final String TCP_RETRANSMITS = "process.network.tcp.retransmits";
    public static final String GC_DURATION = "jvm.gc.duration";
    public static final String VM_OPERATION_DURATION = "jvm.vm_operation.duration";
    public static final String JIT_COMPILATIONS = "jvm.jit.compilations";
    /** Kernel time of application spans, one value per span and state. */
    public static final String SPAN_TIME = "kernel.span.time";
    public static final String JIT_COMPILATION_DURATION = "jvm.jit.compilation.duration";
    /** The agent's own: kernel records lost because a buffer was full. */
    public static final String EVENTS_DROPPED = "ebpf_agent.probe.events.dropped";

    private MetricNames() {}
}
