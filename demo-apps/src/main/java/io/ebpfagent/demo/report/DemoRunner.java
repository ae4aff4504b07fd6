package io.ebpfagent.demo.report;

import io.ebpfagent.demo.LoadGenerator;
import io.ebpfagent.demo.LoadOptions;
import io.ebpfagent.demo.LoadReport;
import io.ebpfagent.demo.shop.ShopService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./run demo}: deploys the {@link ShopService} the way users run a service, with the
 * official OpenTelemetry Java agent and ebpf-agent.jar side by side, both exporting OTLP/HTTP to
 * this process; drives it with the {@link LoadGenerator}; says where to look while it runs
 * (the Prometheus endpoint, PromQL); stops it and prints the {@link DemoReport}.
 *
 * <pre>
 * java -cp demo-apps.jar:$(cat demo-apps/target/demo-classpath.txt) io.ebpfagent.demo.report.DemoRunner \
 *   --agent=agent/target/ebpf-agent.jar --otel-agent=demo-apps/target/otel/opentelemetry-javaagent.jar \
 *   [--config=demo-apps/config/demo-agent.yaml] [--seconds=30] [--concurrency=8] [--prometheus-port=9464]
 *   [--work-dir=demo-apps/target/demo] [--mix=/checkout:4,/search:2,/orders:1]
 * </pre>
 * Exit status 0 when the load succeeded and the report has server spans with a kernel breakdown,
 * 1 otherwise, 2 on bad arguments.
 */
public final class DemoRunner {
    private static final Duration START = Duration.ofSeconds(180);
    private static final Pattern READY = Pattern.compile(Pattern.quote(ShopService.READY_LINE) + "(\\d+)");
    private static final String DEFAULT_MIX = "/checkout:4,/search:2,/orders:1";

