package io.ebpfagent.demo.report;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What arrived over OTLP, decoded from the protobuf messages: every span, and the latest state of
 * every metric series (cumulative points replace the previous one, delta points add up).
 */
public final class TelemetryStore {
    private final List<SpanRecord> spans = new ArrayList<>();
    private final Map<String, MetricPoint> series = new LinkedHashMap<>();

    public synchronized void add(ExportTraceServiceRequest request) {
        for (ResourceSpans rs : request.getResourceSpansList()) {
            String service = service(rs.getResource().getAttributesList());
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) {
                    spans.add(new SpanRecord(hex(s.getTraceId()), hex(s.getSpanId()), hex(s.getParentSpanId()),
                            s.getName(), kind(s.getKind()), s.getStartTimeUnixNano(), s.getEndTimeUnixNano(),
                            attributes(s.getAttributesList()), service));
                }
            }
        }
    }

    public synchronized void add(ExportMetricsServiceRequest request) {
        for (ResourceMetrics rm : request.getResourceMetricsList()) {
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    switch (m.getDataCase()) {
                        case SUM -> {
                            boolean delta = m.getSum().getAggregationTemporality()
                                    == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
                            m.getSum().getDataPointsList().forEach(p -> put(number(m, p), delta));
                        }
                        case GAUGE -> m.getGauge().getDataPointsList().forEach(p -> put(number(m, p), false));
                        case HISTOGRAM -> {
                            boolean delta = m.getHistogram().getAggregationTemporality()
                                    == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
                            m.getHistogram().getDataPointsList().forEach(p -> put(histogram(m, p), delta));
                        }
                        default -> {
                            // exponential histograms and summaries: the agent sends none
                        }
                    }
                }
            }
        }
    }

    public synchronized List<SpanRecord> spans() {
        return List.copyOf(spans);
    }

    public synchronized List<MetricPoint> metrics() {
        return List.copyOf(series.values());
    }

    /** The series of one metric. */
    public synchronized List<MetricPoint> metric(String name) {
        return series.values().stream().filter(p -> p.name().equals(name)).toList();
    }

    private void put(MetricPoint p, boolean delta) {
        String key = p.name() + p.attributes();
        MetricPoint old = series.get(key);
        if (old == null || (!delta && p.timeNs() >= old.timeNs())) {
            series.put(key, p);
        } else if (delta) {
            series.put(key, old.plus(p));
        }
    }

    private static MetricPoint number(Metric m, NumberDataPoint p) {
        double v = p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
        return new MetricPoint(m.getName(), m.getUnit(), strings(p.getAttributesList()), p.getTimeUnixNano(), v, 0,
                List.of(), List.of());
    }

    private static MetricPoint histogram(Metric m, HistogramDataPoint p) {
        return new MetricPoint(m.getName(), m.getUnit(), strings(p.getAttributesList()), p.getTimeUnixNano(),
                p.getSum(), p.getCount(), List.copyOf(p.getExplicitBoundsList()), List.copyOf(p.getBucketCountsList()));
    }

    private static String service(List<KeyValue> resource) {
        for (KeyValue kv : resource) {
            if (kv.getKey().equals("service.name")) {
                return kv.getValue().getStringValue();
            }
        }
        return "";
    }

    private static Map<String, Object> attributes(List<KeyValue> list) {
        Map<String, Object> m = new HashMap<>();
        for (KeyValue kv : list) {
            AnyValue v = kv.getValue();
            Object o = switch (v.getValueCase()) {
                case STRING_VALUE -> v.getStringValue();
                case INT_VALUE -> v.getIntValue();
                case DOUBLE_VALUE -> v.getDoubleValue();
                case BOOL_VALUE -> v.getBoolValue();
                default -> v.toString().strip();
            };
            m.put(kv.getKey(), o);
        }
        return Map.copyOf(m);
    }

    private static Map<String, String> strings(List<KeyValue> list) {
        Map<String, String> m = new TreeMap<>();
        attributes(list).forEach((k, v) -> m.put(k, v.toString()));
        return m;
    }

    private static String kind(Span.SpanKind k) {
        return switch (k) {
            case SPAN_KIND_SERVER -> "SERVER";
            case SPAN_KIND_CLIENT -> "CLIENT";
            case SPAN_KIND_PRODUCER -> "PRODUCER";
            case SPAN_KIND_CONSUMER -> "CONSUMER";
            default -> "INTERNAL";
        };
    }

    static String hex(ByteString id) {
        StringBuilder sb = new StringBuilder(id.size() * 2);
        for (int i = 0; i < id.size(); i++) {
            byte b = id.byteAt(i);
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
