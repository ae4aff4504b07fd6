package io.ebpfagent.otel.internal;

import io.ebpfagent.otel.Log2Histogram;
import io.opentelemetry.api.common.Attributes;

/** One cumulative explicit-bucket histogram series, fed with kernel log2 slot increases. */
final class HistogramSeries {
    final Attributes attributes;
    final long startEpochNanos;
    final long[] buckets;
    long count;
    double sumNs;

    HistogramSeries(Attributes attributes, long startEpochNanos, int bucketCount) {
        this.attributes = attributes;
        this.startEpochNanos = startEpochNanos;
        this.buckets = new long[bucketCount];
    }

    void add(Log2Histogram layout, long[] deltaSlots, double deltaSumNs) {
        layout.addSlots(deltaSlots, buckets);
        long n = 0;
        for (long c : deltaSlots) {
            n += c;
        }
        count += n;
        sumNs += deltaSumNs;
    }
}
