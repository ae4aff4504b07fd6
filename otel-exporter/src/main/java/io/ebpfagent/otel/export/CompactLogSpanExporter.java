package io.ebpfagent.otel.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs one compact line per span through SLF4J, or to a sink. */
public final class CompactLogSpanExporter implements SpanExporter {
    private static final Logger LOG = LoggerFactory.getLogger("io.ebpfagent.otel.spans");
    private final Consumer<String> sink;

    public CompactLogSpanExporter() {
        this(LOG::info);
    }

    public CompactLogSpanExporter(Consumer<String> sink) {
        this.sink = sink;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        spans.forEach(s -> sink.accept(CompactLogFormat.line(s)));
        return CompletableResultCode.ofSuccess();
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
