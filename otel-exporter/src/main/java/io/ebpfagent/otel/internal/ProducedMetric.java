package io.ebpfagent.otel.internal;

import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.resources.Resource;

/** A histogram metric built outside the SDK's instruments (from kernel-side aggregates). */
record ProducedMetric(Resource resource, InstrumentationScopeInfo scope, String name, String description,
                      String unit, HistogramData histogram) implements MetricData {
    @Override
    public Resource getResource() {
        return resource;
    }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo() {
        return scope;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getDescription() {
        return description;
    }

    @Override
    public String getUnit() {
        return unit;
    }

    @Override
    public MetricDataType getType() {
        return MetricDataType.HISTOGRAM;
    }

    @Override
    public HistogramData getData() {
        return histogram;
    }

    @Override
    public HistogramData getHistogramData() {
        return histogram;
    }
}
