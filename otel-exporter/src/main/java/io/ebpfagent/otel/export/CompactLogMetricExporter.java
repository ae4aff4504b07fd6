package io.ebpfagent.otel.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs one compact line per metric point (cumulative values) through SLF4J, or to a sink. */
public final class CompactLogMetricExporter implements MetricExporter {
    private static final Logger LOG = LoggerFactory.getLogger("io.ebpfagent.otel.metrics");
    private final Consumer<String> sink;

    public CompactLogMetricExporter() {
        this(LOG::info);
    }

    public CompactLogMetricExporter(Consumer<String> sink) {
        this.sink = sink;
    }

    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
        metrics.stream().sorted(java.util.Comparator.comparing(MetricData::getName))
                .forEach(m -> CompactLogFormat.lines(m).forEach(sink));
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
