package io.ebpfagent.agent.kernel;

import io.ebpfagent.agent.config.AgentConfig;
import io.ebpfagent.agent.config.ConfigSchema;
import io.ebpfagent.otel.SpanMode;
import io.ebpfagent.otel.SyscallSeries;
import io.ebpfagent.otel.export.ExporterConfig;
import io.ebpfagent.otel.export.ExporterKind;
import io.ebpfagent.otel.export.OtlpProtocol;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The exporter's settings from the agent configuration (already validated by the schema). */
final class ExporterConfigs {
    private ExporterConfigs() {
    }

    static ExporterConfig from(AgentConfig config) {
        Set<ExporterKind> kinds = EnumSet.noneOf(ExporterKind.class);
        for (String kind : config.exporters()) {
            kinds.add(ExporterKind.valueOf(kind.toUpperCase(Locale.ROOT)));
        }
        ExporterConfig.Builder b = ExporterConfig.builder()
                .exporters(kinds)
                .otlpProtocol(config.get(ConfigSchema.OTLP_PROTOCOL).equals("grpc")
                        ? OtlpProtocol.GRPC : OtlpProtocol.HTTP_PROTOBUF)
                .exportInterval(config.exportInterval())
                .prometheus(config.get(ConfigSchema.PROMETHEUS_HOST), config.get(ConfigSchema.PROMETHEUS_PORT))
                .prometheusAccess(new ExporterConfig.PrometheusAccess(config.get(ConfigSchema.PROMETHEUS_TLS_KEYSTORE),
                        config.get(ConfigSchema.PROMETHEUS_TLS_KEYSTORE_PASSWORD),
                        config.get(ConfigSchema.PROMETHEUS_BASIC_AUTH_USERNAME),
                        config.get(ConfigSchema.PROMETHEUS_BASIC_AUTH_PASSWORD)))
                .cardinalityLimit(Math.max(2, config.get(ConfigSchema.THREADS_MAX_DISTINCT) * 4))
                .syscallSeries(new SyscallSeries(config.get(ConfigSchema.SYSCALLS_TOP_N),
                        config.get(ConfigSchema.SYSCALLS_BY_THREAD)))
                .spanMode(switch (config.get(ConfigSchema.SPANS_MODE)) {
                    case "events" -> SpanMode.EVENTS;
                    case "off" -> SpanMode.OFF;
                    default -> SpanMode.SPANS;
                })
                .minSpanDuration(config.get(ConfigSchema.SPANS_MIN_DURATION));
        String endpoint = config.otlpEndpoint();
        if (endpoint != null && !endpoint.isBlank()) {
            b.otlpEndpoint(endpoint);
        }
        for (Map.Entry<String, String> h : config.get(ConfigSchema.OTLP_HEADERS).entrySet()) {
            b.otlpHeader(h.getKey(), h.getValue());
        }
        for (Map.Entry<String, String> a : config.get(ConfigSchema.RESOURCE_ATTRIBUTES).entrySet()) {
            if (a.getKey().equals("service.name")) {
                b.serviceName(a.getValue());
            } else {
                b.resourceAttribute(a.getKey(), a.getValue());
            }
        }
        return b.build();
    }
}
