package io.ebpfagent.otel.internal;

/** A thread's last cumulative value of one counter, linked to the series it feeds. */
final class CounterCell {
    long last;
    CounterSeries series;
    int generation = -1;

    /** Folds the increase since the last value into the series; a drop means a reset. */
    void update(long now) {
        long delta = now >= last ? now - last : now;
        last = now;
        series.value += delta;
    }
}
