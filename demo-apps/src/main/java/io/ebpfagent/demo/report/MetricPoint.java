package io.ebpfagent.demo.report;

import java.util.List;
import java.util.Map;

/**
 * One series of a metric as last received over OTLP: a sum or gauge value, or a histogram.
 *
 * @param value  the sum's or gauge's value; for a histogram the sum of the recorded values
 * @param count  the histogram's count (0 otherwise)
 * @param bounds the histogram's explicit bucket bounds (empty otherwise)
 * @param counts the histogram's bucket counts, one more than bounds
 */
public record MetricPoint(String name, String unit, Map<String, String> attributes, long timeNs, double value,
                          long count, List<Double> bounds, List<Long> counts) {

    public String attribute(String key) {
        return attributes.getOrDefault(key, "");
    }

    /** Upper bound of the highest non-empty bucket (an upper bound of the maximum), or NaN. */
    public double maxBound() {
        for (int i = counts.size() - 1; i >= 0; i--) {
            if (counts.get(i) > 0) {
                return i < bounds.size() ? bounds.get(i) : Double.POSITIVE_INFINITY;
            }
        }
        return Double.NaN;
    }

    /** Adds a delta point of the same series. */
    MetricPoint plus(MetricPoint d) {
        List<Long> c = counts;
        if (d.counts.size() == counts.size()) {
            Long[] sum = new Long[counts.size()];
            for (int i = 0; i < sum.length; i++) {
                sum[i] = counts.get(i) + d.counts.get(i);
            }
            c = List.of(sum);
        }
        return new MetricPoint(name, unit, attributes, Math.max(timeNs, d.timeNs), value + d.value, count + d.count,
                bounds, c);
    }
}
