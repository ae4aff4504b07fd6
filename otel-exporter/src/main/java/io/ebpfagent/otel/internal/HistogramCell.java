package io.ebpfagent.otel.internal;

import io.ebpfagent.otel.Log2Histogram;

/** A thread's last cumulative kernel histogram of one attribute set, linked to its series. */
final class HistogramCell {
    private final long[] lastSlots = new long[Log2Histogram.SLOTS];
    private long lastSumNs;
    HistogramSeries series;
    int generation = -1;

    /**
     * Folds the increase since the last call into the series. A slot or the sum going down means
     * the kernel entry was recreated: the whole new histogram is then the increase.
     */
    void update(Log2Histogram layout, long[] slots, long sumNs, long[] scratch) {
        int n = Math.min(slots.length, Log2Histogram.SLOTS);
        boolean reset = sumNs >= 0 && sumNs < lastSumNs;
        for (int i = 0; i < Log2Histogram.SLOTS && !reset; i++) {
            reset = (i < n ? slots[i] : 0) < lastSlots[i];
        }
        for (int i = 0; i < Log2Histogram.SLOTS; i++) {
            long now = i < n ? slots[i] : 0;
            scratch[i] = reset ? now : now - lastSlots[i];
            lastSlots[i] = now;
        }
        double deltaSum;
        if (sumNs >= 0) {
            deltaSum = reset ? sumNs : sumNs - lastSumNs;
            lastSumNs = sumNs;
        } else {
            deltaSum = Log2Histogram.estimatedSumNs(scratch);
        }
        series.add(layout, scratch, deltaSum);
    }
}
