package io.ebpfagent.otel.export;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Human-readable lines for the logging exporter: per metric its non-zero series, largest first,
 * a bounded number of them (a process has thousands of series, most of them zero at any time:
 * per thread group and system call, say); one line per span.
 */
final class CompactLogFormat {
    private CompactLogFormat() {}

    /**
     * The metric's non-zero points, largest first, at most {@code top} of them: a header line
     * ({@code name unit: N non-zero of M series}) and one indented line per point (value, then
     * attributes); nothing when every point is zero.
     */
    static List<String> lines(MetricData m, int top) {
        List<PointData> all = new ArrayList<>(m.getData().getPoints());
        List<PointData> nonZero = new ArrayList<>();
        for (PointData p : all) {
            if (magnitude(p) != 0) {
                nonZero.add(p);
            }
        }
        List<String> out = new ArrayList<>();
        if (nonZero.isEmpty()) {
            return out;
        }
        nonZero.sort(Comparator.comparingDouble((PointData p) -> -Math.abs(magnitude(p))));
        StringBuilder header = new StringBuilder(m.getName());
        if (!m.getUnit().isEmpty()) {
            header.append(" [").append(m.getUnit()).append(']');
        }
        header.append(": ").append(nonZero.size()).append(" non-zero of ").append(all.size()).append(" series");
        out.add(header.toString());
        for (PointData p : nonZero.subList(0, Math.min(top, nonZero.size()))) {
            StringBuilder sb = new StringBuilder("  ");
            switch (p) {
                case LongPointData l -> sb.append(l.getValue());
                case DoublePointData d -> sb.append(number(d.getValue()));
                case HistogramPointData h -> {
                    sb.append("count=").append(h.getCount()).append(" sum=").append(number(h.getSum()));
                    sb.append(" mean=").append(number(h.getSum() / h.getCount()));
                    sb.append(" p50<=").append(quantileBound(h, 0.5)).append(" p99<=").append(quantileBound(h, 0.99));
                }
                default -> sb.append(p);
            }
            if (!p.getAttributes().isEmpty()) {
                sb.append("  ");
                appendAttributes(sb, p.getAttributes());
            }
            out.add(sb.toString());
        }
        if (nonZero.size() > top) {
            out.add("  ... " + (nonZero.size() - top) + " smaller non-zero series not shown");
        }
        return out;
    }

    static boolean isZero(PointData p) {
        return magnitude(p) == 0;
    }

    /** What orders the points: a sum's or gauge's value, a histogram's sum (its count if the sum is 0). */
    private static double magnitude(PointData p) {
        return switch (p) {
            case LongPointData l -> l.getValue();
            case DoublePointData d -> d.getValue();
            case HistogramPointData h -> h.getCount() == 0 ? 0 : (h.getSum() != 0 ? h.getSum() : h.getCount());
            default -> 1;
        };
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
