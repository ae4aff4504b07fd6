package io.ebpfagent.otel.export;

import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.ThreadNames;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the exporter's own OpenTelemetry SDK (metrics + traces) from an {@link ExporterConfig}
 * and wraps it in a {@link KernelTelemetry}: OTLP (gRPC or HTTP/protobuf) with a periodic metric
 * reader and a batch span processor (bounded queue; {@code close()} flushes), a Prometheus scrape
 * endpoint, and compact logging. OTLP exports and Prometheus scrapes run outside the OpenTelemetry
 * Java agent's instrumentation ({@link JavaagentSuppression}).
 */
public final class ExporterSetup {
    private static final Logger LOG = LoggerFactory.getLogger(ExporterSetup.class);

    private ExporterSetup() {}

    /** Starts the configured exporters; the caller closes the result on shutdown. */
    public static KernelTelemetry create(ExporterConfig config, ThreadNames threadNames) {
        return create(config, threadNames, ProcessResource.detect(config.serviceName(), config.resourceAttributes()));
    }

    /** As {@link #create(ExporterConfig, ThreadNames)} with a given resource. */
    public static KernelTelemetry create(ExporterConfig config, ThreadNames threadNames, Resource resource) {
        SdkLogging.install();
        Transports transports = new Transports();
        KernelTelemetry.Builder b = KernelTelemetry.builder(threadNames).resource(resource).onAbort(transports::abortAll)
                .onRelease(transports::releaseAll)
                .cardinalityLimit(config.cardinalityLimit()).syscallSeries(config.syscallSeries()).spanMode(config.spanMode())
                .minSpanDuration(config.minSpanDuration());
        List<String> running = new ArrayList<>();
        for (ExporterKind kind : config.exporters()) {
            // one exporter that cannot start (a port in use, a bad endpoint) costs only itself
            try {
                switch (kind) {
                    case OTLP -> {
                        b.addMetricReader(periodic(otlpMetrics(config, transports), config.exportInterval()));
                        b.addSpanProcessor(batch(otlpSpans(config, transports), config));
                        running.add("otlp " + config.otlpProtocol().id() + " " + config.effectiveOtlpEndpoint());
                    }
                    case PROMETHEUS -> b.addMetricReader(PrometheusEndpoint.create(config, transports));
                    case LOGGING -> {
                        b.addMetricReader(periodic(new CompactLogMetricExporter(), config.exportInterval()));
                        b.addSpanProcessor(batch(new CompactLogSpanExporter(), config));
                    }
                }
                if (kind == ExporterKind.PROMETHEUS) {
                    ExporterConfig.PrometheusAccess access = config.prometheusAccess();
                    running.add("prometheus " + (access.tls() ? "https" : "http") + "://" + config.prometheusHost() + ":"
                            + config.prometheusPort() + "/metrics" + (access.basicAuth() ? " (basic auth)" : ""));
                } else if (kind == ExporterKind.LOGGING) {
                    running.add("logging");
                }
            } catch (RuntimeException e) {
                Throwable root = e.getCause() != null ? e.getCause() : e;
                LOG.warn("exporter {} disabled: {}", kind.name().toLowerCase(java.util.Locale.ROOT), root.toString());
            }
        }
        // only what runs: an exporter that could not start has had its line above
        if (running.isEmpty()) {
            LOG.warn("no telemetry exporter is running (see the lines above); service.name={}",
                    resource.getAttribute(ProcessResource.SERVICE_NAME));
        } else {
            LOG.info("telemetry exporters: {}; service.name={}", String.join(", ", running),
                    resource.getAttribute(ProcessResource.SERVICE_NAME));
        }
        return b.build();
    }

    /** An exception that escapes one of the agent's exporter threads: one line, not a stack trace on stderr. */
    static void uncaught(Thread thread, Throwable error) {
        if (LOG.isDebugEnabled()) {
            LOG.warn("exporter thread {} ended by {}", thread.getName(), error.toString(), error);
        } else {
            LOG.warn("exporter thread {} ended by {}", thread.getName(), error.toString());
        }
    }

    static MetricExporter otlpMetrics(ExporterConfig c, Transports transports) {
        return switch (c.otlpProtocol()) {
            case GRPC -> {
                var b = OtlpGrpcMetricExporter.builder().setComponentLoader(new ExporterComponents(transports))
                        .setEndpoint(c.effectiveOtlpEndpoint());
                c.otlpHeaders().forEach(b::addHeader);
                yield b.build();
            }
            case HTTP_PROTOBUF -> {
                var b = OtlpHttpMetricExporter.builder().setComponentLoader(new ExporterComponents(transports))
                        .setEndpoint(c.effectiveOtlpEndpoint() + "/v1/metrics");
                c.otlpHeaders().forEach(b::addHeader);
                yield b.build();
            }
        };
    }

    static SpanExporter otlpSpans(ExporterConfig c, Transports transports) {
        return switch (c.otlpProtocol()) {
            case GRPC -> {
                var b = OtlpGrpcSpanExporter.builder().setComponentLoader(new ExporterComponents(transports))
                        .setEndpoint(c.effectiveOtlpEndpoint());
                c.otlpHeaders().forEach(b::addHeader);
                yield b.build();
            }
            case HTTP_PROTOBUF -> {
                var b = OtlpHttpSpanExporter.builder().setComponentLoader(new ExporterComponents(transports))
                        .setEndpoint(c.effectiveOtlpEndpoint() + "/v1/traces");
                c.otlpHeaders().forEach(b::addHeader);
                yield b.build();
            }
        };
    }

    private static PeriodicMetricReader periodic(MetricExporter exporter, Duration interval) {
        // A thread named as the agent's: the SDK's default name is the same as the OTel Java agent's.
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "ebpf-agent-metric-export");
            t.setDaemon(true);
            t.setUncaughtExceptionHandler(ExporterSetup::uncaught);
            return t;
        });
        return PeriodicMetricReader.builder(JavaagentSuppression.metrics(exporter)).setInterval(interval)
                .setExecutor(thread).build();
    }

    /** A batch processor, started when the first span ends (see {@link LazySpanProcessor}). */
    private static SpanProcessor batch(SpanExporter exporter, ExporterConfig c) {
        return new LazySpanProcessor(() -> BatchSpanProcessor.builder(JavaagentSuppression.spans(exporter))
                .setMaxQueueSize(c.spanQueueSize()).setMaxExportBatchSize(Math.min(512, c.spanQueueSize()))
                .setScheduleDelay(Duration.ofMillis(Math.min(5000, c.exportInterval().toMillis()))).build(),
                c.spanQueueSize());
    }
}
