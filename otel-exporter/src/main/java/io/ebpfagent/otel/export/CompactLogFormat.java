package io.ebpfagent.otel.export;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One short human-readable line per metric point or span, for the logging exporter. */
final class CompactLogFormat {
    private CompactLogFormat() {}

    static List<String> lines(MetricData m) {
        List<String> out = new ArrayList<>();
        for (PointData p : m.getData().getPoints()) {
            StringBuilder sb = new StringBuilder(m.getName());
            appendAttributes(sb, p.getAttributes());
            sb.append(' ');
            switch (p) {
                case LongPointData l -> sb.append(l.getValue());
                case DoublePointData d -> sb.append(number(d.getValue()));
                case HistogramPointData h -> {
                    sb.append("count=").append(h.getCount()).append(" sum=").append(number(h.getSum()));
                    if (h.getCount() > 0) {
                        sb.append(" mean=").append(number(h.getSum() / h.getCount()));
                        sb.append(" p50<=").append(quantileBound(h, 0.5)).append(" p99<=").append(quantileBound(h, 0.99));
                    }
                }
                default -> sb.append(p);
            }
            if (!m.getUnit().isEmpty()) {
                sb.append(' ').append(m.getUnit());
            }
            out.add(sb.toString());
        }
        return out;
    }

    static String line(SpanData s) {
        StringBuilder sb = new StringBuilder("span ").append(s.getName()).append(' ')
                .append(number((s.getEndEpochNanos() - s.getStartEpochNanos()) / 1e9)).append("s trace=")
                .append(s.getTraceId()).append(" span=").append(s.getSpanId());
        if (s.getParentSpanContext().isValid()) {
            sb.append(" parent=").append(s.getParentSpanId());
        }
        appendAttributes(sb, s.getAttributes());
        s.getEvents().forEach(e -> {
            sb.append(" event:").append(e.getName());
            appendAttributes(sb, e.getAttributes());
        });
        return sb.toString();
    }

    /** The upper bound of the bucket holding quantile {@code q}, or {@code +Inf}. */
    private static String quantileBound(HistogramPointData h, double q) {
        long rank = (long) Math.ceil(q * h.getCount());
        long seen = 0;
        List<Long> counts = h.getCounts();
        for (int i = 0; i < counts.size(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return i < h.getBoundaries().size() ? number(h.getBoundaries().get(i)) : "+Inf";
            }
        }
        return "+Inf";
    }

    private static void appendAttributes(StringBuilder sb, Attributes a) {
        if (a.isEmpty()) {
            return;
        }
        sb.append('{');
        boolean[] first = {true};
        a.forEach((k, v) -> {
            if (!first[0]) {
                sb.append(',');
            }
            first[0] = false;
            sb.append(k.getKey()).append('=').append(v);
        });
        sb.append('}');
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.6g", v)).stripTrailingZeros().toPlainString();
    }
}
