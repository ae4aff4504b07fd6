package io.ebpfagent.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.e2e.correlation.CorrelationCheck;
import io.ebpfagent.e2e.correlation.JettyDeployment;
import io.ebpfagent.e2e.correlation.JettyDeployment.Load;
import io.ebpfagent.e2e.correlation.JettyDeployment.Options;
import io.ebpfagent.e2e.correlation.JettyDeployment.Order;
import io.ebpfagent.e2e.correlation.JettyDeployment.Request;
import io.ebpfagent.e2e.correlation.JettyDeployment.Variant;
import io.ebpfagent.e2e.correlation.Segment;
import io.ebpfagent.e2e.correlation.TelemetrySpan;
import io.ebpfagent.e2e.support.ChildOutput;
import io.ebpfagent.e2e.support.JavaProcess;
import io.ebpfagent.e2e.support.LiveSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The per-span kernel-time breakdown on the spans of the OpenTelemetry Java agent: the Jetty
 * SERVER spans of {@code apps.JettyCorrelationApp} (no OpenTelemetry API in the app), in both
 * {@code -javaagent} orders, carry {@code kernel.*} attributes that match what each request did:
 * <ul>
 * <li>{@code /direct}: a 30 ms sleep, a lock held ~30 ms by another thread and the wait for that
 * thread to take it, on the request thread;</li>
 * <li>{@code /pool}: the 30 ms sleep on a pool thread (it counts in the request's span through the
 * propagated context) while the request thread waits for the task ({@code Future.get()}: a lock
 * wait);</li>
 * <li>{@code /virtual}: the request thread's wait for the virtual task, and the task's 4 KiB write
 * (made while it was mounted: its carrier's I/O);</li>
 * <li>{@code /late}: the pool task's sleep and write, made before it ended the request's wait,
 * although its scope closes 200 ms after the request's span ended.</li>
 * </ul>
 * Lower bounds only where the app guarantees the time (the machine may add run-queue waits, which
 * go to {@code kernel.runqueue.time}); and no request's span may show time that its work cannot
 * have (a sleep in a span that never slept).
 */
class SpanBreakdownIT {
    private static final int PER_SCENARIO = 10;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Order.class)
    void serverSpansOfTheOtelJavaagentCarryTheirKernelTime(Order order) throws Exception {
        Options options = new Options(order, Variant.NO_API, Duration.ofMillis(10), false);
        String name = "breakdown-" + order.name().toLowerCase(Locale.ROOT);
        try (JettyDeployment d = JettyDeployment.start(name, options)) {
            ChildOutput.onFailure(d.process(), () -> check(d));
        }
    }

    /**
     * {@code spans.breakdown} switched off and on again while the service runs, by loading the agent
     * jar into it once more with the setting (dynamic attach): the server spans of requests sent
     * while it is off carry no {@code kernel.*} attribute, those sent after it is on again do.
     */
    @Test
    void switchedOffAndOnWhileTheServiceRuns() throws Exception {
        Options options = new Options(Order.OTEL_FIRST, Variant.NO_API, Duration.ofMillis(10), false);
        Path agentJar = JavaProcess.repoRoot().resolve("agent/target/ebpf-agent.jar");
        try (JettyDeployment d = JettyDeployment.start("breakdown-switch", options)) {
            ChildOutput.onFailure(d.process(), () -> {
                d.warmUp(3, 2);
                Map<Long, TelemetrySpan> on = serve(d, 1);
                LiveSettings.apply(d.process(), agentJar, "spans.breakdown=false", "spans\\.breakdown switched off",
                        Duration.ofSeconds(60));
                Map<Long, TelemetrySpan> off = serve(d, 1_001);
                LiveSettings.apply(d.process(), agentJar, "spans.breakdown=true", "spans\\.breakdown switched on",
                        Duration.ofSeconds(60));
                Map<Long, TelemetrySpan> onAgain = serve(d, 2_001);
                SoftAssertions soft = new SoftAssertions();
                for (Map<Long, TelemetrySpan> spans : List.of(on, onAgain)) {
                    for (TelemetrySpan span : spans.values()) {
                        soft.assertThat(seconds(span, "kernel.cpu.time")).as("breakdown on: %s", span.attributes())
                                .isPositive();
                    }
                }
                for (TelemetrySpan span : off.values()) {
                    soft.assertThat(span.attributes().keySet()).as("breakdown off: %s", span.attributes())
                            .noneMatch(k -> k.startsWith("kernel."));
                }
                soft.assertAll();
            });
        }
    }

    /** Serves 3 requests per scenario from id {@code firstId}; answers their server spans by request id. */
    private static Map<Long, TelemetrySpan> serve(JettyDeployment d, long firstId) throws Exception {
        return serve(d, JettyDeployment.requests(3, firstId));
    }

    /** Serves {@code requests} from 2 client threads; answers their server spans by request id. */
    private static Map<Long, TelemetrySpan> serve(JettyDeployment d, List<Request> requests) throws Exception {
        Set<Long> ids = requests.stream().map(Request::id).collect(Collectors.toSet());
        Load load = d.drive(requests, 2, false);
        assertThat(load.failures()).as("failed requests: %s", load.errors()).isZero();
        d.awaitSpans(ids, load.lastEndEpochNs());
        Map<Long, TelemetrySpan> servers = new HashMap<>();
        for (TelemetrySpan s : d.otelSpans()) {
            long id = s.kind().equals("SERVER") ? CorrelationCheck.requestId(s) : -1;
            if (ids.contains(id)) {
                servers.put(id, s);
            }
        }
        assertThat(servers.keySet()).as("precondition: a SERVER span per request").isEqualTo(ids);
        return servers;
    }

    /**
     * A lower bound of the time a request thread was blocked in a wait the app timed at
     * {@code appNs}: a thread that a loaded machine holds back reaches the wait late or leaves
     * it late, so of the app's time whatever the thread may have spent runnable or running (all
     * of the span's run-queue and CPU time, the task's included, which only lowers the bound) is
     * taken off; what is left it spent blocked, and in that stretch it blocks on nothing else.
     */
    private static double blocked(long appNs, TelemetrySpan span) {
        return appNs / 1e9 - seconds(span, "kernel.runqueue.time") - seconds(span, "kernel.cpu.time") - 0.002;
    }

    private static void check(JettyDeployment d) throws Exception {
        d.warmUp(3, 2);
        List<Request> requests = JettyDeployment.requests(PER_SCENARIO, 1);
        Map<Long, String> scenarioOf = requests.stream().collect(Collectors.toMap(Request::id, Request::scenario));
        Map<Long, TelemetrySpan> servers = serve(d, requests);
        // how long each /direct request thread waited in lock(), and each hand-off's request
        // thread for its task, as the app timed it
        Map<Long, Long> lockWaitNs = new HashMap<>();
        Map<Long, Long> taskWaitNs = new HashMap<>();
        for (Segment seg : d.segments()) {
            if (seg.scenario().equals("direct") && seg.kind().equals("lock")) {
                lockWaitNs.merge(seg.id(), seg.end() - seg.start(), Long::sum);
            } else if (seg.kind().equals("wait")) {
                taskWaitNs.merge(seg.id(), seg.end() - seg.start(), Long::sum);
            }
        }

        SoftAssertions soft = new SoftAssertions();
        for (Map.Entry<Long, TelemetrySpan> e : servers.entrySet()) {
            TelemetrySpan span = e.getValue();
            String what = scenarioOf.get(e.getKey()) + " request " + e.getKey() + " " + span.attributes();
            soft.assertThat(seconds(span, "kernel.cpu.time")).as("%s: CPU", what).isPositive();
            // one thread works for /direct; with a hand-off the request thread waits while the task runs
            int threads = scenarioOf.get(e.getKey()).equals("direct") ? 1 : 2;
            soft.assertThat(total(span)).as("%s: kernel time within %d thread(s) for the span's duration", what, threads)
                    .isLessThanOrEqualTo(threads * (span.durationNs() / 1e9 * 1.10 + 0.002));
            // overlaps with pauses: within the span's time on its threads, the GC pause within the safepoint
            soft.assertThat(seconds(span, "kernel.safepoint.time")).as("%s: safepoint overlap", what)
                    .isLessThanOrEqualTo(threads * (span.durationNs() / 1e9 * 1.10 + 0.002))
                    .isGreaterThanOrEqualTo(seconds(span, "kernel.gc.pause.time"));
            for (String count : List.of("kernel.io.read.bytes", "kernel.io.write.bytes", "kernel.io.read.calls",
                    "kernel.io.write.calls")) {
                String v = span.attribute(count);
                soft.assertThat(v).as("%s: %s is an integer on the wire", what, count).matches("|[1-9][0-9]*");
            }
            // counted by the syscalls probe only, which is off here
            soft.assertThat(span.attribute("kernel.syscalls")).as("%s: no kernel.syscalls without the syscalls probe", what)
                    .isEmpty();
            switch (scenarioOf.get(e.getKey())) {
                case "direct" -> {
                    soft.assertThat(seconds(span, "kernel.wait.sleep.time")).as("%s: the 30 ms sleep", what)
                            .isGreaterThanOrEqualTo(0.025);
                    // the holder keeps the lock ~30 ms, but a request thread that a loaded machine
                    // holds back reaches lock() late and waits less (see blocked)
                    long appNs = lockWaitNs.getOrDefault(e.getKey(), 0L);
                    soft.assertThat(appNs).as("%s: the app timed its lock wait", what).isPositive();
                    soft.assertThat(seconds(span, "kernel.wait.lock.time"))
                            .as("%s: the lock wait (the app timed %.1f ms in lock())", what, appNs / 1e6)
                            .isGreaterThanOrEqualTo(Math.min(0.015, blocked(appNs, span)));
                }
                case "pool" -> {
                    soft.assertThat(seconds(span, "kernel.wait.sleep.time"))
                            .as("%s: the pool thread's 30 ms sleep, through the propagated context", what)
                            .isGreaterThanOrEqualTo(0.025);
                    long appNs = taskWaitNs.getOrDefault(e.getKey(), 0L);
                    soft.assertThat(appNs).as("%s: the app timed its wait for the task", what).isPositive();
                    soft.assertThat(seconds(span, "kernel.wait.lock.time"))
                            .as("%s: the request thread waiting for the task (the app timed %.1f ms)", what, appNs / 1e6)
                            .isGreaterThanOrEqualTo(Math.min(0.025, blocked(appNs, span)));
                }
                default -> {
                    long appNs = taskWaitNs.getOrDefault(e.getKey(), 0L);
                    soft.assertThat(appNs).as("%s: the app timed its wait for the task", what).isPositive();
                    soft.assertThat(seconds(span, "kernel.wait.lock.time"))
                            .as("%s: the request thread waiting for the virtual task (the app timed %.1f ms)", what,
                                    appNs / 1e6)
                            .isGreaterThanOrEqualTo(Math.min(0.025, blocked(appNs, span)));
                    // written while the task was mounted (its carrier's I/O), through the propagated
                    // context, whether the task's scope closed before the span ended or after
                    String written = span.attribute("kernel.io.write.bytes");
                    soft.assertThat(written.isEmpty() ? 0 : Long.parseLong(written))
                            .as("%s: the virtual task's 4 KiB write", what).isGreaterThanOrEqualTo(4096);
                }
            }
        }
        // the pool task ends the request's wait and stays in its task (its scope open) 200 ms more
        List<Request> late = java.util.stream.LongStream.range(5_001, 5_007)
                .mapToObj(id -> new Request("late", id)).toList();
        for (Map.Entry<Long, TelemetrySpan> e : serve(d, late).entrySet()) {
            TelemetrySpan span = e.getValue();
            String what = "late request " + e.getKey() + " " + span.attributes();
            soft.assertThat(seconds(span, "kernel.wait.sleep.time"))
                    .as("%s: the pool task's 30 ms sleep, made before the span ended, whose scope closed after", what)
                    .isGreaterThanOrEqualTo(0.025)
                    .as("%s: not the task's 200 ms sleep after the span ended", what).isLessThan(0.15);
            String written = span.attribute("kernel.io.write.bytes");
            soft.assertThat(written.isEmpty() ? 0 : Long.parseLong(written))
                    .as("%s: the pool task's 4 KiB write", what).isGreaterThanOrEqualTo(4096);
        }
        soft.assertAll();
    }

    private static double seconds(TelemetrySpan span, String key) {
        String v = span.attribute(key);
        return v.isEmpty() ? 0 : Double.parseDouble(v);
    }

    private static double total(TelemetrySpan span) {
        return List.of("kernel.cpu.time", "kernel.runqueue.time", "kernel.wait.lock.time", "kernel.wait.network.time",
                "kernel.wait.disk.time", "kernel.wait.sleep.time", "kernel.wait.other.time").stream()
                .mapToDouble(k -> seconds(span, k)).sum();
    }
}
