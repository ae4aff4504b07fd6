package io.ebpfagent.otel.internal;

import io.opentelemetry.api.common.AttributeKey;

/** Attribute keys used by the mapping; semantic-convention names where one exists. */
public final class Attrs {
    public static final AttributeKey<String> THREAD_NAME = AttributeKey.stringKey("thread.name");
    public static final AttributeKey<Long> THREAD_ID = AttributeKey.longKey("thread.id");
    /** The OS thread id (semantic conventions only define the managed {@code thread.id}). */
    public static final AttributeKey<Long> THREAD_NATIVE_ID = AttributeKey.longKey("thread.native_id");
    public static final AttributeKey<String> CONTEXT_SWITCH_TYPE = AttributeKey.stringKey("process.context_switch.type");
    public static final AttributeKey<String> PAGING_FAULT_TYPE = AttributeKey.stringKey("system.paging.fault.type");
    public static final AttributeKey<String> DISK_IO_DIRECTION = AttributeKey.stringKey("disk.io.direction");
    public static final AttributeKey<String> NETWORK_IO_DIRECTION = AttributeKey.stringKey("network.io.direction");
    public static final AttributeKey<String> GC_NAME = AttributeKey.stringKey("jvm.gc.name");
    public static final AttributeKey<String> GC_ACTION = AttributeKey.stringKey("jvm.gc.action");
    public static final AttributeKey<String> OFF_CPU_REASON = AttributeKey.stringKey("off_cpu.reason");
    public static final AttributeKey<String> SYSCALL_NAME = AttributeKey.stringKey("syscall.name");
    public static final AttributeKey<Long> SYSCALL_NR = AttributeKey.longKey("syscall.nr");
    public static final AttributeKey<String> FILE_KIND = AttributeKey.stringKey("file.kind");
    public static final AttributeKey<String> FILE_PATH = AttributeKey.stringKey("file.path");
    public static final AttributeKey<String> IO_DIRECTION = AttributeKey.stringKey("io.direction");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
    public static final AttributeKey<String> VM_OPERATION_NAME = AttributeKey.stringKey("jvm.vm_operation.name");
    public static final AttributeKey<String> JIT_COMPILER = AttributeKey.stringKey("jvm.jit.compiler");
    public static final AttributeKey<String> SPAN_NAME = AttributeKey.stringKey("span.name");
    public static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    public static final AttributeKey<String> KERNEL_STATE = AttributeKey.stringKey("kernel.state");
    /** Fully qualified method name ({@code pkg.Class.method}). */
    public static final AttributeKey<String> CODE_FUNCTION_NAME = AttributeKey.stringKey("code.function.name");
    public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    public static final AttributeKey<String> INTERVAL_KIND = AttributeKey.stringKey("kernel.interval.kind");
    public static final AttributeKey<Long> DURATION_NS = AttributeKey.longKey("kernel.duration_ns");
    /** Which probe (kernel object) of the agent, e.g. {@code jvm}. */
    public static final AttributeKey<String> PROBE = AttributeKey.stringKey("ebpf_agent.probe");
    /** Which of its buffers: {@code ring_buffer}, {@code perf_buffer}, {@code sample_map}. */
    public static final AttributeKey<String> BUFFER = AttributeKey.stringKey("ebpf_agent.buffer");

    private Attrs() {}
}
