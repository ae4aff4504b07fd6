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

/**
 * Logs the metrics (cumulative values) through SLF4J, or to a sink: per metric a header and its
 * largest non-zero series, at most {@link #DEFAULT_TOP} (or the given number) per metric; metrics
 * whose series are all zero are left out and counted on the closing line.
 */
public final class CompactLogMetricExporter implements MetricExporter {
    private static final Logger LOG = LoggerFactory.getLogger("io.ebpfagent.otel.metrics");
    /** Series shown per metric. */
    public static final int DEFAULT_TOP = 10;
    private final Consumer<String> sink;
    private final int top;

    public CompactLogMetricExporter() {
        this(LOG::info);
    }

    public CompactLogMetricExporter(Consumer<String> sink) {
        this(sink, DEFAULT_TOP);
    }

    public CompactLogMetricExporter(Consumer<String> sink, int top) {
        if (top < 1) {
            throw new IllegalArgumentException("top must be >= 1, got " + top);
        }
        this.sink = sink;
        this.top = top;
    }

    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
        int allZero = 0;
        int zeroSeries = 0;
        int shown = 0;
        for (MetricData m : metrics.stream().sorted(java.util.Comparator.comparing(MetricData::getName)).toList()) {
            java.util.List<String> lines = CompactLogFormat.lines(m, top);
            if (lines.isEmpty()) {
                allZero++;
            } else {
                shown++;
                lines.forEach(sink);
            }
            zeroSeries += (int) m.getData().getPoints().stream().filter(CompactLogFormat::isZero).count();
        }
        sink.accept("metrics: " + shown + " with non-zero series shown (top " + top + " each), " + allZero
                + " all zero, " + zeroSeries + " zero-valued series omitted");
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
