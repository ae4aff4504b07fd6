package io.ebpfagent.otel.export;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A span processor made when the first span ends. A batch processor starts a worker thread that
 * wakes at every schedule delay whether or not it has anything to export, and many JVMs the agent
 * runs in never end a span of its SDK (no application spans to put kernel spans under, no
 * standalone spans, no configured methods): for them the thread is never started.
 *
 * <p>The processor is made on a thread of its own, never on the application's thread that ended
 * the span: making it starts the worker, which would inherit that thread's inheritable
 * thread-locals and context class loader. Spans that end meanwhile wait in a queue (bounded like
 * the processor's, the excess dropped as the processor would drop it) and are handed over once it
 * exists.
 */
final class LazySpanProcessor implements SpanProcessor {
    private final Supplier<SpanProcessor> factory;
    private final int maxPending;
    private final ClassLoader loader = LazySpanProcessor.class.getClassLoader();
    private final ConcurrentLinkedQueue<ReadableSpan> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private volatile SpanProcessor delegate;
    private boolean requested;
    private boolean shutdown;

    LazySpanProcessor(Supplier<SpanProcessor> factory, int maxPending) {
        this.factory = factory;
        this.maxPending = maxPending;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        SpanProcessor d = delegate;
        if (d != null) {
            d.onEnd(span);
            return;
        }
        if (pendingCount.incrementAndGet() <= maxPending) {
            pending.add(span);
        } else {
            pendingCount.decrementAndGet();
        }
        if (delegate != null) {
            handOver(); // made meanwhile: the span must not stay behind
            return;
        }
        requestCreation();
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    @Override
    public CompletableResultCode shutdown() {
        SpanProcessor d;
        synchronized (this) {
            shutdown = true;
            d = delegate;
            if (d == null && !pending.isEmpty()) {
                d = create(); // spans ended before the exit: made here, on the exit's thread, to export them
            }
        }
        return d == null ? CompletableResultCode.ofSuccess() : d.shutdown();
    }

    @Override
    public CompletableResultCode forceFlush() {
        SpanProcessor d = delegate;
        return d == null ? CompletableResultCode.ofSuccess() : d.forceFlush();
    }

    /** Whether the processor has been made (for tests). */
    boolean created() {
        return delegate != null;
    }

    private synchronized void requestCreation() {
        if (requested || shutdown) {
            return;
        }
        requested = true;
        try {
            Thread.ofPlatform().daemon().name("ebpf-agent-span-export-start").inheritInheritableThreadLocals(false)
                    .uncaughtExceptionHandler(ExporterSetup::uncaught).start(() -> {
                        Thread.currentThread().setContextClassLoader(loader);
                        synchronized (this) {
                            if (delegate == null && !shutdown) {
                                create();
                            }
                        }
                        handOver();
                    });
        } catch (OutOfMemoryError | RuntimeException e) {
            // no thread to be had now (the process's limit): never the application's failure; the
            // spans stay queued and the next one that ends tries again
            requested = false;
        }
    }

    /** Makes the processor and hands it what waits; holds the lock. */
    private SpanProcessor create() {
        SpanProcessor d = factory.get();
        delegate = d;
        handOver();
        return d;
    }

    private void handOver() {
        SpanProcessor d = delegate;
        ReadableSpan span;
        while (d != null && (span = pending.poll()) != null) {
            pendingCount.decrementAndGet();
            d.onEnd(span);
        }
    }
}
