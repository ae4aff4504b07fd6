package io.ebpfagent.otel.internal;

/**
 * Names of every metric the exporter emits. OpenTelemetry semantic-convention names where one
 * exists for the quantity ({@code process.*}, {@code jvm.gc.duration}); everything else the agent
 * measures under {@code kernel.*}; the agent's own health under {@code ebpf_agent.*}.
 * docs/SIGNALS.md lists them all (a test compares it with what an agent exports).
 */
public final class MetricNames {
    public static final String CPU_TIME = "process.cpu.time";
    public static final String OFF_CPU_TIME = "kernel.off_cpu.time";
    public static final String RUNQUEUE_LATENCY = "kernel.runqueue.latency";
    public static final String RUNQUEUE_TIME = "kernel.runqueue.time";
    public static final String CONTEXT_SWITCHES = "process.context_switches";
    public static final String PAGING_FAULTS = "process.paging.faults";
    /** Storage bytes, at the block layer. */
    public static final String DISK_IO = "process.disk.io";
    /** Bytes of read/write calls on files, page cache included. */
    public static final String FILE_IO = "kernel.file.io";
    public static final String NETWORK_IO = "process.network.io";
    public static final String SYSCALL_DURATION = "kernel.syscall.duration";
    public static final String SYSCALL_ERRORS = "kernel.syscall.errors";
    public static final String FILE_IO_DURATION = "kernel.file.io.duration";
    public static final String TCP_CONNECT_DURATION = "kernel.tcp.connect.duration";
    public static final String TCP_RETRANSMITS = "kernel.tcp.retransmits";
    public static final String GC_DURATION = "jvm.gc.duration";
    public static final String VM_OPERATION_DURATION = "kernel.jvm.vm_operation.duration";
    public static final String JIT_COMPILATIONS = "kernel.jvm.jit.compilations";
    /** Kernel time of application spans, one value per span and state. */
    public static final String SPAN_TIME = "kernel.span.time";
    public static final String JIT_COMPILATION_DURATION = "kernel.jvm.jit.compilation.duration";
    /** The agent's own: kernel records lost because a buffer was full. */
    public static final String EVENTS_DROPPED = "ebpf_agent.probe.events.dropped";

    private MetricNames() {}
}
