package io.ebpfagent.e2e.bench;

import io.ebpfagent.e2e.correlation.CorrelationCheck;
import io.ebpfagent.e2e.correlation.CorrelationCheck.Category;
import io.ebpfagent.e2e.correlation.CorrelationCheck.Outcome;
import io.ebpfagent.e2e.correlation.CorrelationCheck.ScenarioResult;
import io.ebpfagent.e2e.correlation.JettyDeployment;
import io.ebpfagent.e2e.correlation.JettyDeployment.Load;
import io.ebpfagent.e2e.correlation.JettyDeployment.Options;
import io.ebpfagent.e2e.correlation.JettyDeployment.Order;
import io.ebpfagent.e2e.correlation.JettyDeployment.Request;
import io.ebpfagent.e2e.correlation.JettyDeployment.Variant;
import io.ebpfagent.e2e.support.JavaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The correlation benchmark (a program, not a test): how many kernel intervals the ebpf-agent
 * puts under the right application span in a Jetty 12 server instrumented by the official
 * OpenTelemetry Java agent, for both {@code -javaagent} orders and both app variants (without
 * and with the OpenTelemetry API). Run with {@code ./run bench-correlation}; writes the section
 * "Correlation under the OpenTelemetry Java agent" of docs/benchmarks.md. The method is
 * {@link CorrelationCheck}'s, the deployment {@link JettyDeployment}'s.
 *
 * <p>Settings: {@code -Dbench.requests=400} per scenario, {@code -Dbench.concurrency=8} client
 * threads, {@code -Dbench.variants=no-api,with-api}, {@code -Dbench.orders=otel-first,ebpf-first},
 * {@code -Dbench.standalone=true}, {@code -Dbench.write=true} (false: print only),
 * {@code -Dbench.dump=<dir>} (write each run's segments and spans there, for a closer look),
 * {@code -Dbench.replay=<dir>} (classify such dumps again instead of running).
 */
public final class CorrelationBenchmark {
    private static final String MARKER = "<!-- correlation-benchmark -->";
    private static final Duration THRESHOLD = Duration.ofMillis(10);

    record Run(Options options, Load load, CorrelationCheck.Result result, double seconds, List<String> agentLog) {
    }

    private CorrelationBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String replay = System.getProperty("bench.replay");
        if (replay != null) {
            // classify dumped runs again: -Dbench.replay=<dump dir> (one subdirectory per run)
            int perScenario = Integer.getInteger("bench.requests", 400);
            Set<Long> measured = JettyDeployment.requests(perScenario, 1).stream().map(Request::id)
                    .collect(Collectors.toSet());
            try (var runs = Files.list(Path.of(replay))) {
                for (Path run : runs.sorted().toList()) {
                    System.out.println("== " + run.getFileName() + "\n" + JettyDeployment.classify(run, measured));
                }
            }
            return;
        }
        int perScenario = Integer.getInteger("bench.requests", 400);
        int concurrency = Integer.getInteger("bench.concurrency", 8);
        boolean standalone = Boolean.parseBoolean(System.getProperty("bench.standalone", "true"));
        List<Variant> variants = parse(System.getProperty("bench.variants", "no-api,with-api"), Variant.class);
        List<Order> orders = parse(System.getProperty("bench.orders", "otel-first,ebpf-first"), Order.class);
        Path root = JavaProcess.repoRoot();
        JettyDeployment.otelJavaagentJar(); // fail early when not built

        long begin = System.nanoTime();
        List<Run> runs = new ArrayList<>();
        for (Variant variant : variants) {
            for (Order order : orders) {
                Options options = new Options(order, variant, THRESHOLD, standalone);
                Run run = measure(options, perScenario, concurrency);
                runs.add(run);
                System.out.printf(Locale.ROOT, "%n== %s: %d requests in %.1f s (%d failed), run %.0f s%n%s%n",
                        options.label(), run.load().requests(), run.load().seconds(), run.load().failures(),
                        run.seconds(), run.result());
                run.result().scenarios().values().forEach(s -> s.examples().forEach(e -> System.out.println("  " + e)));
                run.result().examples().forEach(e -> System.out.println("  outside: " + e));
            }
        }
        double minutes = (System.nanoTime() - begin) / 60e9;
        String report = report(runs, perScenario, concurrency, standalone, minutes);
        System.out.println();
        System.out.println(report);
        if (Boolean.parseBoolean(System.getProperty("bench.write", "true"))) {
            System.out.println("written to " + BenchmarksDoc.writeSection(root, MARKER, report));
        }
    }

    private static Run measure(Options options, int perScenario, int concurrency) throws Exception {
        long begin = System.nanoTime();
        String name = "jetty-" + options.order().name().toLowerCase(Locale.ROOT) + "-"
                + options.variant().name().toLowerCase(Locale.ROOT);
        try (JettyDeployment d = JettyDeployment.start(name, options)) {
            d.warmUp(10, concurrency);
            List<Request> requests = JettyDeployment.requests(perScenario, 1);
            Set<Long> measured = requests.stream().map(Request::id).collect(Collectors.toSet());
            Load load = d.drive(requests, concurrency, true);
            d.awaitSpans(measured, load.lastEndEpochNs());
            CorrelationCheck.Result result = d.classify(measured);
            String dump = System.getProperty("bench.dump");
            if (dump != null) {
                d.dump(Path.of(dump).resolve(name));
            }
            return new Run(options, load, result, (System.nanoTime() - begin) / 1e9, d.ebpfAgentLog());
        }
    }

    private static <E extends Enum<E>> List<E> parse(String list, Class<E> type) {
        List<E> out = new ArrayList<>();
        for (String item : list.split(",")) {
            if (!item.isBlank()) {
                out.add(Enum.valueOf(type, item.strip().toUpperCase(Locale.ROOT).replace('-', '_')));
            }
        }
        return out;
    }

    static String report(List<Run> runs, int perScenario, int concurrency, boolean standalone, double minutes) {
        StringBuilder b = new StringBuilder();
        b.append("## Correlation under the OpenTelemetry Java agent (").append(LocalDate.now()).append(")\n\n");
        b.append("""
                Does a kernel interval (off-CPU wait, fsync) land under the application span that was \
                current on the thread, in a real deployment? A Jetty 12 core server \
                (`e2e/.../apps/JettyCorrelationApp`, a `Handler.Abstract`, no servlet) runs with the official \
                OpenTelemetry Java agent (`opentelemetry-javaagent` %s) and `agent/target/ebpf-agent.jar`, in \
                both `-javaagent` orders. Each agent exports its spans over OTLP/HTTP to its own in-process \
                receiver (otel-exporter's `OtlpReceiver`); the ebpf-agent runs the sched and io probes \
                (`probes.sched.offcpu_threshold: %dms`, `spans.mode: spans`, `spans.standalone: %s`%s) and \
                also serves Prometheus on loopback, scraped every 2 s during the load. \
                Reproduce: `./run bench-correlation` (%d requests per scenario, %d client threads, scenarios \
                interleaved, after 10 warm-up requests per scenario; this run took %.1f min).

                Scenarios (every request `?id=N`; the app records each work segment: request, kind, OS \
                thread, start and end in epoch ns):
                - `direct`: on the Jetty request thread: sleep 30 ms, write 4 KiB to a new file and fsync \
                it, wait for a `ReentrantLock` a holder thread (started before any request, so without \
                span context) took just before and keeps 30 ms.
                - `pool`: sleep 30 ms and the fsync as a task of `Executors.newFixedThreadPool(4)` \
                (`app-pool-N`); the request thread waits in `submit(...).get()`. The OTel agent propagates \
                the context into the task.
                - `virtual`: the same on a virtual thread (`newVirtualThreadPerTaskExecutor`). The sleep \
                unmounts the virtual thread: its carrier does not block, so no interval is expected for \
                it; the fsync blocks the carrier with the virtual thread mounted.
                - Variant "with API": the OpenTelemetry API is on the app's class path and each request's \
                work runs inside a manual span made current on the thread doing it; "no API": only the \
                OTel agent's SERVER span.

                Classification (`e2e/.../correlation/CorrelationCheck`): a request's trace is that of the \
                OTel agent's SERVER span with `url.query` `id=N`. Where a trace's span times contradict \
                the app's (a SERVER span ending before the handler returned, a manual span before its \
                work), the trace's times are moved later by the smallest amount that restores the \
                order: the SDK times a trace from one epoch + `nanoTime` anchor taken at the root span, \
                and a preemption between the two readings shifts the whole trace earlier (a few traces \
                per thousand here, by up to several ms; counted in the last column). An interval is expected for every \
                platform-thread sleep, lock wait and wait for the task of at least threshold + 2 ms, and \
                every fsync (platform thread, or virtual thread on one carrier) whose time minus the time \
                its thread waited for a CPU meanwhile (schedstat `run_delay`; after the call returned it \
                is in the app's segment, not in the system call) is at least 1 ms (the io probe's fsync \
                threshold) + 1 ms. A kernel span belongs to the segment on the same thread \
                (`thread.name`, the carrier for a virtual thread) in which it began (a virtual thread \
                occupies its carrier in its fsync and in the stretches between its start, its sleep and \
                its end, which the app records as `mounted`). It is **correct** if its parent is a span of the request's trace that \
                was open when the interval began; **stale** if the parent had ended before the interval \
                began (any trace); **wrong-trace** if the parent is open but in another trace; \
                **orphaned** without a parent; **unknown** if the parent is no span the OTel agent \
                exported. "Open" allows 20 µs of clock error: the kernel's intervals were measured to lie \
                3-20 µs inside the app's segments, while a thread that goes idle right after its request \
                does so ~50 µs after the span ended. An expected interval takes the worst category of its \
                kernel spans, or **missed** when it has none; `%% correct` is correct expected intervals \
                over all expected intervals. `not within parent` counts correct kernel spans that stick \
                out of their parent's time window by more than 2 ms. Kernel spans with a parent that \
                belong to no request work are **stale-outside**, except those just around the app's \
                work in the scope the OTel agent keeps open around it: on the parent's own thread while \
                it was open (Jetty around the handler), ending before a task or handler of the same \
                trace began (switched out in the agent's wrapper) with the thread in that work within \
                1 ms after resuming or doing nothing else until then (a new pool thread or carrier, \
                cold), or beginning within 1 ms after one ended, preempted, or waiting and then \
                dropping the context itself: its next kernel span, within 1 ms, has no parent, with no \
                work in between (a wait after which the thread idles with the context is not excused: \
                that is where a context left behind shows). Kernel \
                spans of a carrier that began during the sleep of a virtual thread, in that request's \
                trace, are counted apart: the virtual thread is still mounted for a moment after its \
                sleep began and again shortly before it ended, which Java cannot time, so a carrier \
                preempted then cannot be told from one left with the context after unmounting. Also \
                counted: spans in the OTel agent's output caused by the ebpf-agent's own exports (CLIENT \
                spans to its OTLP port, SERVER spans of its Prometheus port, spans on `ebpf-agent-*` \
                threads) and kernel spans with a parent on `ebpf-agent-*` threads.

                Reference: OpenTelemetry eBPF Instrumentation reported 79%% orphaned and 15.8%% attached \
                to another request's trace for a thread-pool hand-off (its issue 2259). \
                Goal: >= 99%% correct, 0 stale, 0 wrong-trace in every scenario and both orders; 0 spans \
                of the agent's own exports.

                """.formatted(otelAgentVersion(), THRESHOLD.toMillis(), standalone,
                standalone ? ": an interval without a parent is exported as a root span and counts as orphaned, not missed" : "",
                perScenario, concurrency, minutes));
        b.append("| order | variant | scenario | requests | expected intervals | correct | stale | wrong-trace |"
                + " orphaned | unknown | missed | kernel spans correct/stale/wrong/orphaned/unknown |"
                + " not within parent |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run run : runs) {
            for (ScenarioResult s : run.result().scenarios().values()) {
                String kinds = s.expectedByKind().entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue()[0]).collect(Collectors.joining(", "));
                b.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %d (%s) | %.1f%% | %d | %d | %d | %d | %d |"
                                + " %d/%d/%d/%d/%d | %d |%n",
                        run.options().order().label(), run.options().variant().label(), s.scenario(), s.requests(),
                        s.expected(), kinds, 100 * s.correctFraction(), s.segments(Outcome.STALE),
                        s.segments(Outcome.WRONG_TRACE), s.segments(Outcome.ORPHANED),
                        s.segments(Outcome.UNKNOWN_PARENT), s.segments(Outcome.MISSED), s.spans(Category.CORRECT),
                        s.spans(Category.STALE), s.spans(Category.WRONG_TRACE), s.spans(Category.ORPHANED),
                        s.spans(Category.UNKNOWN_PARENT), s.containmentViolations()));
            }
        }
        b.append("\n| order | variant | load | stale-outside | carrier during its request's virtual sleep |"
                + " parented kernel spans on ebpf-agent threads | OTel spans from the ebpf-agent's own exports |"
                + " manual spans in the request's trace | OTel trace clocks corrected |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Run run : runs) {
            CorrelationCheck.Result r = run.result();
            String manual = r.scenarios().values().stream().filter(s -> s.manualSpans() > 0)
                    .map(s -> s.scenario() + " " + s.manualSpansInRequestTrace() + "/" + s.manualSpans())
                    .collect(Collectors.joining(", "));
            b.append(String.format(Locale.ROOT,
                    "| %s | %s | %d requests in %.1f s, %d failed | %d%s | %d | %d | %d%s | %s | %d (max %.2f ms) |%n",
                    run.options().order().label(), run.options().variant().label(), run.load().requests(),
                    run.load().seconds(), run.load().failures(), r.staleOutside(),
                    r.staleOutsideByThread().isEmpty() ? "" : " " + r.staleOutsideByThread(),
                    r.carrierDuringSleep(), r.ownThreadsParented(), r.ownExportCount(),
                    r.ownExports().isEmpty() ? "" : " " + r.ownExports(), manual.isEmpty() ? "-" : manual,
                    r.clockCorrectedTraces(), r.maxClockCorrectionNs() / 1e6));
        }
        b.append("\n");
        return b.toString();
    }

    private static String otelAgentVersion() {
        try {
            String name = JettyDeployment.otelJavaagentJar().getFileName().toString();
            return name.replace("opentelemetry-javaagent-", "").replace(".jar", "");
        } catch (Exception e) {
            return "?";
        }
    }
}
