package io.ebpfagent.otel.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Collection;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the agent's own exports out of the application's telemetry when the OpenTelemetry Java
 * agent runs in the same JVM. That agent instruments the JDK HTTP client (which the OTLP/HTTP
 * sender uses) and the JDK HTTP server (which serves the Prometheus endpoint): without this, every
 * export would be a {@code POST} client span and every scrape a {@code GET} server span in the
 * application's traces, with their HTTP metrics. The work runs inside that agent's own
 * "suppress instrumentation" context ({@code InstrumentationUtil.suppressInstrumentation}, in its
 * boot-loader copy of the API), which it also uses for its own exporters and which its
 * executor instrumentation carries into the sender's threads. Looked up at each use until found,
 * so it does not matter which agent started first; without the OpenTelemetry Java agent it is a
 * plain call.
 */
final class JavaagentSuppression {
    private static final Logger LOG = LoggerFactory.getLogger(JavaagentSuppression.class);
    /** Built at run time: the agent jar relocates io.opentelemetry string constants. */
    private static final String UTIL = "io.".concat("opentelemetry.javaagent.shaded.io.opentelemetry.api.internal.InstrumentationUtil");
    private static final String BATCH_WORKER = "BatchSpanProcessor_WorkerThread";
    private static volatile MethodHandle suppress;
    private static volatile boolean unusable;

    private JavaagentSuppression() {
    }

    /** Runs {@code body} with the OpenTelemetry Java agent's instrumentation suppressed, if it is present. */
    static void run(Runnable body) {
        MethodHandle target = suppress != null ? suppress : find();
        if (target == null) {
            body.run();
            return;
        }
        try {
            target.invokeExact(body);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static <T> T call(Supplier<T> body) {
        Object[] result = new Object[1];
        run(() -> result[0] = body.get());
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    private static MethodHandle find() {
        if (unusable) {
            return null;
        }
        try {
            Class<?> util = Class.forName(UTIL, false, null);
            MethodHandle found = MethodHandles.publicLookup().findStatic(util, "suppressInstrumentation",
                    MethodType.methodType(void.class, Runnable.class));
            suppress = found;
            LOG.debug("exports run with the OpenTelemetry Java agent's instrumentation suppressed");
            return found;
        } catch (ClassNotFoundException notPresent) {
            return null;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            unusable = true;
            LOG.warn("OpenTelemetry Java agent found, but not its instrumentation suppression ({}): "
                    + "the agent's exports may appear in the application's traces", e.toString());
            return null;
        }
    }

    static SpanExporter spans(SpanExporter delegate) {
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                nameExportThread();
                return call(() -> delegate.export(spans));
            }

            @Override
            public CompletableResultCode flush() {
                return call(delegate::flush);
            }

            @Override
            public CompletableResultCode shutdown() {
                return call(delegate::shutdown);
            }

            @Override
            public String toString() {
                return delegate.toString();
            }
        };
    }

    static MetricExporter metrics(MetricExporter delegate) {
        return new MetricExporter() {
            @Override
            public CompletableResultCode export(Collection<MetricData> metrics) {
                return call(() -> delegate.export(metrics));
            }

            @Override
            public CompletableResultCode flush() {
                return call(delegate::flush);
            }

            @Override
            public CompletableResultCode shutdown() {
                return call(delegate::shutdown);
            }

            @Override
            public AggregationTemporality getAggregationTemporality(InstrumentType type) {
                return delegate.getAggregationTemporality(type);
            }

            @Override
            public Aggregation getDefaultAggregation(InstrumentType type) {
                return delegate.getDefaultAggregation(type);
            }

            @Override
            public MemoryMode getMemoryMode() {
                return delegate.getMemoryMode();
            }

            @Override
            public String toString() {
                return delegate.toString();
            }
        };
    }

    /**
     * The SDK's batch span processor names its worker as the OTel Java agent's does; only ours
     * calls this exporter, so the name is made the agent's on the first export.
     */
    private static void nameExportThread() {
        Thread current = Thread.currentThread();
        if (current.getName().startsWith(BATCH_WORKER)) {
            current.setName("ebpf-agent-span-export");
        }
    }

    /** An executor for an HTTP server of the agent: daemon threads, each task suppressed. */
    static ExecutorService serverExecutor(String name, int threads) {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    thread.setUncaughtExceptionHandler(ExporterSetup::uncaught);
                    return thread;
                }) {
            @Override
            public void execute(Runnable command) {
                super.execute(() -> run(command));
            }
        };
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
