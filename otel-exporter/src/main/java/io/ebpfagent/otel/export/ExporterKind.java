package io.ebpfagent.otel.export;

/** Where telemetry goes. */
public enum ExporterKind {
    /** OTLP to a collector or backend (metrics and spans). */
    OTLP,
    /** A Prometheus scrape endpoint (metrics only). */
    PROMETHEUS,
    /** One readable log line per metric point and per span, through SLF4J. */
    LOGGING
}
