package io.ebpfagent.otel.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LazySpanProcessorTest {
    private static final InheritableThreadLocal<String> APP_STATE = new InheritableThreadLocal<>();

    private static boolean batchWorkerRunning() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("BatchSpanProcessor_WorkerThread") && t.isAlive());
    }

    @Test
    void noWorkerUntilTheFirstSpanEndsThenEverySpanIsExported() throws Exception {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        AtomicInteger made = new AtomicInteger();
        AtomicReference<String> workerInherited = new AtomicReference<>("unset");
        CountDownLatch workerSeen = new CountDownLatch(1);
        LazySpanProcessor lazy = new LazySpanProcessor(() -> {
            made.incrementAndGet();
            return BatchSpanProcessor.builder(new io.opentelemetry.sdk.trace.export.SpanExporter() {
                @Override
                public io.opentelemetry.sdk.common.CompletableResultCode export(
                        java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
                    workerInherited.compareAndSet("unset", String.valueOf(APP_STATE.get()));
                    workerSeen.countDown();
                    return exporter.export(spans);
                }

                @Override
                public io.opentelemetry.sdk.common.CompletableResultCode flush() {
                    return exporter.flush();
                }

                @Override
                public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
                    return exporter.shutdown();
                }
            }).setScheduleDelay(Duration.ofMillis(50)).build();
        }, 100);
        boolean workerBefore = batchWorkerRunning();
        try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(lazy).build()) {
            Tracer tracer = provider.get("test");
            tracer.spanBuilder("unended").startSpan(); // a started span alone makes nothing
            Thread.sleep(100);
            assertThat(made).as("nothing made before a span ends").hasValue(0);
            assertThat(lazy.created()).isFalse();
            if (!workerBefore) {
                assertThat(batchWorkerRunning()).as("no batch worker thread").isFalse();
            }

            // an application thread with state of its own ends the first spans
            Thread app = new Thread(() -> {
                APP_STATE.set("the application's");
                for (int i = 0; i < 20; i++) {
                    tracer.spanBuilder("span-" + i).startSpan().end();
                }
            }, "app-thread");
            app.start();
            app.join();
            assertThat(workerSeen.await(30, TimeUnit.SECONDS)).as("exported").isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (exporter.getFinishedSpanItems().size() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(exporter.getFinishedSpanItems()).hasSize(20);
            assertThat(made).as("made once").hasValue(1);
            assertThat(workerInherited.get()).as("the worker inherits nothing from the application's thread")
                    .isEqualTo("null");
            tracer.spanBuilder("later").startSpan().end();
            assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
            assertThat(exporter.getFinishedSpanItems()).hasSize(21);
        }
        assertThat(made).hasValue(1);
    }

    /** Keeps what it exported after its shutdown (the SDK's in-memory exporter forgets it then). */
    private static final class Keeping implements io.opentelemetry.sdk.trace.export.SpanExporter {
        final java.util.List<io.opentelemetry.sdk.trace.data.SpanData> exported =
                new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode export(
                java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
            exported.addAll(spans);
            return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
        }

        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode flush() {
            return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
        }

        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
            return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
        }
    }

    @Test
    void spansEndedJustBeforeTheExitAreExportedAtShutdownAndNothingIsMadeWithoutSpans() {
        Keeping exporter = new Keeping();
        AtomicInteger made = new AtomicInteger();
        LazySpanProcessor idle = new LazySpanProcessor(() -> {
            made.incrementAndGet();
            return BatchSpanProcessor.builder(exporter).build();
        }, 10);
        assertThat(idle.shutdown().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
        assertThat(made).as("no span: nothing made, not even at shutdown").hasValue(0);

        // the queue is bounded like the processor's: the excess is dropped, the rest exported at shutdown
        LazySpanProcessor exiting = new LazySpanProcessor(() -> {
            made.incrementAndGet();
            return BatchSpanProcessor.builder(exporter).build();
        }, 3);
        try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(new io.opentelemetry.sdk.trace.SpanProcessor() {
            @Override
            public void onStart(io.opentelemetry.context.Context parentContext, io.opentelemetry.sdk.trace.ReadWriteSpan span) {
            }

            @Override
            public boolean isStartRequired() {
                return false;
            }

            @Override
            public void onEnd(io.opentelemetry.sdk.trace.ReadableSpan span) {
                // the creation thread cannot win this race: the spans queue before it runs
                synchronized (exiting) {
                    exiting.onEnd(span);
                }
            }

            @Override
            public boolean isEndRequired() {
                return true;
            }

            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
                return exiting.shutdown();
            }
        }).build()) {
            Tracer tracer = provider.get("test");
            synchronized (exiting) {
                for (int i = 0; i < 5; i++) {
                    tracer.spanBuilder("exit-" + i).startSpan().end();
                }
                assertThat(exiting.shutdown().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
            }
        }
        assertThat(made).hasValue(1);
        assertThat(exporter.exported).hasSize(3);
    }
}
