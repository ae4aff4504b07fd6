package io.ebpfagent.e2e.bench;

import io.ebpfagent.e2e.support.JavaProcess;
import io.ebpfagent.e2e.support.LiveSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Throughput with {@code spans.breakdown} on against off inside one service JVM: the demo service
 * of the overhead benchmark, with the agent (default probes, a method span on every request), is
 * warmed up once, then the breakdown is switched off and on through the agent's live settings
 * (the agent jar loaded again by dynamic attach) in windows ordered off-on, on-off, ... so that a
 * drift of the machine cancels out. Each pair of adjacent windows gives one ratio, on against off.
 * A fresh JVM per variant, as in {@link OverheadBenchmark}'s {@code breakdown} variants, also
 * compares the JIT's decisions of two JVMs, which differ by more than the 1% asked for here.
 *
 * <p>Run: {@code ./run bench-breakdown} ({@code -Dbench.rounds} JVMs, {@code -Dbench.pairs} pairs of
 * windows each, {@code -Dbench.seconds} per window, {@code -Dbench.warmup}, {@code -Dbench.settle}
 * seconds of load after each switch, not measured). Writes its section of docs/benchmarks.md.
 */
public final class BreakdownLiveBenchmark {

    private record Window(int jvm, int pair, boolean on, double rps, double cpuMicrosPerRequest) {
    }