    /**
     * The demo's settings; see the class comment for the flags.
     *
     * @param classPath the shop's class path (this JVM's by default)
     */
    public record Options(Path agent, Path otelAgent, Path config, int seconds, int concurrency, int prometheusPort,
                          Path workDir, String mix, String classPath) {
        public static Options parse(String[] args) {
            Path agent = Path.of("agent/target/ebpf-agent.jar");
            Path otel = Path.of("demo-apps/target/otel/opentelemetry-javaagent.jar");
            Path config = Path.of("demo-apps/config/demo-agent.yaml");
            int seconds = 30;
            int concurrency = 8;
            int prometheusPort = 9464;
            Path workDir = Path.of("demo-apps/target/demo");
            String mix = DEFAULT_MIX;
            for (String a : args) {
                int eq = a.indexOf('=');
                if (!a.startsWith("--") || eq < 0) {
                    throw new IllegalArgumentException("expected --name=value, got " + a);
                }
                String v = a.substring(eq + 1);
                switch (a.substring(2, eq)) {
                    case "agent" -> agent = Path.of(v);
                    case "otel-agent" -> otel = Path.of(v);
                    case "config" -> config = Path.of(v);
                    case "seconds" -> seconds = Integer.parseInt(v);
                    case "concurrency" -> concurrency = Integer.parseInt(v);
                    case "prometheus-port" -> prometheusPort = Integer.parseInt(v);
                    case "work-dir" -> workDir = Path.of(v);
                    case "mix" -> mix = v;
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            for (Path p : List.of(agent, otel, config)) {
                if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException(p + " is missing: build first (./run build)");
                }
            }
            return new Options(agent.toAbsolutePath(), otel.toAbsolutePath(), config.toAbsolutePath(), seconds,
                    concurrency, prometheusPort, workDir.toAbsolutePath(), mix, System.getProperty("java.class.path"));
        }

        public Options withClassPath(String cp) {
            return new Options(agent, otelAgent, config, seconds, concurrency, prometheusPort, workDir, mix, cp);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(o).ok() ? 0 : 1);
    }

    /**
     * What a run produced.
     *
     * @param loadOk whether the load generator measured requests and at most 1% failed
     * @param report the report as printed, or null when the shop did not come up
     */
    public record Outcome(boolean loadOk, boolean breakdown, TelemetryStore store, String report, String prometheus) {
        public boolean ok() {
            return loadOk && breakdown;
        }
    }

    /** Runs the demo, printing as it goes; the outcome carries what was received and the report. */
    public static Outcome run(Options o) throws Exception {
        Files.createDirectories(o.workDir());
        Path log = o.workDir().resolve("shop.log");
        Path report = o.workDir().resolve("report.txt");
        TelemetryStore store = new TelemetryStore();
        try (OtlpHttpReceiver receiver = OtlpHttpReceiver.start(0, store)) {
            int promPort = portOrFree(o.prometheusPort());
            Process shop = start(o, receiver.endpoint(), promPort);
            CompletableFuture<Integer> ready = new CompletableFuture<>();
            CompletableFuture<Boolean> probes = new CompletableFuture<>();
            java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
            Thread pump = pump(shop, log, ready, probes, stopping);
            LoadReport load;
            double procCpu = Double.NaN;
            String prometheus = null;
            try {
                int port;
                try {
                    port = ready.get(START.toSeconds(), TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    System.out.println("demo: the shop did not start within " + START.toSeconds() + " s; see " + log);
                    return new Outcome(false, false, store, null, null);
                }
                if (port < 0) {
                    System.out.println("demo: the shop exited before listening; see " + log);
                    return new Outcome(false, false, store, null, null);
                }
                // The shop answers before the ebpf-agent has loaded its probes (seconds on a busy
                // machine): requests before that would have no kernel breakdown.
                try {
                    if (!probes.get(START.toSeconds(), TimeUnit.SECONDS)) {
                        System.out.println("demo: the shop exited before the ebpf-agent's probes ran; see " + log);
                        return new Outcome(false, false, store, null, null);
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    System.out.println("demo: the ebpf-agent did not report its probes within " + START.toSeconds()
                            + " s; driving the shop anyway (see " + log + ")");
                }
                liveHints(o, port, promPort, receiver.endpoint(), log);
                load = LoadGenerator.run(LoadOptions.parse(new String[] {
                        "--url=http://127.0.0.1:" + port, "--duration=" + o.seconds() + "s",
                        "--concurrency=" + o.concurrency(), "--mix=" + o.mix(), "--timeout=60s"}));
                System.out.println();
                System.out.print(load.format().lines().filter(l -> !l.startsWith("RESULT"))
                        .map(l -> "  " + l + "\n").reduce("", String::concat));
                procCpu = processCpuSeconds(shop.pid());
                prometheus = scrape(promPort, o.workDir().resolve("metrics.prom"));
            } finally {
                System.out.println("demo: stopping the shop (both agents send their last spans and metrics)");
                stopping.set(true);
                shop.destroy();
                if (!shop.waitFor(60, TimeUnit.SECONDS)) {
                    shop.destroyForcibly();
                }
                pump.join(10_000);
            }
            // the OTLP requests of the final flush are answered before the JVM exits; a short
            // grace for requests still being decoded by the receiver's threads
            Thread.sleep(500);
            DemoReport r = new DemoReport(store).withProcessCpu(procCpu);
            String text = r.render();
            Files.writeString(report, text);
            Files.write(o.workDir().resolve("spans.tsv"), store.spans().stream().map(DemoRunner::tsv).toList());
            System.out.println();
            System.out.print(text);
            System.out.println("\n(report also in " + report + "; the shop's and agents' log in " + log + ")");
            boolean breakdown = store.spans().stream()
                    .anyMatch(s -> s.kind().equals("SERVER") && !s.isKernel() && !s.breakdown().isEmpty());
            if (!breakdown) {
                System.out.println("demo: no server span carried a kernel breakdown; see " + log);
            }
            return new Outcome(!load.failed(), breakdown, store, text, prometheus);
        }
    }

    /**
     * The shop's Prometheus endpoint as a scraper sees it at the end of the load, saved to
     * {@code file}; prints how many series it served. Null (and a line saying why) when it
     * cannot be read.
     */
    static String scrape(int port, Path file) {
        try {
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Files.writeString(file, text);
            System.out.println("demo: the Prometheus endpoint served " + seriesCount(text) + " series (saved to "
                    + file + ")");
            return text;
        } catch (IOException e) {
            System.out.println("demo: could not read the Prometheus endpoint: " + e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Series in Prometheus' text format: every sample line, a histogram's buckets, sum and count each. */
    public static long seriesCount(String text) {
        return text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
    }

    private static Process start(Options o, String otlp, int promPort) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m",
                "-javaagent:" + o.otelAgent(),
                "-javaagent:" + o.agent() + "=config=" + o.config() + ",exporter.otlp.endpoint=" + otlp
                        + ",exporter.prometheus.port=" + promPort,
                "--enable-native-access=ALL-UNNAMED",
                "-Dotel.service.name=demo-shop",
                "-Dotel.traces.exporter=otlp",
                "-Dotel.exporter.otlp.protocol=http/protobuf",
                "-Dotel.exporter.otlp.endpoint=" + otlp,
                "-Dotel.metrics.exporter=none",
                "-Dotel.logs.exporter=none",
                "-Dotel.bsp.schedule.delay=1000",
                "-Dotel.bsp.max.queue.size=20000",
                "-Dotel.javaagent.logging=application",
                "-cp", o.classPath(),
                ShopService.class.getName(), "--port=0"));
        System.out.println("demo: starting the shop (Jetty 12) with the OpenTelemetry Java agent and ebpf-agent.jar:");
        System.out.println("  -javaagent:" + o.otelAgent());
        System.out.println("  -javaagent:" + o.agent() + "=config=" + o.config() + ",...");
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /**
     * Copies the shop's output into the log; completes {@code ready} with its port (or -1 when it
     * exits first), {@code probes} once the ebpf-agent's probes run (false when it exits first),
     * and echoes what the agent says about its probes and problems.
     */
    private static Thread pump(Process shop, Path log, CompletableFuture<Integer> ready,
                               CompletableFuture<Boolean> probes, java.util.concurrent.atomic.AtomicBoolean stopping) {
        return Thread.ofPlatform().daemon().name("shop-output").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(shop.getInputStream(),
                    StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
                for (String line; (line = in.readLine()) != null; ) {
                    out.println(line);
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        ready.complete(Integer.parseInt(m.group(1)));
                    }
                    if (line.startsWith("[ebpf-agent]") && (line.contains("kernel probes running")
                            || line.contains(" disabled") || line.contains(" WARN ") || line.contains(" ERROR "))) {
                        System.out.println("  " + line);
                    }
                    // after the echo, so the probes line comes before what the runner prints next
                    if (line.startsWith("[ebpf-agent]") && line.contains("kernel probes running")) {
                        probes.complete(true);
                    }
                }
            } catch (IOException e) {
                // the pipe closes under the reader once the shop is being stopped: expected then
                if (!stopping.get()) {
                    System.out.println("demo: reading the shop's output failed: " + e);
                }
            } finally {
                ready.complete(-1);
                probes.complete(false);
            }
        });
    }

    /** trace, span, parent, kind, name, start, duration ns, attributes: the raw spans for a closer look. */
    private static String tsv(SpanRecord s) {
        return String.join("\t", s.traceId(), s.spanId(), s.parentSpanId(), s.kind(), s.name(),
                Long.toString(s.startNs()), Long.toString(s.durationNs()), new java.util.TreeMap<>(s.attributes()).toString());
    }

    private static void liveHints(Options o, int port, int promPort, String otlp, Path log) {
        System.out.printf("""
                demo: the shop listens on http://127.0.0.1:%d (/checkout, /search, /orders; /checkout calls /inventory)
                demo: driving it for %d s with %d clients. While it runs, look at:
                  metrics     http://127.0.0.1:%d/metrics   (the ebpf-agent's Prometheus endpoint)
                  traces      both agents export OTLP/HTTP to this runner at %s; the report follows the run
                  log         %s
                  PromQL (point a Prometheus at the endpoint, docs/backends/prometheus-grafana.md):
                """, port, o.seconds(), o.concurrency(), promPort, otlp, log);
        for (Signals.Query q : Signals.LIVE_QUERIES) {
            System.out.println("    # " + q.title());
            System.out.println("    " + q.promql());
        }
    }

    /**
     * utime + stime of the whole process (exited threads included) from /proc/PID/stat, in
     * seconds; the kernel reports them in USER_HZ, 100 per second on Linux. NaN when unreadable.
     */
    static double processCpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // fields after the command name, which is in parentheses and may contain spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static int portOrFree(int preferred) throws IOException {
        try (ServerSocket s = new ServerSocket(preferred, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException busy) {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            }
        }
    }
}
