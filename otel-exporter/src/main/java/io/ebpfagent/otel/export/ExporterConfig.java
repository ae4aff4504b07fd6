package io.ebpfagent.otel.export;

import io.ebpfagent.otel.SpanMode;
import io.ebpfagent.otel.SyscallSeries;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Plain configuration of the exporters; the agent fills it from its config file, system
 * properties and environment.
 *
 * @param exporters          where to send telemetry
 * @param otlpEndpoint       base URL, e.g. {@code http://localhost:4317}; {@code null}: localhost
 *                           with the protocol's default port. For http/protobuf the signal paths
 *                           {@code /v1/metrics} and {@code /v1/traces} are appended.
 * @param otlpProtocol       gRPC or HTTP/protobuf
 * @param otlpHeaders        extra request headers (e.g. authorization)
 * @param exportInterval     how often push exporters (OTLP, logging) collect metrics
 * @param prometheusHost     bind address of the scrape endpoint (default loopback)
 * @param prometheusPort     port of the scrape endpoint (0: any free port)
 * @param prometheusAccess   TLS and basic authentication of the scrape endpoint
 * @param serviceName        {@code service.name}; {@code null}: OTEL_SERVICE_NAME, else the main class
 * @param resourceAttributes extra resource attributes (they win over detected ones)
 * @param cardinalityLimit   series per metric before folding into the overflow series
 * @param spanMode           how kernel intervals appear in traces
 * @param minSpanDuration    intervals shorter than this produce no span
 * @param spanQueueSize      spans buffered for export; beyond it new spans are dropped
 * @param syscallSeries      which syscall series the metrics get
 */
public record ExporterConfig(Set<ExporterKind> exporters, String otlpEndpoint, OtlpProtocol otlpProtocol,
                             Map<String, String> otlpHeaders, Duration exportInterval, String prometheusHost,
                             int prometheusPort, PrometheusAccess prometheusAccess, String serviceName, Map<String, String> resourceAttributes,
                             int cardinalityLimit, SpanMode spanMode, Duration minSpanDuration, int spanQueueSize,
                             SyscallSeries syscallSeries) {

    public ExporterConfig {
        exporters = exporters.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(exporters));
        Objects.requireNonNull(otlpProtocol, "otlpProtocol");
        otlpHeaders = Map.copyOf(otlpHeaders);
        resourceAttributes = Map.copyOf(resourceAttributes);
        Objects.requireNonNull(spanMode, "spanMode");
        Objects.requireNonNull(syscallSeries, "syscallSeries");
        Objects.requireNonNull(prometheusAccess, "prometheusAccess");
        if (exportInterval.isNegative() || exportInterval.isZero()) {
            throw new IllegalArgumentException("exportInterval must be positive: " + exportInterval);
        }
        if (prometheusPort < 0 || prometheusPort > 65535) {
            throw new IllegalArgumentException("prometheusPort out of range: " + prometheusPort);
        }
        if (cardinalityLimit < 2) {
            throw new IllegalArgumentException("cardinalityLimit must be >= 2: " + cardinalityLimit);
        }
        if (spanQueueSize < 1) {
            throw new IllegalArgumentException("spanQueueSize must be >= 1: " + spanQueueSize);
        }
    }

    /**
     * Who may scrape the Prometheus endpoint: over TLS with the server certificate and key of a
     * PKCS#12 keystore ({@code keystore} empty: plain HTTP), and with HTTP basic authentication
     * ({@code username} empty: none).
     */
    public record PrometheusAccess(String keystore, String keystorePassword, String username, String password) {
        public static final PrometheusAccess NONE = new PrometheusAccess("", "", "", "");

        public PrometheusAccess {
            keystore = keystore == null ? "" : keystore;
            keystorePassword = keystorePassword == null ? "" : keystorePassword;
            username = username == null ? "" : username;
            password = password == null ? "" : password;
        }

        public boolean tls() {
            return !keystore.isEmpty();
        }

        public boolean basicAuth() {
            return !username.isEmpty();
        }

        @Override
        public String toString() {
            return "PrometheusAccess[tls=" + tls() + ", basicAuth=" + basicAuth() + "]"; // no secrets
        }
    }

    /** Logging only, 10 s interval, Prometheus on 127.0.0.1:9464 when enabled, OTLP gRPC on localhost. */
    public static ExporterConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.exporters = exporters.isEmpty() ? EnumSet.noneOf(ExporterKind.class) : EnumSet.copyOf(exporters);
        b.otlpEndpoint = otlpEndpoint;
        b.otlpProtocol = otlpProtocol;
        b.otlpHeaders = new LinkedHashMap<>(otlpHeaders);
        b.exportInterval = exportInterval;
        b.prometheusHost = prometheusHost;
        b.prometheusPort = prometheusPort;
        b.prometheusAccess = prometheusAccess;
        b.serviceName = serviceName;
        b.resourceAttributes = new LinkedHashMap<>(resourceAttributes);
        b.cardinalityLimit = cardinalityLimit;
        b.syscallSeries = syscallSeries;
        b.spanMode = spanMode;
        b.minSpanDuration = minSpanDuration;
        b.spanQueueSize = spanQueueSize;
        return b;
    }

    /** The OTLP base endpoint with the protocol's default applied. */
    public String effectiveOtlpEndpoint() {
        String e = otlpEndpoint == null || otlpEndpoint.isBlank()
                ? "http://localhost:" + otlpProtocol.defaultPort() : otlpEndpoint.trim();
        return e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
    }

    public static final class Builder {
        private EnumSet<ExporterKind> exporters = EnumSet.of(ExporterKind.LOGGING);
        private String otlpEndpoint;
        private OtlpProtocol otlpProtocol = OtlpProtocol.GRPC;
        private Map<String, String> otlpHeaders = new LinkedHashMap<>();
        private Duration exportInterval = Duration.ofSeconds(10);
        private String prometheusHost = "127.0.0.1";
        private int prometheusPort = 9464;
        private PrometheusAccess prometheusAccess = PrometheusAccess.NONE;
        private String serviceName;
        private Map<String, String> resourceAttributes = new LinkedHashMap<>();
        private int cardinalityLimit = 2000;
        private SyscallSeries syscallSeries = SyscallSeries.defaults();
        private SpanMode spanMode = SpanMode.SPANS;
        private Duration minSpanDuration = Duration.ofMillis(1);
        private int spanQueueSize = 2048;

        public Builder exporters(Set<ExporterKind> kinds) {
            this.exporters = kinds.isEmpty() ? EnumSet.noneOf(ExporterKind.class) : EnumSet.copyOf(kinds);
            return this;
        }

        public Builder exporters(ExporterKind first, ExporterKind... rest) {
            this.exporters = EnumSet.of(first, rest);
            return this;
        }

        public Builder otlpEndpoint(String endpoint) {
            this.otlpEndpoint = endpoint;
            return this;
        }

        public Builder otlpProtocol(OtlpProtocol protocol) {
            this.otlpProtocol = protocol;
            return this;
        }

        public Builder otlpHeader(String name, String value) {
            this.otlpHeaders.put(name, value);
            return this;
        }

        public Builder exportInterval(Duration interval) {
            this.exportInterval = interval;
            return this;
        }

        public Builder prometheus(String host, int port) {
            this.prometheusHost = host;
            this.prometheusPort = port;
            return this;
        }

        public Builder prometheusAccess(PrometheusAccess access) {
            this.prometheusAccess = access;
            return this;
        }

        public Builder serviceName(String name) {
            this.serviceName = name;
            return this;
        }

        public Builder resourceAttribute(String key, String value) {
            this.resourceAttributes.put(key, value);
            return this;
        }

        public Builder cardinalityLimit(int limit) {
            this.cardinalityLimit = limit;
            return this;
        }

        public Builder syscallSeries(SyscallSeries series) {
            this.syscallSeries = series;
            return this;
        }

        public Builder spanMode(SpanMode mode) {
            this.spanMode = mode;
            return this;
        }

        public Builder minSpanDuration(Duration d) {
            this.minSpanDuration = d;
            return this;
        }

        public Builder spanQueueSize(int size) {
            this.spanQueueSize = size;
            return this;
        }

        public ExporterConfig build() {
            return new ExporterConfig(exporters, otlpEndpoint, otlpProtocol, otlpHeaders, exportInterval,
                    prometheusHost, prometheusPort, prometheusAccess, serviceName, resourceAttributes, cardinalityLimit, spanMode,
                    minSpanDuration, spanQueueSize, syscallSeries);
        }
    }
}
