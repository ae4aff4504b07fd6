package io.ebpfagent.e2e.correlation;

import io.ebpfagent.otel.testing.OtlpMessages;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.HashMap;
import java.util.Map;

/**
 * A received span reduced to what the correlation check needs: ids as lower-case hex (an empty
 * parent id: no parent), epoch-nanosecond times, attributes as strings.
 */
public record TelemetrySpan(String traceId, String spanId, String parentSpanId, String name, String kind,
                            long start, long end, Map<String, String> attributes) {

    public static TelemetrySpan of(Span s) {
        Map<String, String> attributes = new HashMap<>();
        for (KeyValue kv : s.getAttributesList()) {
            attributes.put(kv.getKey(), text(kv.getValue()));
        }
        String kind = s.getKind().name().replace("SPAN_KIND_", "");
        return new TelemetrySpan(OtlpMessages.hex(s.getTraceId()), OtlpMessages.hex(s.getSpanId()),
                OtlpMessages.hex(s.getParentSpanId()), s.getName(), kind, s.getStartTimeUnixNano(),
                s.getEndTimeUnixNano(), Map.copyOf(attributes));
    }

    private static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            default -> v.toString();
        };
    }

    /** Whether the span names a parent (a valid, non-zero parent span id). */
    public boolean hasParent() {
        return !parentSpanId.isEmpty() && !parentSpanId.chars().allMatch(c -> c == '0');
    }

    public String attribute(String key) {
        return attributes.getOrDefault(key, "");
    }

    /** {@code thread.name}, as the agents put it on their spans. */
    public String threadName() {
        return attribute("thread.name");
    }

    public long durationNs() {
        return end - start;
    }

    @Override
    public String toString() {
        return "'" + name + "' " + kind + " on " + threadName() + " "
                + String.format(java.util.Locale.ROOT, "%.1f ms", durationNs() / 1e6) + " trace " + traceId
                + " span " + spanId + (hasParent() ? " parent " + parentSpanId : " no parent");
    }
}
