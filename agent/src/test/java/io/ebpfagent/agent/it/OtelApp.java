package io.ebpfagent.agent.it;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.ArrayList;
import java.util.List;

/** An application using the OpenTelemetry SDK on platform and virtual threads, run under the agent. */
public final class OtelApp {
    private OtelApp() {
    }

    public static void main(String[] args) throws Exception {
        // The virtual-thread hooks are installed on the agent's init thread: the test sends a line
        // once the agent said it is initialized.
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        System.out.println("APP vthread hooks=" + bootBridgePresent());
        Tracer tracer = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create()))
                .build().get("otel-app");
        System.out.println("APP storage=" + ContextStorage.get().getClass().getName());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                Span span = tracer.spanBuilder("v").startSpan();
                try (Scope scope = span.makeCurrent()) {
                    for (int r = 0; r < 20; r++) {
                        Thread.sleep(1);
                        if (!Span.current().getSpanContext().equals(span.getSpanContext())) {
                            throw new IllegalStateException("context lost");
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    span.end();
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        System.out.println("APP OK");
    }

    private static boolean bootBridgePresent() {
        try {
            Class.forName("java.lang.EbpfAgentVirtualThreadBridge", false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
