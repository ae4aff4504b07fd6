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
        // request 2's sleep (110-140 ms) reported with a span of request 1 that ended 50 us before
        TelemetrySpan late = new TelemetrySpan(r1.traceId(), "00000000000000a1", r1.spanId(), "late", "INTERNAL",
                t(20), t(110) - 50_000, Map.of("thread.name", "w-1"));
        otel.add(late);
        kernel.add(new TelemetrySpan(r1.traceId(), "00000000000000b1", late.spanId(), "off-cpu", "INTERNAL",
                t(110) + 5_000, t(140), Map.of("thread.name", "w-1")));
        ScenarioResult s = classify(Set.of(2L)).scenarios().get("direct");
        assertThat(s.segments(Outcome.STALE)).isEqualTo(1);
    }

    @Test
    void aVirtualThreadsCarrierIsItsOnlyWhileMounted() {
        TelemetrySpan server = span(trace(1), "5e1", "", "SERVER", "GET", 0, 100, "w-1",
                Map.of("url.query", "id=1", "url.path", "/virtual"));
        otel.add(server);
        segments.add(new Segment(1, "virtual", "mounted", "fj-1", "fj-1", true, t(1), t(5), -1));
        segments.add(new Segment(1, "virtual", "sleep", "fj-1", "fj-2", true, t(5), t(40), -1));
        segments.add(new Segment(1, "virtual", "mounted", "fj-2", "fj-2", true, t(40), t(60), -1));
        segments.add(new Segment(1, "virtual", "fsync", "fj-2", "fj-2", true, t(45), t(55), -1));
        offCpu("k1", server, "fj-1", 2, 4);      // preempted while mounted: correct, not expected
        offCpu("k2", server, "fj-2", 46, 54);    // the fsync's wait: correct, expected
        offCpu("k3", server, "fj-1", 6, 30);     // the carrier during the sleep, the sleeper's context
        offCpu("k4", server, "fj-3", 6, 30);     // a carrier that never ran it: stale-outside
        CorrelationCheck.Result r = classify(Set.of(1L));
        ScenarioResult s = r.scenarios().get("virtual");
        assertThat(s.expected()).isEqualTo(1);
        assertThat(s.segments(Outcome.CORRECT)).isEqualTo(1);
        assertThat(s.spansOther(Category.CORRECT)).isEqualTo(1);
        assertThat(r.carrierDuringSleep()).isEqualTo(1);
        assertThat(r.staleOutside()).isEqualTo(1);
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
    void atTheEdgeOfATaskOnlyAPreemptionOrTheComingWorkIsExcused() {
        TelemetrySpan r1 = request(1, "w-1", 0);
        segments.add(new Segment(1, "direct", "task", "pool-1", "pool-1", false, t(20), t(60), -1));
        // switched out in the wrapper before the task's code: ends 0.03 ms before the task
        kernel.add(new TelemetrySpan(r1.traceId(), "00000000000000b1", r1.spanId(), "off-cpu", "INTERNAL",
                t(5), t(20) - 30_000, Map.of("thread.name", "pool-1", "off_cpu.reason", "voluntary")));
        // preempted right after the task, before the wrapper closed its scope
        kernel.add(new TelemetrySpan(r1.traceId(), "00000000000000b2", r1.spanId(), "off-cpu", "INTERNAL",
                t(60) + 100_000, t(75), Map.of("thread.name", "pool-1", "off_cpu.reason", "involuntary")));
        // parked right after the task with its context: left behind
        kernel.add(new TelemetrySpan(r1.traceId(), "00000000000000b3", r1.spanId(), "off-cpu", "INTERNAL",
                t(60) + 100_000, t(75), Map.of("thread.name", "pool-1", "off_cpu.reason", "voluntary")));
        CorrelationCheck.Result r = classify(Set.of(1L));
        assertThat(r.aroundWork()).isEqualTo(2);
        assertThat(r.staleOutside()).isEqualTo(1);
    }

    /**
     * A thread blocked right after its task, still in the task's scope, resumes and drops the
     * context before waiting again (seen: a carrier 17 ms off-CPU 0.03 ms after its virtual
     * thread's task ended, then 0.46 ms later idle without a parent): around its work. A thread
     * that keeps the context into its next wait, or into its next work, left it behind.
     */
    @Test
    void aWaitRightAfterTheTaskIsExcusedOnlyWhenTheThreadThenDropsTheContext() {
        TelemetrySpan r1 = request(1, "w-1", 0);
        TelemetrySpan r2 = request(2, "w-2", 0);
        // pool-1: blocked 0.03 ms after the task, resumed at 75, idle without a parent from 75.46
        segments.add(new Segment(1, "direct", "task", "pool-1", "pool-1", false, t(20), t(60), -1));
        kernel.add(new TelemetrySpan(r1.traceId(), "00000000000000b1", r1.spanId(), "off-cpu", "INTERNAL",
                t(60) + 30_000, t(75), Map.of("thread.name", "pool-1", "off_cpu.reason", "voluntary")));
        offCpu("i1", null, "pool-1", 75, 90);
        kernel.set(kernel.size() - 1, shifted(kernel.getLast(), 460_000));
        // pool-2: the same, but its next wait still has the request's context: left behind
        segments.add(new Segment(2, "direct", "task", "pool-2", "pool-2", false, t(20), t(60), -1));
        kernel.add(new TelemetrySpan(r2.traceId(), "00000000000000b2", r2.spanId(), "off-cpu", "INTERNAL",
                t(60) + 30_000, t(75), Map.of("thread.name", "pool-2", "off_cpu.reason", "voluntary")));
        kernel.add(new TelemetrySpan(r2.traceId(), "00000000000000b3", r2.spanId(), "off-cpu", "INTERNAL",
                t(75) + 460_000, t(90), Map.of("thread.name", "pool-2", "off_cpu.reason", "voluntary")));
        CorrelationCheck.Result r = classify(Set.of(1L, 2L));
        assertThat(r.aroundWork()).isEqualTo(1);
        assertThat(r.staleOutside()).isEqualTo(2);
    }

    @Test
    void aWaitRightAfterTheTaskIsStaleWhenTheThreadWorkedOrWaitedLongBeforeDroppingIt() {
        TelemetrySpan r1 = request(1, "w-1", 0);
        TelemetrySpan r2 = request(2, "w-2", 0);
        // pool-1: idle with the context until the next task (of request 3) began; then without
        segments.add(new Segment(1, "direct", "task", "pool-1", "pool-1", false, t(20), t(60), -1));
        request(3, "w-3", 70);
        segments.add(new Segment(3, "direct", "task", "pool-1", "pool-1", false, t(75) + 100_000, t(75) + 300_000,
                -1));
        kernel.add(new TelemetrySpan(r1.traceId(), "00000000000000b1", r1.spanId(), "off-cpu", "INTERNAL",
                t(60) + 30_000, t(75), Map.of("thread.name", "pool-1", "off_cpu.reason", "voluntary")));
        kernel.add(shifted(new TelemetrySpan(trace(999), "00000000000000c1", "", "off-cpu", "INTERNAL", t(75),
                t(90), Map.of("thread.name", "pool-1", "off_cpu.reason", "voluntary")), 460_000));
        // pool-2: its next wait has no parent, but began 5 ms later (it ran on with the context)
        segments.add(new Segment(2, "direct", "task", "pool-2", "pool-2", false, t(20), t(60), -1));
        kernel.add(new TelemetrySpan(r2.traceId(), "00000000000000b2", r2.spanId(), "off-cpu", "INTERNAL",
                t(60) + 30_000, t(75), Map.of("thread.name", "pool-2", "off_cpu.reason", "voluntary")));
        kernel.add(new TelemetrySpan(trace(999), "00000000000000c2", "", "off-cpu", "INTERNAL", t(80), t(90),
                Map.of("thread.name", "pool-2", "off_cpu.reason", "voluntary")));
        CorrelationCheck.Result r = classify(Set.of(1L, 2L, 3L));
        assertThat(r.aroundWork()).isZero();
        assertThat(r.staleOutside()).isEqualTo(2);
    }

    /**
     * A new carrier, cold: off-CPU 48 ms in the wrapper that made the request's context current,
     * then 39 ms more (waits without a parent) before the task's code; reported under the kernel's
     * 15-character name, since the thread was too new to be named. Before the task of its own
     * request with nothing else in between: around the work. With another request's task in
     * between: stale.
     */
    @Test
    void aWaitLongBeforeItsOwnTaskIsExcusedOnlyWhenTheThreadDidNothingElseInBetween() {
        TelemetrySpan r1 = request(1, "w-1", 0);
        TelemetrySpan r2 = request(2, "w-2", 0);
        segments.add(new Segment(1, "virtual", "mounted", "ForkJoinPool-1-worker-1", "ForkJoinPool-1-worker-1", true,
                t(90), t(95), -1));
        kernel.add(new TelemetrySpan(r1.traceId(), "00000000000000b1", r1.spanId(), "off-cpu", "INTERNAL", t(2),
                t(50), Map.of("thread.name", "ForkJoinPool-1-", "thread.native_id", "77", "off_cpu.reason",
                        "voluntary")));
        kernel.add(new TelemetrySpan(trace(999), "00000000000000c1", "", "off-cpu", "INTERNAL", t(52), t(70),
                Map.of("thread.name", "ForkJoinPool-1-worker-1", "thread.native_id", "77", "off_cpu.reason",
                        "involuntary")));
        // pool-2: request 2's context until request 3's task, then request 2's own task
        segments.add(new Segment(2, "direct", "task", "pool-2", "pool-2", false, t(90), t(95), -1));
        request(3, "w-3", 0);
        segments.add(new Segment(3, "direct", "task", "pool-2", "pool-2", false, t(60), t(80), -1));
        kernel.add(new TelemetrySpan(r2.traceId(), "00000000000000b2", r2.spanId(), "off-cpu", "INTERNAL", t(2),
                t(50), Map.of("thread.name", "pool-2", "off_cpu.reason", "voluntary")));
        CorrelationCheck.Result r = classify(Set.of(1L, 2L, 3L));
        assertThat(r.aroundWork()).isEqualTo(1);
        assertThat(r.staleOutside()).isEqualTo(1);
        assertThat(r.staleOutsideByThread()).containsOnlyKeys("pool-*");
    }

    private static TelemetrySpan shifted(TelemetrySpan k, long ns) {
        return new TelemetrySpan(k.traceId(), k.spanId(), k.parentSpanId(), k.name(), k.kind(), k.start() + ns,
                k.end(), k.attributes());
    }

    @Test
    void aTraceWhoseClockAnchorLagsIsCorrected() {
        // the whole trace 5 ms early, as when the root span's thread was preempted between the
        // SDK's epoch and nanoTime readings: the server span seems to end 4 ms before the handler,
        // and the lock wait at the handler's end to stick out of it
        TelemetrySpan server = span(trace(1), "5e1", "", "SERVER", "GET", -5, 95, "w-1",
                Map.of("url.query", "id=1", "url.path", "/direct"));
        otel.add(server);
        segments.add(new Segment(1, "direct", "request", "w-1", "w-1", false, t(1), t(99), -1));
        segments.add(new Segment(1, "direct", "lock", "w-1", "w-1", false, t(60), t(98), -1));
        offCpu("k1", server, "w-1", 60, 98);
        CorrelationCheck.Result r = classify(Set.of(1L));
        assertThat(r.clockCorrectedTraces()).isEqualTo(1);
        assertThat(r.maxClockCorrectionNs()).isEqualTo(4 * MS);
        ScenarioResult s = r.scenarios().get("direct");
        assertThat(s.segments(Outcome.CORRECT)).isEqualTo(1);
        assertThat(s.containmentViolations()).isZero();
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
