package io.ebpfagent.otel;

import io.ebpfagent.otel.internal.IntervalSpans;
import io.ebpfagent.otel.internal.KernelMetrics;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.View;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exporter's front door: a {@link KernelSignals} sink backed by an OpenTelemetry SDK of its
 * own (metrics + traces), independent of any OpenTelemetry the application uses.
 * {@link #close()} flushes and shuts the SDK down.
 *
 * <p>Built by {@code io.ebpfagent.otel.export.ExporterSetup} from a config, or with
 * {@link #builder(ThreadNames)} and explicit readers/processors (tests, custom wiring).
 */
public final class KernelTelemetry implements KernelSignals, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelTelemetry.class);
    private final OpenTelemetrySdk sdk;
    private final KernelMetrics metrics;
    private final IntervalSpans spans;
    private final List<Runnable> abortActions;
    private final List<Runnable> releaseActions;

    private KernelTelemetry(OpenTelemetrySdk sdk, KernelMetrics metrics, IntervalSpans spans, List<Runnable> abortActions,
            List<Runnable> releaseActions) {
        this.sdk = sdk;
        this.metrics = metrics;
        this.spans = spans;
        this.abortActions = List.copyOf(abortActions);
        this.releaseActions = List.copyOf(releaseActions);
    }

    public static Builder builder(ThreadNames threadNames) {
        return new Builder(threadNames);
    }

    /** The SDK behind this sink (e.g. to force a flush). */
    public OpenTelemetrySdk sdk() {
        return sdk;
    }

    /** Who the exporter thinks {@code tid} is. */
    public ThreadKey threadKey(int tid) {
        return metrics.threadKey(tid);
    }

    @Override
    public void onCpuTime(int tid, long onCpuNs, long offCpuVoluntaryNs, long offCpuInvoluntaryNs) {
        metrics.onCpuTime(tid, onCpuNs, offCpuVoluntaryNs, offCpuInvoluntaryNs);
    }

    @Override
    public void onContextSwitches(int tid, long voluntary, long involuntary) {
        metrics.onContextSwitches(tid, voluntary, involuntary);
    }

    @Override
    public void onRunQueueLatency(int tid, long[] log2BucketsNs, long sumNs) {
        metrics.onRunQueueLatency(tid, log2BucketsNs, sumNs);
    }

    @Override
    public void onSyscall(int tid, int nr, long count, long errors, long[] log2BucketsNs, long sumNs) {
        metrics.onSyscall(tid, nr, count, errors, log2BucketsNs, sumNs);
    }

    @Override
    public void onFileIo(int tid, FileKind kind, IoDirection direction, long bytes, long[] log2BucketsNs, long sumNs) {
        metrics.onFileIo(tid, kind, direction, bytes, log2BucketsNs, sumNs);
    }

    @Override
    public void onTcpConnect(int tid, ConnectOutcome outcome, long[] log2BucketsNs, long sumNs) {
        metrics.onTcpConnect(tid, outcome, log2BucketsNs, sumNs);
    }

    @Override
    public void onRetransmit(int tid, long segments) {
        metrics.onRetransmit(tid, segments);
    }

    @Override
    public void onPageFaults(int tid, long minor, long major) {
        metrics.onPageFaults(tid, minor, major);
    }

    @Override
    public void onGcPause(String gcName, String action, long startNs, long durationNs) {
        metrics.onGcPause(gcName, action, durationNs);
    }

    @Override
    public void onVmOperation(String name, long startNs, long durationNs) {
        metrics.onVmOperation(name, durationNs);
    }

    @Override
    public void onIoBeforeAttach(int tid, long readBytes, long writtenBytes) {
        metrics.onIoBeforeAttach(tid, readBytes, writtenBytes);
    }

    @Override
    public void onSyscallsCollected() {
        metrics.onSyscallsCollected();
    }

    @Override
    public void onDiskIo(int tid, IoDirection direction, long bytes) {
        metrics.onDiskIo(tid, direction, bytes);
    }

    @Override
    public void onJitCompilations(String compiler, boolean success, long count, long[] log2BucketsNs, long sumNs) {
        metrics.onJitCompilations(compiler, success, count, log2BucketsNs, sumNs);
    }

    @Override
    public void onSpanBreakdown(String spanName, String httpRoute, String[] states, long[] nanosByState) {
        metrics.onSpanBreakdown(spanName, httpRoute, states, nanosByState);
    }

    @Override
    public boolean wantsInterval(IntervalKind kind, long durationNs) {
        return spans.wants(kind, durationNs);
    }

    @Override
    public void onInterval(KernelInterval interval) {
        spans.onInterval(interval);
    }

    @Override
    public void onThreadEnding(int tid) {
        metrics.onThreadEnding(tid);
    }

    @Override
    public void onThreadExit(int tid) {
        metrics.onThreadExit(tid);
    }

    @Override
    public void onThreadRenamed(int tid) {
        metrics.onThreadRenamed(tid);
    }

    @Override
    public void onDropped(String probe, String buffer, long total) {
        metrics.onDropped(probe, buffer, total);
    }

    /** Exports what is pending (metrics of push readers, queued spans); waits up to {@code timeout}. */
    public boolean flush(Duration timeout) {
        var m = sdk.getSdkMeterProvider().forceFlush();
        var t = sdk.getSdkTracerProvider().forceFlush();
        m.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
        t.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return m.isSuccess() && t.isSuccess();
    }

    /** Flushes pending spans and metrics, then shuts the SDK (and its exporters) down; waits up to 10 s. */
    @Override
    public void close() {
        shutdown().await(Duration.ofSeconds(10));
    }

    /**
     * Starts the final flush and shutdown of the SDK on a daemon thread and returns at once, so
     * that a JVM's exit waits for it only as long as the caller chooses ({@link Shutdown#await}):
     * an unreachable or unanswering backend would otherwise hold the exit for the exporters'
     * timeouts (10 s each).
     */
    public Shutdown shutdown() {
        CountDownLatch done = new CountDownLatch(1);
        Thread thread = new Thread(() -> {
            try {
                // shut down first: the final collection still needs the counter callback. The
                // span pipeline's shutdown is asynchronous (its worker exports), the metrics'
                // synchronous (collect, export, wait): both run at once.
                long t0 = System.nanoTime();
                CompletableResultCode spansDone = sdk.getSdkTracerProvider().shutdown();
                sdk.getSdkMeterProvider().shutdown().join(30, TimeUnit.SECONDS);
                long t1 = System.nanoTime();
                spansDone.join(30, TimeUnit.SECONDS);
                long t2 = System.nanoTime();
                // (the SDK's own shutdown would shut both down again, and say so at INFO)
                sdk.getSdkLoggerProvider().shutdown().join(30, TimeUnit.SECONDS);
                metrics.close();
                if (LOG.isDebugEnabled()) {
                    LOG.debug("exporters shut down in {} ms (metrics {} ms, spans {} ms more, the rest {} ms)",
                            ms(System.nanoTime() - t0), ms(t1 - t0), ms(t2 - t1), ms(System.nanoTime() - t2));
                }
            } finally {
                done.countDown();
            }
        }, "ebpf-agent-export-shutdown");
        thread.setDaemon(true);
        thread.start();
        return new Shutdown() {
            @Override
            public boolean await(Duration timeout) {
                try {
                    return done.await(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }

            @Override
            public void abort() {
                KernelTelemetry.this.abort();
            }
        };
    }

    /**
     * Ends the exporters' connections and their I/O threads now; exports in flight fail. For a
     * JVM exit that cannot wait (threads waiting in native code would hold it).
     */
    public void abort() {
        abortActions.forEach(Runnable::run);
    }

    /**
     * Before {@code Runtime.halt}, which runs no shutdown hook: lets the exporters' I/O threads
     * leave native code and end, doing as little as possible on the calling thread; nothing is
     * flushed. (HotSpot's exit waits up to 300 ms for threads in native code.)
     */
    public void release() {
        releaseActions.forEach(Runnable::run);
    }

    /** A shutdown under way. */
    public interface Shutdown {
        /** Waits up to {@code timeout}; true when the exporters finished (sent or gave up). */
        boolean await(Duration timeout);

        /**
         * Gives up on what is still being sent: ends the exporters' connections and their I/O
         * threads now (threads waiting in native code would hold the JVM's exit).
         */
        void abort();
    }

    /** Wires a {@link KernelTelemetry}. */
    public static final class Builder {
        private final ThreadNames threadNames;
        private final List<MetricReader> readers = new ArrayList<>();
        private final List<SpanProcessor> processors = new ArrayList<>();
        private Resource resource = Resource.getDefault();
        private int cardinalityLimit = 2000;
        private SyscallSeries syscallSeries = SyscallSeries.defaults();
        private SpanMode spanMode = SpanMode.SPANS;
        private Duration minSpanDuration = Duration.ofMillis(1);
        private MonotonicClock monotonicClock;
        private Clock clock = Clock.getDefault();
        private final List<Runnable> abortActions = new ArrayList<>();
        private final List<Runnable> releaseActions = new ArrayList<>();

        private Builder(ThreadNames threadNames) {
            this.threadNames = Objects.requireNonNull(threadNames, "threadNames");
        }

        public Builder addMetricReader(MetricReader reader) {
            readers.add(reader);
            return this;
        }

        public Builder addSpanProcessor(SpanProcessor processor) {
            processors.add(processor);
            return this;
        }

        public Builder resource(Resource resource) {
            this.resource = resource;
            return this;
        }

        /** Series per metric before new attribute sets fold into the overflow series. */
        public Builder cardinalityLimit(int limit) {
            this.cardinalityLimit = limit;
            return this;
        }

        /** Which syscall series the metrics get. */
        public Builder syscallSeries(SyscallSeries series) {
            this.syscallSeries = Objects.requireNonNull(series, "series");
            return this;
        }

        public Builder spanMode(SpanMode mode) {
            this.spanMode = mode;
            return this;
        }

        /** Intervals shorter than this produce no span. */
        public Builder minSpanDuration(Duration d) {
            this.minSpanDuration = d;
            return this;
        }

        public Builder monotonicClock(MonotonicClock c) {
            this.monotonicClock = c;
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** What {@link Shutdown#abort()} runs: ending the exporters' transports. */
        public Builder onAbort(Runnable action) {
            abortActions.add(action);
            return this;
        }

        /** What {@link KernelTelemetry#release()} runs: waking the transports' I/O threads out of native code. */
        public Builder onRelease(Runnable action) {
            releaseActions.add(action);
            return this;
        }

        public KernelTelemetry build() {
            // The kernel histograms are registered as a producer before the meter exists;
            // the producer forwards once KernelMetrics is built on that meter.
            DeferredProducer producer = new DeferredProducer();
            SdkMeterProviderBuilder mb = SdkMeterProvider.builder().setResource(resource).setClock(clock)
                    .registerMetricProducer(producer)
                    .registerView(InstrumentSelector.builder().setMeterName(KernelMetrics.SCOPE).build(),
                            View.builder().setCardinalityLimit(cardinalityLimit).build())
                    // the SDK's own telemetry (otel.sdk.metric_reader.collection.duration, ...): a
                    // histogram per reader that says nothing about the application
                    .registerView(InstrumentSelector.builder().setName("otel.sdk.*").build(),
                            View.builder().setAggregation(io.opentelemetry.sdk.metrics.Aggregation.drop()).build());
            readers.forEach(mb::registerMetricReader);
            SdkTracerProviderBuilder tb = SdkTracerProvider.builder().setResource(resource).setClock(clock);
            processors.forEach(tb::addSpanProcessor);
            OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                    .setMeterProvider(mb.build()).setTracerProvider(tb.build()).build();
            KernelMetrics metrics = new KernelMetrics(sdk.getMeter(KernelMetrics.SCOPE), threadNames, cardinalityLimit, clock,
                    syscallSeries);
            producer.target = metrics;
            IntervalSpans spans = new IntervalSpans(sdk.getTracer(KernelMetrics.SCOPE), metrics,
                    monotonicClock != null ? monotonicClock : MonotonicClock.measure(),
                    spanMode, minSpanDuration.toNanos());
            return new KernelTelemetry(sdk, metrics, spans, abortActions, releaseActions);
        }
    }

    private static final class DeferredProducer implements MetricProducer {
        volatile MetricProducer target;

        @Override
        public Collection<MetricData> produce(Resource resource) {
            MetricProducer t = target;
            return t == null ? List.of() : t.produce(resource);
        }
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }
}