    private BreakdownLiveBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path root = JavaProcess.repoRoot();
        OverheadBenchmark.Jars jars = OverheadBenchmark.Jars.require(root);
        Path agentJar = jars.agent();
        Path demoJar = jars.demo();
        int pairs = Integer.getInteger("bench.pairs", 8);
        int settle = Integer.getInteger("bench.settle", 3);
        OverheadBenchmark.Settings settings = OverheadBenchmark.settings(10, 3);
        Path config = OverheadBenchmark.breakdownConfig(true);
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        List<Window> windows = new ArrayList<>();
        for (int jvm = 0; jvm < settings.rounds(); jvm++) {
            windows.addAll(runJvm(jvm, pairs, settle, agentJar, demoJar, config, settings));
        }
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();
        OverheadBenchmark.deleteQuietly(settings.fileDir());
        Files.deleteIfExists(config);
        String report = report(windows, settings, pairs, settle, load0, load1);
        System.out.println(report);
        BenchmarksDoc.writeSection(root, "<!-- breakdown-live-benchmark -->", report);
    }

    private static List<Window> runJvm(int jvm, int pairs, int settle, Path agentJar, Path demoJar, Path config,
            OverheadBenchmark.Settings settings) throws Exception {
        List<String> command = OverheadBenchmark.serviceCommand(
                List.of("-javaagent:" + agentJar + "=config=" + config, "-XX:+EnableDynamicAgentLoading"), demoJar, settings);
        List<Window> windows = new ArrayList<>();
        HttpClient http = HttpClient.newHttpClient();
        try (JavaProcess service = JavaProcess.startCommand("service", command, java.util.Map.of())) {
            String port = service.await("demo-service listening on port (\\d+)", Duration.ofSeconds(120)).group(1);
            service.await("kernel probes running", Duration.ofSeconds(300));
            String url = "http://127.0.0.1:" + port;
            // One load generator for the JVM's whole run: a fresh one per window would add its own
            // start (JIT, connections) to every window. Windows are counted by the service itself.
            long total = settings.warmup() + pairs * 2L * (settle + settings.seconds() + 5) + 120;
            List<String> load = OverheadBenchmark.loadCommand(demoJar, url, total, settings);
            try (JavaProcess generator = JavaProcess.startCommand("load", load, java.util.Map.of())) {
                Thread.sleep(settings.warmup() * 1000L);
                for (int pair = 0; pair < pairs; pair++) {
                    for (boolean on : pair % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                        switchBreakdown(service, agentJar, on);
                        Thread.sleep(settle * 1000L);
                        long served0 = served(http, url);
                        long ticks0 = OverheadBenchmark.cpuTicks(service.pid());
                        long t0 = System.nanoTime();
                        Thread.sleep(settings.seconds() * 1000L);
                        long served1 = served(http, url);
                        long ticks1 = OverheadBenchmark.cpuTicks(service.pid());
                        long t1 = System.nanoTime();
                        if (!generator.isAlive()) {
                            throw new IllegalStateException("the load generator ended early:\n" + generator.output());
                        }
                        long requests = served1 - served0;
                        Window w = new Window(jvm, pair, on, requests / ((t1 - t0) / 1e9),
                                (ticks1 - ticks0) / 100.0 * 1e6 / requests);
                        windows.add(w);
                        System.out.printf(Locale.ROOT, "jvm %d pair %d breakdown %-3s %.1f req/s, %.0f us/req%n", jvm,
                                pair, on ? "on" : "off", w.rps(), w.cpuMicrosPerRequest());
                    }
                }
            }
        }
        return windows;
    }

    private static final Pattern COUNT = Pattern.compile("\"[^\"]+\"\\s*:\\s*(\\d+)");

    /** Requests the service has served so far, every endpoint, from its own {@code /stats}. */
    private static long served(HttpClient http, String url) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create(url + "/stats")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        int from = body.indexOf("\"requests\"");
        int to = body.indexOf('}', from);
        if (from < 0 || to < 0) {
            throw new IllegalStateException("unexpected /stats answer: " + body);
        }
        long sum = 0;
        Matcher m = COUNT.matcher(body.substring(from + "\"requests\"".length(), to));
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
        }
        return sum;
    }

    private static void switchBreakdown(JavaProcess service, Path agentJar, boolean on) throws Exception {
        String state = on ? "on" : "off";
        LiveSettings.apply(service, agentJar, "spans.breakdown=" + on,
                "spans\\.breakdown (switched " + state + "|is " + state + " already)", Duration.ofSeconds(60));
    }

    private static String report(List<Window> windows, OverheadBenchmark.Settings settings, int pairs, int settle,
            String load0, String load1) {
        List<double[]> ratios = new ArrayList<>(); // per pair: throughput on/off, CPU per request on/off
        StringBuilder perJvm = new StringBuilder();
        for (int jvm = 0; jvm < settings.rounds(); jvm++) {
            List<Double> rps = new ArrayList<>();
            for (int pair = 0; pair < pairs; pair++) {
                Window off = find(windows, jvm, pair, false);
                Window on = find(windows, jvm, pair, true);
                ratios.add(new double[] {on.rps() / off.rps(), on.cpuMicrosPerRequest() / off.cpuMicrosPerRequest()});
                rps.add(on.rps() / off.rps());
            }
            double[] r = rps.stream().mapToDouble(Double::doubleValue).toArray();
            perJvm.append(String.format(Locale.ROOT, "- JVM %d: throughput on / off per pair %s (median %.3f)%n", jvm,
                    Arrays.toString(Arrays.stream(r).mapToObj(x -> String.format(Locale.ROOT, "%.3f", x)).toArray()),
                    median(r)));
        }
        double[] tp = ratios.stream().mapToDouble(x -> x[0]).toArray();
        double[] cpu = ratios.stream().mapToDouble(x -> x[1]).toArray();
        StringBuilder b = new StringBuilder();
        b.append("## `spans.breakdown` switched on and off inside one service JVM (").append(LocalDate.now())
                .append(")\n\n");
        b.append("Reproduce: `./run bench-breakdown` (").append(settings.rounds()).append(" demo-service JVMs")
                .append(" (`-Xms256m -Xmx256m`) with the agent, default probes and a method span on every request")
                .append(" (`instrumentation.methods: io.ebpfagent.demo.EndpointHandler#handle`), the breakdown on at")
                .append(" start; ").append(settings.warmup()).append(" s of warm-up load, then ").append(pairs)
                .append(" pairs of windows ordered off-on, on-off, ...; before each window the breakdown is switched")
                .append(" through the agent's live settings (the agent jar loaded again by dynamic attach with")
                .append(" `spans.breakdown=<on>`; the window starts once the agent has logged the switch), ")
                .append(settle).append(" s of load not measured, then ").append(settings.seconds())
                .append(" s measured, requests counted by the service's own `/stats`, CPU from `/proc/<pid>/stat`;")
                .append(" one load generator runs through the whole JVM's run; closed loop, ")
                .append(settings.concurrency()).append(" connections, mix `")
                .append(settings.mix()).append("`; ").append(settings.placement().description())
                .append("). Load average before `").append(load0).append("`, after `").append(load1).append("`.\n\n");
        b.append(String.format(Locale.ROOT, "| on / off, per pair of adjacent windows (%d pairs) | median [min..max] |"
                + " mean [95%% interval of the mean] |%n|---|---|---|%n", tp.length));
        b.append(String.format(Locale.ROOT, "| throughput | %.4f [%.3f..%.3f] | %s |%n", median(tp), min(tp), max(tp),
                meanInterval(tp)));
        b.append(String.format(Locale.ROOT, "| service CPU per request | %.4f [%.3f..%.3f] | %s |%n%n", median(cpu),
                min(cpu), max(cpu), meanInterval(cpu)));
        b.append(perJvm);
        b.append("\nEvery window (req/s, service µs/req):\n\n");
        for (Window w : windows) {
            b.append(String.format(Locale.ROOT, "- JVM %d pair %d %s: %.1f (%.0f µs)%n", w.jvm(), w.pair(),
                    w.on() ? "on" : "off", w.rps(), w.cpuMicrosPerRequest()));
        }
        b.append("\nGoal (issue \"Where did this request's time go\"): throughput with the breakdown on within 1% of off.\n");
        return b.toString();
    }

    private static Window find(List<Window> windows, int jvm, int pair, boolean on) {
        return windows.stream().filter(w -> w.jvm() == jvm && w.pair() == pair && w.on() == on).findFirst()
                .orElseThrow();
    }

    static String meanInterval(double[] values) {
        double mean = Arrays.stream(values).average().orElse(Double.NaN);
        double var = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / Math.max(1, values.length - 1);
        double half = 2 * Math.sqrt(var / values.length);
        return String.format(Locale.ROOT, "%.4f [%.4f..%.4f]", mean, mean - half, mean + half);
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }
}
