package io.ebpfagent.e2e.correlation;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.e2e.correlation.CorrelationCheck.Category;
import io.ebpfagent.e2e.correlation.CorrelationCheck.Outcome;
import io.ebpfagent.e2e.correlation.CorrelationCheck.ScenarioResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The classification on hand-made spans: every category can occur, and is told apart. */
class CorrelationCheckTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_800_000_000_000_000_000L;
    private static final int OTLP_PORT = 4318;
    private static final int PROMETHEUS_PORT = 9464;

    private final List<Segment> segments = new ArrayList<>();
    private final List<TelemetrySpan> otel = new ArrayList<>();
    private final List<TelemetrySpan> kernel = new ArrayList<>();

    /** Request {@code id} on thread {@code thread} from {@code at} ms: a 100 ms server span, a 30 ms sleep at +10. */
    private TelemetrySpan request(long id, String thread, long at) {
        TelemetrySpan server = span(trace(id), "5e" + id, "", "SERVER", "GET", at, at + 100, thread,
                Map.of("url.query", "id=" + id, "url.path", "/direct"));
        otel.add(server);
        segments.add(new Segment(id, "direct", "request", thread, thread, false, t(at + 1), t(at + 99), -1));
        segments.add(new Segment(id, "direct", "sleep", thread, thread, false, t(at + 10), t(at + 40), -1));
        return server;
    }

    private static String trace(long id) {
        return String.format("%032x", id + 0xabc);
    }

    private static long t(long ms) {
        return T0 + ms * MS;
    }

    private static TelemetrySpan span(String trace, String id, String parent, String kind, String name, long fromMs,
                                      long toMs, String thread, Map<String, String> attributes) {
        Map<String, String> a = new java.util.HashMap<>(attributes);
        a.put("thread.name", thread);
        return new TelemetrySpan(trace, String.format("%16s", id).replace(' ', '0'),
                parent.isEmpty() ? "" : String.format("%16s", parent).replace(' ', '0'), name, kind, t(fromMs),
                t(toMs), Map.copyOf(a));
    }

    /** A kernel off-CPU span on {@code thread}, a child of {@code parent} (null: no parent). */
    private void offCpu(String id, TelemetrySpan parent, String thread, long fromMs, long toMs) {
        kernel.add(span(parent == null ? trace(999) : parent.traceId(), id, parent == null ? "" : parent.spanId(),
                "INTERNAL", "off-cpu", fromMs, toMs, thread, Map.of()));
    }

    private CorrelationCheck.Result classify(Set<Long> measured) {
        return CorrelationCheck.classify(segments, measured, otel, kernel,
                CorrelationCheck.Settings.of(10 * MS, OTLP_PORT, PROMETHEUS_PORT));
    }

    @Test
    void everyCategoryIsToldApart() {
        TelemetrySpan r1 = request(1, "w-1", 0);       // correct
        request(2, "w-2", 0);                          // orphaned
        TelemetrySpan r3 = request(3, "w-3", 200);     // stale: the context of request 5, ended before
        TelemetrySpan r4 = request(4, "w-4", 400);     // wrong trace: request 6, open, another thread
        request(5, "w-3", 50);
        TelemetrySpan r6 = request(6, "w-6", 380);
        request(7, "w-7", 600);                        // missed
        offCpu("k1", r1, "w-1", 10, 40);
        offCpu("k2", null, "w-2", 10, 40);
        offCpu("k3", otel.stream().filter(s -> s.attribute("url.query").equals("id=5")).findFirst().orElseThrow(),
                "w-3", 210, 240);
        offCpu("k4", r6, "w-4", 410, 440);
        // an idle pool thread keeping request 1's context: stale-outside
        offCpu("k5", r1, "pool-1", 150, 900);
        // an idle thread without a parent: a standalone root span, not counted
        offCpu("k6", null, "pool-2", 150, 900);

        CorrelationCheck.Result r = classify(Set.of(1L, 2L, 3L, 4L, 7L));
        ScenarioResult s = r.scenarios().get("direct");
        assertThat(s.requests()).isEqualTo(5);
        assertThat(s.expected()).isEqualTo(5);
        assertThat(s.segments(Outcome.CORRECT)).isEqualTo(1);
        assertThat(s.segments(Outcome.ORPHANED)).isEqualTo(1);
        assertThat(s.segments(Outcome.STALE)).isEqualTo(1);
        assertThat(s.segments(Outcome.WRONG_TRACE)).isEqualTo(1);
        assertThat(s.segments(Outcome.MISSED)).isEqualTo(1);
        assertThat(s.spansOnExpected(Category.CORRECT)).isEqualTo(1);
        assertThat(s.correctFraction()).isEqualTo(0.2);
        assertThat(s.containmentViolations()).isZero();
        assertThat(r.staleOutside()).isEqualTo(1);
        assertThat(r.staleOutsideByThread()).containsEntry("pool-*", 1);
        assertThat(r3.spanId()).isNotEqualTo(r4.spanId());
    }

    @Test
    void aParentThatEndedJustBeforeTheIntervalIsStale() {
        TelemetrySpan r1 = request(1, "w-1", 0);
        request(2, "w-1", 100);
        // request 2's sleep reported with request 1's context, 50 us after request 1's span ended
        kernel.add(new TelemetrySpan(r1.traceId(), "00000000000000k1", r1.spanId(), "off-cpu", "INTERNAL",
                t(100) + 50_000, t(140), Map.of("thread.name", "w-1")));
        ScenarioResult s = classify(Set.of(2L)).scenarios().get("direct");
        assertThat(s.segments(Outcome.STALE)).isEqualTo(1);
    }

    @Test
    void aKernelSpanOutsideItsParentIsAContainmentViolation() {
        TelemetrySpan r1 = request(1, "w-1", 0);
        TelemetrySpan manual = span(r1.traceId(), "aa", r1.spanId(), "INTERNAL", "app-work direct", 5, 20, "w-1",
                Map.of());
        otel.add(manual);
        offCpu("k1", manual, "w-1", 10, 40);
        ScenarioResult s = classify(Set.of(1L)).scenarios().get("direct");
        assertThat(s.segments(Outcome.CORRECT)).isEqualTo(1);
        assertThat(s.containmentViolations()).isEqualTo(1);
    }

    @Test
    void ownExportsAndUnknownParentsAreCounted() {
        TelemetrySpan r1 = request(1, "w-1", 0);
        kernel.add(span(r1.traceId(), "k1", "77", "INTERNAL", "off-cpu", 10, 40, "w-1", Map.of()));
        otel.add(span(trace(50), "c1", "", "CLIENT", "POST", 0, 5, "jdkhttp-executor-1",
                Map.of("server.port", Integer.toString(OTLP_PORT))));
        otel.add(span(trace(51), "c2", "", "SERVER", "GET /metrics", 0, 5, "prometheus-http-1",
                Map.of("server.port", Integer.toString(PROMETHEUS_PORT))));
        otel.add(span(trace(52), "c3", "", "CLIENT", "GET", 0, 5, "w-1", Map.of("server.port", "8080")));
        CorrelationCheck.Result r = classify(Set.of(1L));
        assertThat(r.scenarios().get("direct").segments(Outcome.UNKNOWN_PARENT)).isEqualTo(1);
        assertThat(r.ownExportCount()).isEqualTo(2);
        assertThat(r.otherOtelSpans()).containsEntry("CLIENT 'GET'", 1);
    }

    @Test
    void segmentsFromTheAppParse() {
        Segment g = Segment.parse("{\"id\":7,\"scenario\":\"virtual\",\"kind\":\"fsync\",\"thread\":"
                + "\"ForkJoinPool-1-worker-2\",\"thread_end\":\"ForkJoinPool-1-worker-2\",\"virtual\":true,"
                + "\"start\":1796187320813137607,\"end\":1796187320820638791,\"run_delay\":5000000}");
        assertThat(g.start()).isEqualTo(1796187320813137607L);
        assertThat(g.durationNs()).isEqualTo(7_501_184L);
        assertThat(g.occupiesThread()).isTrue();
        // 7.5 ms, of which 5 ms waiting for a CPU: a 2.5 ms system call at most
        assertThat(g.expectsInterval(12 * MS, 2 * MS)).isTrue();
        assertThat(g.expectsInterval(12 * MS, 3 * MS)).isFalse();
        Segment sleep = new Segment(7, "virtual", "sleep", "ForkJoinPool-1-worker-2", "ForkJoinPool-1-worker-1",
                true, 0, 30 * MS, -1);
        assertThat(sleep.occupiesThread()).as("an unmounted virtual thread occupies no carrier").isFalse();
    }
}
