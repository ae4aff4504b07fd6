package io.ebpfagent.otel.testing;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.concurrent.TimeoutException;

/** Helpers over decoded OTLP messages, shared by the receivers and their users. */
public final class OtlpMessages {
    private OtlpMessages() {}

    public static List<Metric> metrics(List<ExportMetricsServiceRequest> requests) {
        return requests.stream().flatMap(r -> r.getResourceMetricsList().stream())
                .flatMap(rm -> rm.getScopeMetricsList().stream())
                .flatMap(sm -> sm.getMetricsList().stream()).toList();
    }

    public static List<Span> spans(List<ExportTraceServiceRequest> requests) {
        return requests.stream().flatMap(r -> r.getResourceSpansList().stream())
                .flatMap(rs -> rs.getScopeSpansList().stream())
                .flatMap(ss -> ss.getSpansList().stream()).toList();
    }

    /** The value of attribute {@code key}, if present. */
    public static Optional<AnyValue> attribute(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(kv -> kv.getKey().equals(key)).map(KeyValue::getValue).findFirst();
    }

    /** The string value of attribute {@code key}, or null. */
    public static String stringAttribute(List<KeyValue> attributes, String key) {
        return attribute(attributes, key).map(AnyValue::getStringValue).orElse(null);
    }

    /** Lower-case hex of an OTLP id. */
    public static String hex(com.google.protobuf.ByteString id) {
        StringBuilder sb = new StringBuilder();
        for (byte b : id.toByteArray()) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }

    static <T> T await(Supplier<List<T>> all, Predicate<T> p, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (T t : all.get()) {
                if (p.test(t)) {
                    return t;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("nothing matched within " + timeout + " among " + all.get().size() + " received");
            }
            Thread.sleep(20);
        }
    }
}
