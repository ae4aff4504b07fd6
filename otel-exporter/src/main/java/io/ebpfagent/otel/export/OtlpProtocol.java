package io.ebpfagent.otel.export;

/** OTLP transport. */
public enum OtlpProtocol {
    GRPC("grpc", 4317),
    HTTP_PROTOBUF("http/protobuf", 4318);

    private final String id;
    private final int defaultPort;

    OtlpProtocol(String id, int defaultPort) {
        this.id = id;
        this.defaultPort = defaultPort;
    }

    /** The {@code OTEL_EXPORTER_OTLP_PROTOCOL} spelling. */
    public String id() {
        return id;
    }

    public int defaultPort() {
        return defaultPort;
    }

    /** Parses {@code grpc} or {@code http/protobuf}. */
    public static OtlpProtocol parse(String s) {
        for (OtlpProtocol p : values()) {
            if (p.id.equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown OTLP protocol '" + s + "' (expected grpc or http/protobuf)");
    }
}
