package io.ebpfagent.agent.context;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpanTotalsTest {
    private record Drained(String name, String route, long cpu) {
    }

    @Test
    void aServerSpanRenamedWhenRoutedIsDrainedUnderItsFinalNameAndRoute() {
        Span span = SdkTracerProvider.builder().build().get("test").spanBuilder("GET").startSpan();
        SpanTotals totals = new SpanTotals(64, 60_000_000_000L);
        SpanNaming naming = new SpanNaming();
        long id = Long.parseUnsignedLong(span.getSpanContext().getSpanId(), 16);
        long[] delta = new long[KernelTimes.COUNT];
        long[] out = new long[KernelTimes.COUNT];

        // a scope of the span closes before the request is routed, as with the OpenTelemetry Java agent
        delta[KernelTimes.CPU] = 100;
        assertThat(totals.add(id, delta, out, 1, span, naming)).isTrue();
        span.updateName("GET /orders");
        span.setAttribute("http.route", "/orders");
        delta[KernelTimes.CPU] = 50;
        assertThat(totals.add(id, delta, out, 2, span, naming)).isTrue();
        span.end();

        List<Drained> drained = new ArrayList<>();
        assertThat(totals.drainIdle(10, 0, (name, route, nanos) -> drained.add(
                new Drained(name, route, nanos[KernelTimes.CPU])))).isEqualTo(1);
        assertThat(drained).containsExactly(new Drained("GET /orders", "/orders", 150));
    }

    @Test
    void aSpanWithoutRouteKeepsItsName() {
        Span span = SdkTracerProvider.builder().build().get("test").spanBuilder("GET").startSpan();
        SpanTotals totals = new SpanTotals(64, 60_000_000_000L);
        long id = Long.parseUnsignedLong(span.getSpanContext().getSpanId(), 16);
        long[] delta = new long[KernelTimes.COUNT];
        delta[KernelTimes.CPU] = 7;
        totals.add(id, delta, new long[KernelTimes.COUNT], 1, span, new SpanNaming());
        List<Drained> drained = new ArrayList<>();
        totals.drainIdle(10, 0, (name, route, nanos) -> drained.add(new Drained(name, route, nanos[KernelTimes.CPU])));
        assertThat(drained).containsExactly(new Drained("GET", null, 7));
    }
}
