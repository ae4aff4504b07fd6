package io.ebpfagent.otel.internal;

import io.opentelemetry.api.common.Attributes;

/** One cumulative counter series: the sum of every thread's increases for one attribute set. */
final class CounterSeries {
    final Attributes attributes;
    long value;

    CounterSeries(Attributes attributes) {
        this.attributes = attributes;
    }
}
