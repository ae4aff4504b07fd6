package io.ebpfagent.demo.report;

import java.util.List;

/**
 * Every signal name the demo's report and its live hints depend on, in one place: the metric
 * and attribute names as the agent exports them over OTLP (docs/SIGNALS.md), and the PromQL the
 * demo prints (docs/backends/prometheus-grafana.md lists the same queries; a test keeps the two
 * in step). A rename in the exporter is followed here and nowhere else.
 */
public final class Signals {
    private Signals() {}

    // metrics (OTLP names)
    public static final String CPU_TIME = "process.cpu.time";
    public static final String OFF_CPU_TIME = "kernel.off_cpu.time";
    public static final String RUNQUEUE_TIME = "kernel.runqueue.time";
    public static final String PAGING_FAULTS = "process.paging.faults";
    public static final String DISK_IO = "process.disk.io";
    public static final String FILE_IO = "kernel.file.io";
    public static final String NETWORK_IO = "process.network.io";
    public static final String SYSCALL_DURATION = "kernel.syscall.duration";
    public static final String FILE_IO_DURATION = "kernel.file.io.duration";
    public static final String GC_DURATION = "jvm.gc.duration";
    public static final String VM_OPERATION_DURATION = "kernel.jvm.vm_operation.duration";
    public static final String SPAN_TIME = "kernel.span.time";

    // metric attributes
    public static final String THREAD_NAME = "thread.name";
    public static final String OFF_CPU_REASON = "off_cpu.reason";
    public static final String FAULT_TYPE = "system.paging.fault.type";
    public static final String DISK_DIRECTION = "disk.io.direction";
    public static final String FILE_DIRECTION = "io.direction";
    public static final String NETWORK_DIRECTION = "network.io.direction";
    public static final String SYSCALL_NAME = "syscall.name";
    public static final String GC_NAME = "jvm.gc.name";
    public static final String GC_ACTION = "jvm.gc.action";
    public static final String VM_OPERATION_NAME = "jvm.vm_operation.name";

    // span attributes
    public static final String HTTP_ROUTE = "http.route";
    public static final String INTERVAL_KIND = "kernel.interval.kind";
    /** Overlap of the span with the JVM's GC pauses (not a state: it overlaps the states). */
    public static final String GC_PAUSE_TIME = "kernel.gc.pause.time";
    /** Overlap of the span with safepoint operations; contains {@link #GC_PAUSE_TIME}. */
    public static final String SAFEPOINT_TIME = "kernel.safepoint.time";

    /** The per-span breakdown attributes, in the order the report prints them. */
    public enum State {
        CPU("cpu", "kernel.cpu.time"),
        RUNQUEUE("runq", "kernel.runqueue.time"),
        LOCK("lock", "kernel.wait.lock.time"),
        NETWORK("net", "kernel.wait.network.time"),
        DISK("disk", "kernel.wait.disk.time"),
        SLEEP("sleep", "kernel.wait.sleep.time"),
        OTHER("other", "kernel.wait.other.time");

        private final String label;
        private final String attribute;

        State(String label, String attribute) {
            this.label = label;
            this.attribute = attribute;
        }

        public String label() {
            return label;
        }

        public String attribute() {
            return attribute;
        }
    }

    /** A PromQL query the demo suggests, with what it shows. */
    public record Query(String title, String promql) {
    }

    /**
     * The queries printed while the demo runs. Prometheus names: dots become underscores, the
     * unit is appended ({@code _seconds}), counters end in {@code _total}.
     */
    public static final List<Query> LIVE_QUERIES = List.of(
            new Query("p99 lock wait per route",
                    "histogram_quantile(0.99, sum by (http_route, le) (rate(kernel_span_time_seconds_bucket{kernel_state=\"lock\"}[1m])))"),
            new Query("mean kernel time per request, by route and state",
                    "sum by (http_route, kernel_state) (rate(kernel_span_time_seconds_sum[1m])) / ignoring(kernel_state) group_left sum by (http_route) (rate(kernel_span_time_seconds_count{kernel_state=\"cpu\"}[1m]))"),
            new Query("CPU cores used per thread group",
                    "sum by (thread_name) (rate(process_cpu_time_seconds_total[1m]))"),
            new Query("run-queue wait per thread group (s/s)",
                    "sum by (thread_name) (rate(kernel_runqueue_time_seconds_total[1m]))"),
            new Query("GC pause time (s/s)",
                    "sum by (jvm_gc_name) (rate(jvm_gc_duration_seconds_sum[1m]))"));
}
