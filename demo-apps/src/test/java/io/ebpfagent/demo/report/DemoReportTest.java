package io.ebpfagent.demo.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleCounter;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The report made from real OTLP: the OpenTelemetry SDK's OTLP/HTTP exporters send spans shaped
 * like the two agents' (a server span with the {@code kernel.*} breakdown, its client span, the
 * downstream server span, kernel child spans) and per-thread metrics to the demo's receiver, which
 * decodes the protobuf; the report's numbers are checked against what was sent.
 */
class DemoReportTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void reportFromDecodedOtlp() throws Exception {
        TelemetryStore store = new TelemetryStore();
        String trace;
        try (OtlpHttpReceiver receiver = OtlpHttpReceiver.start(0, store)) {
            trace = sendSpans(receiver.endpoint());
            sendMetrics(receiver.endpoint());
        }
        assertThat(store.spans()).hasSize(9);
        String report = new DemoReport(store, 8, 2, 1).withProcessCpu(1.8).render();

        assertThat(report).contains("received over OTLP: 5 application spans (5 with a kernel breakdown), "
                + "4 kernel spans");
        // per route: two checkouts with 2 and 4 ms of CPU, 10 and 30 ms of lock wait -> means 3.0 and 20.0
        assertThat(report).containsPattern(
                "  GET /checkout +2 +50\\.0 +120\\.0 +3\\.0 +0\\.5 +20\\.0 +6\\.0 +1\\.0 +0\\.0 +0\\.0\\n");
        assertThat(report).containsPattern("  GET /search +1 +20\\.0 +20\\.0 +18\\.0 +2\\.0 +0\\.0");
        // the slowest request first, as a tree: the client span with the downstream server span
        // under it, then the kernel children by name, most time first: the off-CPU spans (two,
        // summed up), the others (one kind shown per span here) on one line; the pause overlap
        // after the breakdown where there was one
        assertThat(report).contains("""
                  GET /checkout  120.0 ms  trace %s
                    [cpu 4.0 · runq 1.0 · lock 30.0 · net 6.0 · disk 2.0 ms]  (gc pause 1.0 · safepoint 1.5 ms)
                  ├─ GET client 8.0 ms  [cpu 0.3 · net 6.0 ms]
                  │  └─ GET /inventory server 6.0 ms  [cpu 0.5 · sleep 4.0 ms]  (safepoint 0.8 ms)
                  ├─ off-cpu ×2, 35.0 ms in all, longest 30.0 ms  (kernel, shop-http-3)
                  └─ 1 more kernel spans, 2.0 ms together
                """.formatted(trace));
        // two trees asked for: the second slowest root (the other checkout), not the search
        assertThat(report).containsPattern("\\n  GET /checkout  50\\.0 ms  trace [0-9a-f]{32}\\n")
                .doesNotContainPattern("\\n  GET /search  20\\.0 ms  trace");
        // thread groups: CPU 1.5 s and 0.25 s, run-queue sum 0.4 s, off-CPU by reason
        assertThat(report).containsPattern("  shop-http-\\* +1\\.50 +0\\.40 +12\\.00 +0\\.30  futex 9\\.00s, fsync 500\\.0ms +"
                + "1\\.0M/0 +0/2\\.0M +0/0 +120/3");
        assertThat(report).contains("  system call time, whole process: epoll_wait 3.00s, other 250.0ms\n");
        assertThat(report.indexOf("shop-http-*")).isLessThan(report.indexOf("pricing-*"));
        assertThat(report).contains("  CPU of all 2 groups: 1.75 s; /proc/PID/stat said 1.80 s just before the stop\n");
        // the GC histogram: 3 pauses, 30 ms in all, the longest in the bucket up to 25 ms
        assertThat(report).contains("gc G1 Young Generation", "3 pauses, 30.0ms total, longest <= 25.0ms");
        // requests stopped by pauses, from the server spans' overlap values (the slow checkout was
        // in a 1 ms GC pause and 1.5 ms of safepoints, the other one in 0.2 ms of a safepoint, the
        // inventory call in 0.8 ms); the gc pause span of the VM thread is a root and stops nothing
        assertThat(report).contains("""
                  pauses that stopped a request (kernel.gc.pause.time, kernel.safepoint.time of server spans):
                    GET /checkout      of 2: 1 in a GC pause, 1.0ms in all, longest 1.0ms; 2 at a safepoint, 1.7ms in all, longest 1.5ms
                    GET /inventory     of 1: none in a GC pause; 1 at a safepoint, 0.8ms in all, longest 0.8ms
                """).doesNotContain("    GET /search ");
    }

    /** Sends the spans; returns the trace id of the slowest request. */
    private static String sendSpans(String endpoint) {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint + "/v1/traces").build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build()).build();
        Tracer tracer = provider.get("io.opentelemetry.jetty-12.0");
        Span slow = server(tracer, "/checkout", 0, 120, 4, 1, 30, 6, 2, 0);
        slow.setAttribute("kernel.gc.pause.time", 0.001);
        slow.setAttribute("kernel.safepoint.time", 0.0015);
        Context inSlow = Context.root().with(slow);
        Span client = tracer.spanBuilder("GET").setParent(inSlow).setSpanKind(SpanKind.CLIENT)
                .setStartTimestamp(T0.plusMillis(40)).setAttribute("kernel.cpu.time", 0.0003)
                .setAttribute("kernel.wait.network.time", 0.006).startSpan();
        Span inventory = tracer.spanBuilder("GET /inventory").setParent(Context.root().with(client))
                .setSpanKind(SpanKind.SERVER).setStartTimestamp(T0.plusMillis(41))
                .setAttribute("http.route", "/inventory").setAttribute("kernel.cpu.time", 0.0005)
                .setAttribute("kernel.wait.sleep.time", 0.004).setAttribute("kernel.safepoint.time", 0.0008)
                .startSpan();
        inventory.end(T0.plusMillis(47));
        client.end(T0.plusMillis(48));
        kernel(tracer, inSlow, "off-cpu", 10, 40, "off_cpu", "shop-http-3");
        kernel(tracer, inSlow, "off-cpu", 50, 55, "off_cpu", "shop-http-3");
        kernel(tracer, inSlow, "syscall fsync", 100, 102, "slow_syscall", "shop-http-3");
        // as the agent exports it (spans.standalone): a root span of the thread that ran the pause
        kernel(tracer, Context.root(), "gc pause", 110, 111, "gc_pause", "VM Thread");
        slow.end(T0.plusMillis(120));
        Span other = server(tracer, "/checkout", 200, 250, 2, 0, 10, 6, 0, 0);
        other.setAttribute("kernel.safepoint.time", 0.0002);
        other.end(T0.plusMillis(250));
        server(tracer, "/search", 300, 320, 18, 2, 0, 0, 0, 0).end(T0.plusMillis(320));
        provider.shutdown().join(30, TimeUnit.SECONDS);
        return slow.getSpanContext().getTraceId();
    }

    private static Span server(Tracer tracer, String route, long startMs, long endMs, double cpuMs, double runqMs,
                               double lockMs, double netMs, double diskMs, double sleepMs) {
        var b = tracer.spanBuilder("GET " + route).setSpanKind(SpanKind.SERVER).setNoParent()
                .setStartTimestamp(T0.plusMillis(startMs)).setAttribute("http.route", route);
        put(b, "kernel.cpu.time", cpuMs);
        put(b, "kernel.runqueue.time", runqMs);
        put(b, "kernel.wait.lock.time", lockMs);
        put(b, "kernel.wait.network.time", netMs);
        put(b, "kernel.wait.disk.time", diskMs);
        put(b, "kernel.wait.sleep.time", sleepMs);
        return b.startSpan();
    }

    /** As the agent does: only non-zero values are set. */
    private static void put(io.opentelemetry.api.trace.SpanBuilder b, String key, double ms) {
        if (ms > 0) {
            b.setAttribute(key, ms / 1e3);
        }
    }

    private static void kernel(Tracer tracer, Context parent, String name, long startMs, long endMs, String kind,
                               String thread) {
        tracer.spanBuilder(name).setParent(parent).setStartTimestamp(T0.plusMillis(startMs))
                .setAttribute("kernel.interval.kind", kind).setAttribute("thread.name", thread)
                .startSpan().end(T0.plusMillis(endMs));
    }

    private static void sendMetrics(String endpoint) {
        SdkMeterProvider provider = SdkMeterProvider.builder()
                .registerMetricReader(PeriodicMetricReader.builder(
                        OtlpHttpMetricExporter.builder().setEndpoint(endpoint + "/v1/metrics").build())
                        .setInterval(Duration.ofHours(1)).build())
                .build();
        var meter = provider.get("io.ebpfagent");
        AttributeKey<String> thread = AttributeKey.stringKey("thread.name");
        Attributes http = Attributes.of(thread, "shop-http-*");
        Attributes pricing = Attributes.of(thread, "pricing-*");
        DoubleCounter cpu = meter.counterBuilder(Signals.CPU_TIME).ofDoubles().setUnit("s").build();
        cpu.add(1.5, http);
        cpu.add(0.25, pricing);
        DoubleCounter runq = meter.counterBuilder(Signals.RUNQUEUE_TIME).ofDoubles().setUnit("s").build();
        runq.add(0.1, http);
        runq.add(0.3, http);
        DoubleCounter off = meter.counterBuilder(Signals.OFF_CPU_TIME).ofDoubles().setUnit("s").build();
        off.add(12, http.toBuilder().put(Signals.OFF_CPU_REASON, "voluntary").build());
        off.add(0.3, http.toBuilder().put(Signals.OFF_CPU_REASON, "involuntary").build());
        DoubleHistogram sys = meter.histogramBuilder(Signals.SYSCALL_DURATION).setUnit("s").build();
        sys.record(9, http.toBuilder().put(Signals.SYSCALL_NAME, "futex").build());
        sys.record(0.5, http.toBuilder().put(Signals.SYSCALL_NAME, "fsync").build());
        sys.record(0.0001, http.toBuilder().put(Signals.SYSCALL_NAME, "getpid").build());
        // the default: system call series of the whole process, without a thread group
        sys.record(3, Attributes.of(AttributeKey.stringKey(Signals.SYSCALL_NAME), "epoll_wait"));
        sys.record(0.25, Attributes.of(AttributeKey.stringKey(Signals.SYSCALL_NAME), "other"));
        var file = meter.counterBuilder(Signals.FILE_IO).setUnit("By").build();
        file.add(1024 * 1024, http.toBuilder().put(Signals.FILE_DIRECTION, "read").build());
        var disk = meter.counterBuilder(Signals.DISK_IO).setUnit("By").build();
        disk.add(2 * 1024 * 1024, http.toBuilder().put(Signals.DISK_DIRECTION, "write").build());
        var faults = meter.counterBuilder(Signals.PAGING_FAULTS).build();
        faults.add(120, http.toBuilder().put(Signals.FAULT_TYPE, "minor").build());
        faults.add(3, http.toBuilder().put(Signals.FAULT_TYPE, "major").build());
        DoubleHistogram gc = meter.histogramBuilder(Signals.GC_DURATION).setUnit("s")
                .setExplicitBucketBoundariesAdvice(List.of(0.005, 0.01, 0.025, 0.05)).build();
        Attributes young = Attributes.of(AttributeKey.stringKey(Signals.GC_NAME), "G1 Young Generation",
                AttributeKey.stringKey(Signals.GC_ACTION), "end of minor GC");
        gc.record(0.004, young);
        gc.record(0.006, young);
        gc.record(0.020, young);
        provider.shutdown().join(30, TimeUnit.SECONDS);
    }
}
