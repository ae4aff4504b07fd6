package io.ebpfagent.e2e.correlation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Classifies the ebpf-agent's kernel spans against the ground truth of the application's work
 * segments and the OpenTelemetry Java agent's spans. Shared by {@code OtelJavaagentCorrelationIT}
 * and {@code bench.CorrelationBenchmark}.
 *
 * <p>Method:
 * <ol>
 * <li>A request's trace is the trace of the OTel agent's SERVER span whose {@code url.query} has
 * {@code id=N}. The OTel spans' times are first corrected per trace where they contradict the
 * app's own timing ({@link #clockCorrections}: the SDK's per-trace clock anchor).</li>
 * <li>A kernel span belongs to the segment on the same OS thread ({@code thread.name}) in which
 * it began (the thread left the CPU or entered the system call during that work; the context
 * is the thread's at that moment, since only the thread itself changes it), allowing
 * {@link Settings#openToleranceNs} of clock error; an expected segment wins over an envelope,
 * then the innermost. Only segments that {@linkplain Segment#occupiesThread() occupy} their
 * thread count.</li>
 * <li>A kernel span of a request is {@link Category#ORPHANED} without a parent; with a parent
 * span that is not among the OTel agent's spans it is {@link Category#UNKNOWN_PARENT}; with a
 * parent that had ended before the kernel interval began (or began after it), in any trace,
 * {@link Category#STALE}; with an open parent in another trace {@link Category#WRONG_TRACE};
 * otherwise {@link Category#CORRECT}. A correct span must also lie within its parent's time
 * window (containment, with {@link Settings#containmentSlackNs} of slack).</li>
 * <li>An expected segment (see {@link Segment#expectsInterval}) with no kernel span is
 * {@link Outcome#MISSED}; with kernel spans its outcome is the worst of their categories.</li>
 * <li>A kernel span with a parent that belongs to no request segment is stale-outside, unless
 * its parent was open at the time and ran on the same thread (work of the server span around
 * the application's handler, e.g. Jetty writing the response), or it lies at the edge of its
 * request's work on that thread (see {@link #atTheEdgeOfItsWork}), or it began on a carrier during
 * the virtual sleep of the request whose trace it is in (counted apart: the edges of a virtual
 * sleep cannot be timed from Java).</li>
 * <li>Spans in the OTel agent's output that the ebpf-agent's own exports caused: CLIENT spans to
 * the ebpf-agent's OTLP port, SERVER spans of its Prometheus port, any span on an
 * {@code ebpf-agent-*} thread.</li>
 * </ol>
 */
public final class CorrelationCheck {
    /** What one kernel span of a request is. */
    public enum Category {
        CORRECT, STALE, WRONG_TRACE, ORPHANED, UNKNOWN_PARENT
    }

    /** What one expected segment got; worse outcomes come later. */
    public enum Outcome {
        CORRECT, ORPHANED, UNKNOWN_PARENT, STALE, WRONG_TRACE, MISSED;

        static Outcome of(Category c) {
            return switch (c) {
                case CORRECT -> CORRECT;
                case STALE -> STALE;
                case WRONG_TRACE -> WRONG_TRACE;
                case ORPHANED -> ORPHANED;
                case UNKNOWN_PARENT -> UNKNOWN_PARENT;
            };
        }
    }

    /**
     * @param offCpuThresholdNs {@code probes.sched.offcpu_threshold}
     * @param fsyncThresholdNs  the io probe's fsync threshold (1 ms, {@code IoProbe.Config.defaults()})
     * @param offCpuMarginNs    an off-CPU segment must be this much longer than its threshold to
     *                          be expected (the Java-side time includes the JVM's own work around
     *                          the blocking call)
     * @param fsyncMarginNs     the same for fsync (on a virtual thread the JDK's carrier
     *                          compensation runs inside the timed {@code force})
     * @param openToleranceNs   how far a parent may seem to have ended before (or begun after) the
     *                          kernel interval's start and still count as open: the clock error
     *                          between the agents' epoch times. Measured here: the kernel's
     *                          intervals lie 3-20 us inside the app's segments, so 20 us; a
     *                          thread that goes idle right after its request ended does so some
     *                          50 us later, which must count as stale
     * @param containmentSlackNs how far a correct kernel span may stick out of its parent
     * @param ebpfOtlpPort      port of the receiver the ebpf-agent exports to
     * @param prometheusPort    the ebpf-agent's Prometheus port (0: none)
     */
    public record Settings(long offCpuThresholdNs, long fsyncThresholdNs, long offCpuMarginNs, long fsyncMarginNs,
                           long openToleranceNs, long containmentSlackNs, int ebpfOtlpPort, int prometheusPort) {
        public static Settings of(long offCpuThresholdNs, int ebpfOtlpPort, int prometheusPort) {
            return new Settings(offCpuThresholdNs, 1_000_000L, 2_000_000L, 1_000_000L, 20_000L, 2_000_000L,
                    ebpfOtlpPort, prometheusPort);
        }
    }

    /** The counts of one scenario. */
    public static final class ScenarioResult {
        private final String scenario;
        private int requests;
        private int requestsWithTrace;
        private final Map<String, int[]> expectedByKind = new TreeMap<>();
        private final EnumMap<Outcome, Integer> segments = new EnumMap<>(Outcome.class);
        private final EnumMap<Category, Integer> spansOnExpected = new EnumMap<>(Category.class);
        private final EnumMap<Category, Integer> spansOther = new EnumMap<>(Category.class);
        private int containmentViolations;
        private int manualSpans;
        private int manualSpansInRequestTrace;
        private final List<String> examples = new ArrayList<>();

        ScenarioResult(String scenario) {
            this.scenario = scenario;
            for (Outcome o : Outcome.values()) {
                segments.put(o, 0);
            }
            for (Category c : Category.values()) {
                spansOnExpected.put(c, 0);
                spansOther.put(c, 0);
            }
        }

        public String scenario() {
            return scenario;
        }

        /** Requests measured. */
        public int requests() {
            return requests;
        }

        /** Requests whose SERVER span arrived (their trace is known). */
        public int requestsWithTrace() {
            return requestsWithTrace;
        }

        /** Expected segments (intervals the kernel must report). */
        public int expected() {
            return segments.values().stream().mapToInt(Integer::intValue).sum();
        }

        public int segments(Outcome o) {
            return segments.get(o);
        }

        /** Kernel spans on expected segments, by category. */
        public int spansOnExpected(Category c) {
            return spansOnExpected.get(c);
        }

        /** Kernel spans of the requests' other work (envelopes, short fsyncs, hand-offs). */
        public int spansOther(Category c) {
            return spansOther.get(c);
        }

        public int spans(Category c) {
            return spansOnExpected(c) + spansOther(c);
        }

        /** Correct kernel spans that do not lie within their parent's time window. */
        public int containmentViolations() {
            return containmentViolations;
        }

        /** Expected segments by kind: [expected, correct]. */
        public Map<String, int[]> expectedByKind() {
            return Collections.unmodifiableMap(expectedByKind);
        }

        /** Manual spans (with-API variant) and how many of them are in their request's trace. */
        public int manualSpans() {
            return manualSpans;
        }

        public int manualSpansInRequestTrace() {
            return manualSpansInRequestTrace;
        }

        /** Share of expected segments whose kernel spans are all correct, 0..1 (1 when none expected). */
        public double correctFraction() {
            int e = expected();
            return e == 0 ? 1.0 : segments(Outcome.CORRECT) / (double) e;
        }

        /** A few kernel spans that were not correct, with the segment they belong to. */
        public List<String> examples() {
            return List.copyOf(examples);
        }

        void example(String text) {
            if (examples.size() < 8) {
                examples.add(text);
            }
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                    "%s: %d requests (%d with a server span), %d expected intervals, %.1f%% correct; segments %s;"
                            + " kernel spans on expected segments %s, on other request work %s;"
                            + " containment violations %d",
                    scenario, requests, requestsWithTrace, expected(), 100 * correctFraction(), segments,
                    spansOnExpected, spansOther, containmentViolations));
            expectedByKind.forEach((k, v) -> b.append("; ").append(k).append(' ').append(v[1]).append('/')
                    .append(v[0]));
            if (manualSpans > 0) {
                b.append("; manual spans in the request's trace ").append(manualSpansInRequestTrace).append('/')
                        .append(manualSpans);
            }
            return b.toString();
        }
    }

    /**
     * @param scenarios            per scenario, by name
     * @param staleOutside         kernel spans with a parent that belong to no request work
     * @param staleOutsideByThread the same by thread group (digits replaced by *)
     * @param ownThreadsParented   kernel spans on {@code ebpf-agent-*} threads that have a parent
     * @param ownExports           spans in the OTel agent's output caused by the ebpf-agent's own
     *                             exports, by kind, name and thread group
     * @param otherOtelSpans       OTel spans in no request's trace and not own exports (information)
     * @param aroundWork           kernel spans with a parent just outside the app's timed work but in
     *                             the scope the OTel agent keeps open around it (see
     *                             {@link #atTheEdgeOfItsWork}; or on the thread of their parent while
     *                             it was open: Jetty around the handler in the SERVER span)
     * @param carrierDuringSleep   kernel spans of a carrier that began during a virtual thread's sleep,
     *                             with that thread's request as their trace (see
     *                             {@link #virtualSleepOfItsRequest}): a carrier preempted while the
     *                             virtual thread unmounts or remounts, or a carrier left with the
     *                             context of an unmounted virtual thread
     * @param clockCorrectedTraces traces whose OTel span times were moved later ({@link #clockCorrections})
     * @param maxClockCorrectionNs the largest such correction
     * @param examples             a few stale-outside spans and carrier spans during a sleep
     */
    public record Result(Map<String, ScenarioResult> scenarios, int staleOutside,
                         Map<String, Integer> staleOutsideByThread, int ownThreadsParented,
                         Map<String, Integer> ownExports, Map<String, Integer> otherOtelSpans, int aroundWork,
                         int carrierDuringSleep, int clockCorrectedTraces, long maxClockCorrectionNs,
                         List<String> examples) {
        public int ownExportCount() {
            return ownExports.values().stream().mapToInt(Integer::intValue).sum();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            scenarios.values().forEach(s -> b.append(s).append('\n'));
            b.append("stale-outside ").append(staleOutside).append(' ').append(staleOutsideByThread)
                    .append("; on ebpf-agent threads with a parent ").append(ownThreadsParented)
                    .append("; just around the app's work, in its scope ").append(aroundWork)
                    .append("; on a carrier during its request's virtual sleep ").append(carrierDuringSleep)
                    .append("\nOTel trace clocks corrected: ").append(clockCorrectedTraces)
                    .append(String.format(Locale.ROOT, " traces, at most %.3f ms", maxClockCorrectionNs / 1e6))
                    .append("\nOTel agent spans from the ebpf-agent's own exports: ").append(ownExportCount())
                    .append(' ').append(ownExports).append("\nother OTel agent spans outside the requests' traces: ")
                    .append(otherOtelSpans);
            return b.toString();
        }
    }

    private CorrelationCheck() {
    }

    /**
     * @param segments every segment the app recorded (warm-up requests included: kernel spans of
     *                 theirs are skipped, not counted as outside)
     * @param measured the request ids to report on
     * @param received every span the OTel agent exported
     * @param kernel   every span the ebpf-agent exported
     */
    public static Result classify(List<Segment> segments, Set<Long> measured, List<TelemetrySpan> received,
                                  List<TelemetrySpan> exported, Settings s) {
        List<TelemetrySpan> kernel = fullThreadNames(exported);
        Map<String, Long> clockCorrection = clockCorrections(segments, received);
        List<TelemetrySpan> otel = received.stream().map(p -> {
            long d = clockCorrection.getOrDefault(p.traceId(), 0L);
            return d == 0 ? p : new TelemetrySpan(p.traceId(), p.spanId(), p.parentSpanId(), p.name(), p.kind(),
                    p.start() + d, p.end() + d, p.attributes());
        }).toList();
        Map<Long, String> traceOf = new HashMap<>();
        Map<String, TelemetrySpan> otelById = new HashMap<>();
        for (TelemetrySpan p : otel) {
            otelById.put(p.traceId() + "/" + p.spanId(), p);
            if (p.kind().equals("SERVER")) {
                long id = requestId(p);
                if (id >= 0) {
                    traceOf.put(id, p.traceId());
                }
            }
        }
        Set<String> requestTraces = Set.copyOf(traceOf.values());

        Map<String, ScenarioResult> scenarios = new TreeMap<>();
        Map<String, List<Segment>> byThread = new HashMap<>();
        List<Segment> expected = new ArrayList<>();
        Map<Long, String> scenarioOf = new HashMap<>();
        long offCpuMin = s.offCpuThresholdNs() + s.offCpuMarginNs();
        long fsyncMin = s.fsyncThresholdNs() + s.fsyncMarginNs();
        for (Segment g : segments) {
            if (g.occupiesThread()) {
                byThread.computeIfAbsent(g.thread(), t -> new ArrayList<>()).add(g);
            }
            if (!measured.contains(g.id())) {
                continue;
            }
            scenarioOf.put(g.id(), g.scenario());
            ScenarioResult r = scenarios.computeIfAbsent(g.scenario(), ScenarioResult::new);
            if (g.expectsInterval(offCpuMin, fsyncMin)) {
                expected.add(g);
                r.expectedByKind.computeIfAbsent(g.kind(), k -> new int[2])[0]++;
            }
        }
        for (Map.Entry<Long, String> e : scenarioOf.entrySet()) {
            ScenarioResult r = scenarios.get(e.getValue());
            r.requests++;
            if (traceOf.containsKey(e.getKey())) {
                r.requestsWithTrace++;
            }
        }
        byThread.values().forEach(l -> l.sort(Comparator.comparingLong(Segment::start)));
        Set<Segment> expectedSet = Collections.newSetFromMap(new IdentityHashMap<>());
        expectedSet.addAll(expected);

        Map<String, List<Segment>> virtualSleeps = new HashMap<>();
        for (Segment g : segments) {
            if (g.virtual() && g.kind().equals("sleep")) {
                virtualSleeps.computeIfAbsent(g.thread(), t -> new ArrayList<>()).add(g);
                if (!g.threadEnd().equals(g.thread())) {
                    virtualSleeps.computeIfAbsent(g.threadEnd(), t -> new ArrayList<>()).add(g);
                }
            }
        }
        // every kernel span and every segment start or end, per thread (a carrier's for a virtual
        // thread's segments, occupying or not): what the thread did right after a kernel span
        Map<String, List<TelemetrySpan>> kernelByThread = new HashMap<>();
        for (TelemetrySpan k : kernel) {
            kernelByThread.computeIfAbsent(k.threadName(), t -> new ArrayList<>()).add(k);
        }
        kernelByThread.values().forEach(l -> l.sort(Comparator.comparingLong(TelemetrySpan::start)));
        Map<String, List<Long>> boundaries = new HashMap<>();
        for (Segment g : segments) {
            boundaries.computeIfAbsent(g.thread(), t -> new ArrayList<>()).add(g.start());
            boundaries.computeIfAbsent(g.threadEnd(), t -> new ArrayList<>()).add(g.end());
        }
        Map<Segment, List<Category>> perSegment = new IdentityHashMap<>();
        int carrierDuringSleep = 0;
        int staleOutside = 0;
        int ownThreadsParented = 0;
        int aroundWork = 0;
        Map<String, Integer> staleOutsideByThread = new TreeMap<>();
        List<String> outsideExamples = new ArrayList<>();
        for (TelemetrySpan k : kernel) {
            String thread = k.threadName();
            if (k.hasParent() && thread.startsWith("ebpf-agent")) {
                ownThreadsParented++;
            }
            List<Segment> over = new ArrayList<>();
            for (Segment g : byThread.getOrDefault(thread, List.of())) {
                if (g.start() - s.openToleranceNs() > k.start()) {
                    break;
                }
                if (g.contains(k.start(), s.openToleranceNs())) {
                    over.add(g);
                }
            }
            if (over.isEmpty()) {
                if (!k.hasParent()) {
                    continue; // an idle wait outside any span, exported as a standalone root span
                }
                Segment sleeping = virtualSleepOfItsRequest(k, virtualSleeps, traceOf, s);
                if (sleeping != null) {
                    if (measured.contains(sleeping.id())) {
                        carrierDuringSleep++;
                        if (outsideExamples.size() < 8) {
                            outsideExamples.add("carrier during the virtual sleep: " + k + " during " + sleeping);
                        }
                    }
                    continue;
                }
                TelemetrySpan parent = otelById.get(k.traceId() + "/" + k.parentSpanId());
                if ((parent != null && open(parent, k, s) && parent.threadName().equals(thread))
                        || atTheEdgeOfItsWork(k, byThread.getOrDefault(thread, List.of()), traceOf, s,
                                kernelByThread.getOrDefault(thread, List.of()),
                                boundaries.getOrDefault(thread, List.of()))) {
                    aroundWork++;
                    continue;
                }
                staleOutside++;
                staleOutsideByThread.merge(group(thread), 1, Integer::sum);
                if (outsideExamples.size() < 8) {
                    outsideExamples.add(k + " (" + k.attribute("off_cpu.reason") + "), parent "
                            + (parent == null ? "unknown" : parent.toString()) + "; its request's segments: "
                            + segmentsOfTrace(segments, traceOf, k));
                }
                continue;
            }
            Segment best = over.stream().max(Comparator.comparingInt((Segment g) -> expectedSet.contains(g) ? 1 : 0)
                    .thenComparingLong(Segment::start)).orElseThrow();
            if (!measured.contains(best.id())) {
                continue; // warm-up
            }
            ScenarioResult r = scenarios.get(best.scenario());
            String requestTrace = traceOf.get(best.id());
            TelemetrySpan parent = k.hasParent() ? otelById.get(k.traceId() + "/" + k.parentSpanId()) : null;
            Category c = category(k, parent, requestTrace, requestTraces, s);
            boolean onExpected = false;
            for (Segment g : over) {
                if (expectedSet.contains(g)) {
                    onExpected = true;
                    perSegment.computeIfAbsent(g, x -> new ArrayList<>()).add(c);
                }
            }
            (onExpected ? r.spansOnExpected : r.spansOther).merge(c, 1, Integer::sum);
            if (c == Category.CORRECT && !(k.start() >= parent.start() - s.containmentSlackNs()
                    && k.end() <= parent.end() + s.containmentSlackNs())) {
                r.containmentViolations++;
                r.example("not within its parent: " + k + " during " + best + "; parent " + parent);
            } else if (c != Category.CORRECT) {
                r.example(c + ": " + k + " during " + best + "; request trace " + requestTrace + "; parent "
                        + (parent == null ? "-" : parent.toString()));
            }
        }
        for (Segment g : expected) {
            List<Category> cs = perSegment.getOrDefault(g, List.of());
            Outcome o = cs.isEmpty() ? Outcome.MISSED
                    : cs.stream().map(Outcome::of).max(Comparator.naturalOrder()).orElseThrow();
            ScenarioResult r = scenarios.get(g.scenario());
            r.segments.merge(o, 1, Integer::sum);
            if (o == Outcome.CORRECT) {
                r.expectedByKind.get(g.kind())[1]++;
            } else if (o == Outcome.MISSED) {
                r.example("MISSED: no kernel span for the " + g);
            }
        }

        Map<String, Integer> ownExports = new TreeMap<>();
        Map<String, Integer> otherOtel = new TreeMap<>();
        for (TelemetrySpan p : otel) {
            if (isOwnExport(p, s)) {
                ownExports.merge(p.kind() + " '" + p.name() + "' on " + group(p.threadName()), 1, Integer::sum);
            } else if (!requestTraces.contains(p.traceId())) {
                otherOtel.merge(p.kind() + " '" + p.name() + "'", 1, Integer::sum);
            }
            if (p.name().startsWith("app-work ") && !p.attribute("app.request.id").isEmpty()) {
                long id = Long.parseLong(p.attribute("app.request.id"));
                ScenarioResult r = measured.contains(id) ? scenarios.get(scenarioOf.get(id)) : null;
                if (r != null) {
                    r.manualSpans++;
                    if (p.traceId().equals(traceOf.get(id))) {
                        r.manualSpansInRequestTrace++;
                    }
                }
            }
        }
        return new Result(scenarios, staleOutside, staleOutsideByThread, ownThreadsParented, ownExports, otherOtel,
                aroundWork, carrierDuringSleep, clockCorrection.size(),
                clockCorrection.values().stream().mapToLong(Long::longValue).max().orElse(0), outsideExamples);
    }

    /**
     * The kernel spans with each thread's full name: a span of a thread the ebpf-agent had not
     * named yet (just started) carries the kernel's 15-character {@code comm}
     * ({@code ForkJoinPool-1-}); it gets the longest name that a span of the same
     * {@code thread.native_id} has and that begins with it.
     */
    static List<TelemetrySpan> fullThreadNames(List<TelemetrySpan> kernel) {
        Map<String, String> longest = new HashMap<>();
        for (TelemetrySpan k : kernel) {
            String tid = k.attribute("thread.native_id");
            if (!tid.isEmpty()) {
                longest.merge(tid, k.threadName(), (a, b) -> b.length() > a.length() && b.startsWith(a) ? b : a);
            }
        }
        return kernel.stream().map(k -> {
            String full = longest.get(k.attribute("thread.native_id"));
            if (full == null || full.equals(k.threadName()) || !full.startsWith(k.threadName())) {
                return k;
            }
            Map<String, String> a = new HashMap<>(k.attributes());
            a.put("thread.name", full);
            return new TelemetrySpan(k.traceId(), k.spanId(), k.parentSpanId(), k.name(), k.kind(), k.start(),
                    k.end(), Map.copyOf(a));
        }).toList();
    }

    /**
     * Per trace, how much later the OTel agent's span times must be to respect what surely
     * happened: the SERVER span ends after the app's handler returned ({@code request} envelope
     * end), a manual span after the work inside it (its last sleep, fsync, hand-off or lock).
     *
     * <p>Why: the SDK times all spans of a trace from one anchor, an epoch reading followed by a
     * {@code nanoTime} reading taken when the root span starts; a thread preempted between the
     * two readings shifts every span of that trace earlier by the preemption (seen here: up to
     * 3 ms, on a few traces per thousand under load). The smallest shift restoring the order is
     * applied; the true shift may be somewhat larger (by the natural gap between handler end and
     * span end, a few hundred microseconds), so corrected times are still never late.
     */
    static Map<String, Long> clockCorrections(List<Segment> segments, List<TelemetrySpan> otel) {
        Map<Long, Long> handlerEnd = new HashMap<>();
        Map<Long, Long> workEnd = new HashMap<>();
        for (Segment g : segments) {
            if (g.kind().equals("request")) {
                handlerEnd.merge(g.id(), g.end(), Math::max);
            } else if (Set.of("sleep", "fsync", "lock", "handoff").contains(g.kind())) {
                workEnd.merge(g.id(), g.end(), Math::max);
            }
        }
        Map<String, Long> correction = new HashMap<>();
        for (TelemetrySpan p : otel) {
            Long mustEndAfter = null;
            if (p.kind().equals("SERVER")) {
                long id = requestId(p);
                mustEndAfter = id >= 0 ? handlerEnd.get(id) : null;
            } else if (p.name().startsWith("app-work ") && !p.attribute("app.request.id").isEmpty()) {
                mustEndAfter = workEnd.get(Long.parseLong(p.attribute("app.request.id")));
            }
            if (mustEndAfter != null && mustEndAfter > p.end()) {
                correction.merge(p.traceId(), mustEndAfter - p.end(), Math::max);
            }
        }
        return correction;
    }

    /** How close to an envelope's edge an interval in the OTel agent's scope around it may lie. */
    private static final long EDGE_NS = 1_000_000L;

    /**
     * Whether {@code k}, which began in no segment, is at the edge of an envelope ({@code request},
     * {@code task}, {@code mounted}) of the request whose trace it is in, on its thread: it ended
     * before the envelope began, while the OTel agent's wrapper had already made the request's
     * context current (around a pool task; on a carrier, around the {@code runContinuation} task
     * that mounts a new virtual thread, submitted from the request thread), and the thread
     * reached the app's code within 1 ms after resuming, or did nothing else until then (see
     * {@link #nothingElseBefore}: seen on a new carrier and a new pool thread, cold, 16-48 ms off-CPU
     * and up to 40 ms more before the task began); or it began within 1 ms after the envelope ended, in the OTel agent's scope
     * that is still open there (around a pool task: until {@code FutureTask.run} returns; a virtual
     * thread stays mounted with its context until its task has completed and it terminates, or
     * until its sleep has yielded), and either
     * <ul>
     * <li>was preempted (involuntary), or</li>
     * <li>was a wait (voluntary: seen on loaded machines, 10-120 ms, e.g. a virtual thread's
     * carrier blocked while still finishing the task or yielding) after which the thread dropped
     * the context itself, doing no other work: its next kernel span on the thread, within 1 ms
     * after {@code k} ended, has no parent, and no segment began or ended on the thread in
     * between (see {@link #droppedItsContextRightAfter}).</li>
     * </ul>
     * A voluntary wait just after the work that the thread does not leave with its context
     * dropped is not excused: that is where a context left behind shows, on a thread idle until
     * the next work arrives.
     */
    private static boolean atTheEdgeOfItsWork(TelemetrySpan k, List<Segment> onThread, Map<Long, String> traceOf,
                                              Settings s, List<TelemetrySpan> kernelOnThread,
                                              List<Long> boundariesOnThread) {
        boolean preempted = k.attribute("off_cpu.reason").equals("involuntary");
        for (Segment g : onThread) {
            if (!Segment.ENVELOPES.contains(g.kind()) || !k.traceId().equals(traceOf.get(g.id()))) {
                continue;
            }
            boolean before = k.end() <= g.start() + s.openToleranceNs() && (k.end() >= g.start() - EDGE_NS
                    || nothingElseBefore(k, g.start(), kernelOnThread, boundariesOnThread));
            boolean after = k.start() >= g.end() - s.openToleranceNs() && k.start() <= g.end() + EDGE_NS
                    && (preempted || droppedItsContextRightAfter(k, kernelOnThread, boundariesOnThread));
            if (before || after) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the thread of {@code k} did no other work between {@code k} and the envelope of k's
     * request beginning at {@code envelopeStart}: no segment began or ended on the thread in
     * between, and each kernel span of the thread in between has k's parent or none. A context
     * there that belongs to the work the thread does next cannot have been left behind by earlier
     * work (a carrier left with a virtual thread's context over its sleep, then mounting it again,
     * is counted apart before this is asked: see {@link #virtualSleepOfItsRequest}).
     */
    private static boolean nothingElseBefore(TelemetrySpan k, long envelopeStart, List<TelemetrySpan> kernelOnThread,
                                             List<Long> boundariesOnThread) {
        for (long b : boundariesOnThread) {
            if (b > k.start() && b < envelopeStart) {
                return false;
            }
        }
        for (TelemetrySpan n : kernelOnThread) {
            if (n != k && n.start() >= k.end() && n.start() < envelopeStart && n.hasParent()
                    && !(n.traceId().equals(k.traceId()) && n.parentSpanId().equals(k.parentSpanId()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the thread of {@code k} had dropped the context right after {@code k} ended: the
     * next kernel span on the thread began within 1 ms after {@code k} ended and has no parent (the
     * thread waited again, now without a span), and no segment began or ended on the thread since
     * {@code k} began (it did no other work). A context left behind on an idle thread stays until
     * the thread's next work replaces it, so its next wait would have the same parent, or come
     * after a segment of that next work.
     */
    private static boolean droppedItsContextRightAfter(TelemetrySpan k, List<TelemetrySpan> kernelOnThread,
                                                       List<Long> boundariesOnThread) {
        TelemetrySpan next = null;
        for (TelemetrySpan n : kernelOnThread) {
            if (n != k && n.start() >= k.end() && (next == null || n.start() < next.start())) {
                next = n;
            }
        }
        if (next == null || next.hasParent() || next.start() - k.end() > EDGE_NS) {
            return false;
        }
        for (long b : boundariesOnThread) {
            if (b > k.start() && b <= next.start()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The sleep of a virtual thread, on the carrier of {@code k} at the sleep's start or end, in
     * which {@code k} began and whose request's trace {@code k} is in; null if none. The virtual
     * thread stays mounted for a moment after its sleep began (until it unmounts) and is mounted
     * again a moment before it ended (after the wake-up), neither of which the app can time: an
     * interval of the carrier there with the sleeping request's context is not told apart.
     */
    /**
     * The segments of {@code k}'s request, in ms from {@code k}'s start ({@code kind thread->threadEnd
     * [start, end]}): what a failure report needs to tell a harness gap from a stale context.
     */
    private static String segmentsOfTrace(List<Segment> segments, Map<Long, String> traceOf, TelemetrySpan k) {
        StringBuilder b = new StringBuilder();
        for (Segment g : segments) {
            if (k.traceId().equals(traceOf.get(g.id()))) {
                b.append(String.format(java.util.Locale.ROOT, "%s %s->%s [%+.1f, %+.1f] ", g.kind(), g.thread(),
                        g.threadEnd(), (g.start() - k.start()) / 1e6, (g.end() - k.start()) / 1e6));
            }
        }
        return b.toString().strip();
    }

    private static Segment virtualSleepOfItsRequest(TelemetrySpan k, Map<String, List<Segment>> virtualSleeps,
                                                    Map<Long, String> traceOf, Settings s) {
        for (Segment g : virtualSleeps.getOrDefault(k.threadName(), List.of())) {
            if (g.contains(k.start(), s.openToleranceNs()) && k.traceId().equals(traceOf.get(g.id()))) {
                return g;
            }
        }
        return null;
    }

    private static Category category(TelemetrySpan k, TelemetrySpan parent, String requestTrace,
                                     Set<String> requestTraces, Settings s) {
        if (!k.hasParent()) {
            return Category.ORPHANED;
        }
        if (parent == null) {
            // the trace id alone still tells another request's trace apart
            return requestTraces.contains(k.traceId()) && !k.traceId().equals(requestTrace)
                    ? Category.WRONG_TRACE : Category.UNKNOWN_PARENT;
        }
        if (!open(parent, k, s)) {
            return Category.STALE;
        }
        return k.traceId().equals(requestTrace) ? Category.CORRECT : Category.WRONG_TRACE;
    }

    /** Whether {@code parent} was open when {@code k} began. */
    private static boolean open(TelemetrySpan parent, TelemetrySpan k, Settings s) {
        return parent.start() <= k.start() + s.openToleranceNs() && parent.end() >= k.start() - s.openToleranceNs();
    }

    private static boolean isOwnExport(TelemetrySpan p, Settings s) {
        if (p.threadName().startsWith("ebpf-agent")) {
            return true;
        }
        int port = port(p);
        return (p.kind().equals("CLIENT") && port == s.ebpfOtlpPort())
                || (p.kind().equals("SERVER") && s.prometheusPort() > 0 && port == s.prometheusPort());
    }

    /** {@code server.port}, else the port of {@code url.full}, else -1. */
    private static int port(TelemetrySpan p) {
        String port = p.attribute("server.port");
        if (!port.isEmpty()) {
            try {
                return Integer.parseInt(port);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        String url = p.attribute("url.full");
        try {
            return url.isEmpty() ? -1 : java.net.URI.create(url).getPort();
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** The {@code id=N} of a SERVER span's query ({@code url.query}, else {@code url.full}), or -1. */
    public static long requestId(TelemetrySpan server) {
        String query = server.attribute("url.query");
        if (query.isEmpty()) {
            String full = server.attribute("url.full");
            int q = full.indexOf('?');
            query = q >= 0 ? full.substring(q + 1) : "";
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("id=")) {
                try {
                    return Long.parseLong(pair.substring(3));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** A thread name with its digit runs replaced by {@code *} ({@code app-pool-3} -> {@code app-pool-*}). */
    static String group(String thread) {
        return thread.isEmpty() ? "(no thread.name)" : thread.replaceAll("\\d+", "*");
    }
}
