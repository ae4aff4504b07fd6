package io.ebpfagent.otel.export;

import static io.ebpfagent.otel.testing.OtlpMessages.hex;
import static io.ebpfagent.otel.testing.OtlpMessages.stringAttribute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ebpfagent.otel.KernelInterval;
import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.OffCpuReason;
import io.ebpfagent.otel.SpanParent;
import io.ebpfagent.otel.ThreadKey;
import io.ebpfagent.otel.ThreadNames;
import io.ebpfagent.otel.testing.OtlpGrpcReceiver;
import io.ebpfagent.otel.testing.OtlpReceiver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The real OTLP exporters, over loopback, into receivers that decode with the official protos. */
class OtlpWireTest {
    static final ThreadNames NAMES = tid -> new ThreadKey(tid, "worker-" + tid, "worker-*", 100 + tid);
    static final SpanParent PARENT = new SpanParent(0x0102030405060708L, 0x090a0b0c0d0e0f10L, 0x1112131415161718L, (byte) 1);

    @Test
    void httpProtobuf() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            roundTrip(OtlpProtocol.HTTP_PROTOBUF, receiver.endpoint(), receiver::metricRequests, receiver::traceRequests);
            assertThat(receiver.lastHeaders()).containsEntry("x-ebpf-test", "yes");
            assertThat(receiver.lastHeaders().get("content-type")).isEqualTo("application/x-protobuf");
        }
    }

    @Test
    void grpc() throws Exception {
        try (OtlpGrpcReceiver receiver = OtlpGrpcReceiver.start()) {
            roundTrip(OtlpProtocol.GRPC, receiver.endpoint(), receiver::metricRequests, receiver::traceRequests);
            assertThat(receiver.lastHeaders()).containsEntry("x-ebpf-test", "yes");
        }
    }

    @Test
    void grpcToAnAbsentReceiverReportsFailure() throws Exception {
        String endpoint;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            endpoint = "http://127.0.0.1:" + s.getLocalPort();
        }
        var reader = io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader.create();
        try (KernelTelemetry t = KernelTelemetry.builder(NAMES).addMetricReader(reader).build()) {
            t.onPageFaults(1, 1, 0);
            ExporterConfig config = ExporterConfig.builder().exporters(ExporterKind.OTLP).otlpProtocol(OtlpProtocol.GRPC)
                    .otlpEndpoint(endpoint).build();
            var exporter = ExporterSetup.otlpMetrics(config, new Transports());
            var result = exporter.export(reader.collectAllMetrics()).join(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(result.isDone()).isTrue();
            assertThat(result.isSuccess()).isFalse();
            assertThat(exporter.shutdown().join(10, java.util.concurrent.TimeUnit.SECONDS).isSuccess()).isTrue();
        }
    }

    private static void roundTrip(OtlpProtocol protocol, String endpoint, Supplier<List<ExportMetricsServiceRequest>> metrics,
                                  Supplier<List<ExportTraceServiceRequest>> traces) throws Exception {
        ExporterConfig config = ExporterConfig.builder().exporters(ExporterKind.OTLP).otlpProtocol(protocol)
                .otlpEndpoint(endpoint).otlpHeader("x-ebpf-test", "yes").serviceName("wire-test")
                .resourceAttribute("deployment.environment.name", "test")
                .exportInterval(Duration.ofSeconds(30)).build();
        KernelTelemetry t = ExporterSetup.create(config, NAMES);
        long[] slots = new long[64];
        slots[13] = 5;  // 8..16 µs
        slots[25] = 1;  // ~34 ms
        t.onRunQueueLatency(7, slots, 5 * 10_000L + 34_000_000L);
        t.onContextSwitches(7, 40, 2);
        t.onCpuTime(8, 2_500_000_000L, 0, 0);
        t.onInterval(KernelInterval.offCpu(7, 1_000_000_000L, 20_000_000L, OffCpuReason.VOLUNTARY, PARENT));
        assertThat(t.flush(Duration.ofSeconds(10))).isTrue();
        t.close();

        List<ExportMetricsServiceRequest> mreqs = metrics.get();
        assertThat(mreqs).isNotEmpty();
        var resource = mreqs.get(0).getResourceMetrics(0).getResource().getAttributesList();
        assertThat(stringAttribute(resource, "service.name")).isEqualTo("wire-test");
        assertThat(stringAttribute(resource, "deployment.environment.name")).isEqualTo("test");
        assertThat(stringAttribute(resource, "os.type")).isEqualTo("linux");
        var all = io.ebpfagent.otel.testing.OtlpMessages.metrics(mreqs);

        Metric rq = all.stream().filter(m -> m.getName().equals("kernel.runqueue.latency")).findFirst().orElseThrow();
        assertThat(rq.getUnit()).isEqualTo("s");
        assertThat(rq.getHistogram().getAggregationTemporality()).isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        HistogramDataPoint p = rq.getHistogram().getDataPoints(0);
        assertThat(p.getAttributesList()).as("one run-queue distribution per process").isEmpty();
        assertThat(p.getCount()).isEqualTo(6);
        assertThat(p.getSum()).isCloseTo(0.03405, within(1e-9));
        assertThat(p.getExplicitBoundsList()).hasSize(6);
        // slot 13 -> (2^10-1, 2^14-1] ns: bucket 1; slot 25 -> (2^22-1, 2^26-1]: bucket 4
        assertThat(p.getBucketCounts(1)).isEqualTo(5);
        assertThat(p.getBucketCounts(4)).isEqualTo(1);
        assertThat(p.getStartTimeUnixNano()).isPositive();

        Metric cs = all.stream().filter(m -> m.getName().equals("process.context_switches")).findFirst().orElseThrow();
        assertThat(cs.getUnit()).isEqualTo("{context_switch}");
        assertThat(cs.getSum().getIsMonotonic()).isTrue();
        NumberDataPoint vol = cs.getSum().getDataPointsList().stream()
                .filter(d -> "voluntary".equals(stringAttribute(d.getAttributesList(), "process.context_switch.type")))
                .findFirst().orElseThrow();
        assertThat(vol.getAsInt()).isEqualTo(40);
        Metric cpu = all.stream().filter(m -> m.getName().equals("process.cpu.time")).findFirst().orElseThrow();
        assertThat(cpu.getSum().getDataPoints(0).getAsDouble()).isCloseTo(2.5, within(1e-9));

        List<Span> spans = io.ebpfagent.otel.testing.OtlpMessages.spans(traces.get());
        assertThat(spans).hasSize(1);
        Span s = spans.get(0);
        assertThat(s.getName()).isEqualTo("off-cpu");
        assertThat(hex(s.getTraceId())).isEqualTo("0102030405060708090a0b0c0d0e0f10");
        assertThat(hex(s.getParentSpanId())).isEqualTo("1112131415161718");
        assertThat(s.getEndTimeUnixNano() - s.getStartTimeUnixNano()).isEqualTo(20_000_000L);
        assertThat(stringAttribute(s.getAttributesList(), "thread.name")).isEqualTo("worker-7");
    }
}
