package io.ebpfagent.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.demo.report.DemoRunner;
import io.ebpfagent.demo.report.SpanRecord;
import io.ebpfagent.e2e.correlation.JettyDeployment;
import io.ebpfagent.e2e.support.AgentJvm;
import io.ebpfagent.e2e.support.JavaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A short {@code ./run demo}: the shop under both agents for a few seconds, then the report. The
 * report must show the OpenTelemetry Java agent's server spans with a non-zero kernel breakdown,
 * the slowest requests as trees with kernel child spans, the thread groups of the shop, and the
 * checkouts that GC pauses stopped.
 */
class DemoIT {
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @Test
    void shortDemoReportsServerSpansWithTheirKernelBreakdown() throws Exception {
        Path work = Files.createTempDirectory("demo-it");
        try {
            check(work);
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void check(Path work) throws Exception {
        Path root = JavaProcess.repoRoot();
        DemoRunner.Options o = DemoRunner.Options.parse(new String[] {
                "--agent=" + AgentJvm.agentJar(),
                "--otel-agent=" + JettyDeployment.otelJavaagentJar(),
                "--config=" + root.resolve("demo-apps/config/demo-agent.yaml"),
                "--seconds=8", "--concurrency=4", "--prometheus-port=0", "--work-dir=" + work})
                .withClassPath(BackendDocsIT.shopClassPath());
        DemoRunner.Outcome outcome = DemoRunner.run(o);

        assertThat(outcome.loadOk()).as("load without errors").isTrue();
        assertThat(outcome.report()).as("report").isNotNull();
        String report = outcome.report();
        List<SpanRecord> servers = outcome.store().spans().stream()
                .filter(s -> s.kind().equals("SERVER") && !s.isKernel()).toList();
        assertThat(servers).extracting(SpanRecord::name).contains("GET /checkout", "GET /inventory");
        // the requests after the probes ran carry the breakdown; a checkout waits on the network
        // (its /inventory call) and runs on a CPU
        List<SpanRecord> checkouts = servers.stream().filter(s -> s.name().equals("GET /checkout")).toList();
        assertThat(checkouts).anySatisfy(s -> {
            assertThat(s.number("kernel.cpu.time")).isPositive();
            assertThat(s.number("kernel.wait.network.time")).isPositive();
        });
        // kernel child spans under application spans of the same trace
        assertThat(outcome.store().spans()).anySatisfy(s -> {
            assertThat(s.isKernel()).isTrue();
            assertThat(s.isRoot()).isFalse();
        });

        assertThat(report).contains("== Where the time went, per thread group", "shop-http-*",
                "== Requests per route", "GET /checkout", "== The 3 slowest requests, as trace trees ==",
                "== JVM pauses");
        // a route line shows a non-zero mean CPU time per request
        assertThat(report.lines().filter(l -> l.strip().startsWith("GET /checkout ")).findFirst().orElseThrow())
                .matches(".*GET /checkout\\s+\\d+\\s+[\\d.]+\\s+[\\d.]+\\s+(?!0\\.0\\s)[\\d.]+\\s.*");
        // a tree: a root server span with its breakdown, and kernel child spans under it
        assertThat(report).containsPattern("\\n  GET /\\w+ +[\\d.]+ ms {2}trace [0-9a-f]{32}\\n {4}\\[cpu [\\d.]+")
                .containsPattern("[├└]─ [a-z].* [\\d.]+ ms {2}\\(kernel, ");
        // the checkout's HTTP call: a client span whose child is the /inventory server span
        List<SpanRecord> all = outcome.store().spans();
        java.util.Set<String> clients = all.stream().filter(s -> s.kind().equals("CLIENT")).map(SpanRecord::spanId)
                .collect(java.util.stream.Collectors.toSet());
        assertThat(all).filteredOn(s -> s.name().equals("GET /inventory"))
                .anySatisfy(inv -> assertThat(clients).contains(inv.parentSpanId()));
        // every checkout drops a 4 MiB order document: young GCs stop checkouts while they run.
        // The server spans carry the overlap (the VM thread's gc pause spans cannot say which
        // request a pause stopped), a safepoint contains a GC pause, and the report counts them
        List<SpanRecord> stopped = checkouts.stream().filter(s -> s.number("kernel.gc.pause.time") > 0).toList();
        assertThat(stopped).as("checkouts in a GC pause").isNotEmpty().allSatisfy(s -> assertThat(
                s.number("kernel.safepoint.time")).isGreaterThanOrEqualTo(s.number("kernel.gc.pause.time")));
        assertThat(report).contains("pauses that stopped a request (kernel.gc.pause.time, kernel.safepoint.time "
                + "of server spans):\n").containsPattern("\n    GET /checkout +of " + checkouts.size() + ": "
                + stopped.size() + " in a GC pause, [\\d.]+m?s in all, longest [\\d.]+m?s; \\d+ at a safepoint");
        assertThat(report.lines().count()).as("a screen or two").isLessThan(80);
        // the agent's CPU per thread group adds up to what /proc says of the whole process (read
        // just before the stop; the agent's last collection may be a second before or after it)
        java.util.regex.Matcher cpu = java.util.regex.Pattern.compile(
                "CPU of all \\d+ groups: ([\\d.]+) s; /proc/PID/stat said ([\\d.]+) s").matcher(report);
        assertThat(cpu.find()).as("CPU cross-check line").isTrue();
        double agent = Double.parseDouble(cpu.group(1));
        double proc = Double.parseDouble(cpu.group(2));
        assertThat(agent).as("agent's CPU sum vs /proc (%.2f s)", proc).isBetween(proc * 0.9 - 2.5, proc * 1.1 + 2.5);
        assertThat(work.resolve("report.txt")).hasContent(report);

        // bounded cardinality: what a Prometheus server scraping the shop would store
        String prometheus = outcome.prometheus();
        assertThat(prometheus).as("the shop's Prometheus endpoint at the end of the load").isNotNull();
        assertThat(prometheus).contains("kernel_span_time_seconds_bucket", "process_cpu_time_seconds_total");
        assertThat(DemoRunner.seriesCount(prometheus)).as("Prometheus series of the demo shop under %s",
                "demo-agent.yaml").isLessThan(500);
        if (java.nio.file.Files.isExecutable(PROMTOOL)) {
            assertThat(SignalsIT.promtool(prometheus)).as("promtool check metrics on the shop's endpoint").isEmpty();
        }
    }
}
