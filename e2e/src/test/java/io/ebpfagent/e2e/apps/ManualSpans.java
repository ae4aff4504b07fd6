package io.ebpfagent.e2e.apps;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

/**
 * The "with API" variant of {@link JettyCorrelationApp}: the work of each request runs inside a
 * manual span {@code app-work <scenario>} (attribute {@code app.request.id}), made current around
 * the work on the thread doing it. The only class of the app that uses the OpenTelemetry API; the
 * app loads it reflectively, and only with {@code -Dapp.manualSpan=true}. Under the OpenTelemetry
 * Java agent, {@link GlobalOpenTelemetry} is the agent's SDK.
 */
public final class ManualSpans implements JettyCorrelationApp.Around, JettyCorrelationApp.ManualSpansMarker {
    /** The span name prefix. */
    public static final String NAME = "app-work ";
    /** The request id attribute. */
    public static final String REQUEST_ID = "app.request.id";

    private final Tracer tracer = GlobalOpenTelemetry.getTracer("io.ebpfagent.e2e.jetty-app");

    @Override
    public void run(String scenario, long id, JettyCorrelationApp.Work work) throws Exception {
        Span span = tracer.spanBuilder(NAME + scenario).setAttribute(REQUEST_ID, id).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            work.run();
        } finally {
            span.end();
        }
    }
}
