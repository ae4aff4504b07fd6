package io.ebpfagent.e2e.correlation;

import io.ebpfagent.e2e.apps.JettyCorrelationApp;
import io.ebpfagent.e2e.support.AgentJvm;
import io.ebpfagent.e2e.support.JavaProcess;
import io.ebpfagent.e2e.support.PrometheusServer;
import io.ebpfagent.otel.testing.OtlpReceiver;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.stream.Collectors;

/**
 * The deployment the correlation is measured on: {@link JettyCorrelationApp} in a child JVM with
 * the official OpenTelemetry Java agent and the ebpf-agent (in either {@code -javaagent} order),
 * each exporting its spans over OTLP/HTTP to its own in-process {@link OtlpReceiver}, plus the
 * load that drives it and the wait for the spans. The ebpf-agent also serves Prometheus on a
 * loopback port, scraped during the load, so that spans the OTel agent makes of the agent's own
 * endpoints are seen.
 */
public final class JettyDeployment implements AutoCloseable {
    public static final List<String> SCENARIOS = List.of("direct", "pool", "virtual");
    /** Warm-up requests have ids from here on; they are not measured. */
    public static final long WARMUP_IDS = 1_000_000;
    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration ARRIVAL = Duration.ofSeconds(180);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    public enum Order {
        OTEL_FIRST("OTel agent first"), EBPF_FIRST("ebpf-agent first");

        private final String label;

        Order(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public enum Variant {
        /** The app without the OpenTelemetry API: only the OTel agent's spans. */
        NO_API("no API"),
        /** The API on the class path and a manual span around each request's work. */
        WITH_API("with API");

        private final String label;

        Variant(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * @param standalone {@code spans.standalone}: true exports kernel intervals without a parent
     *                   as root spans, so that an interval the agent could not parent shows as
     *                   orphaned instead of being dropped in the kernel (missed)
     */
    public record Options(Order order, Variant variant, Duration offCpuThreshold, boolean standalone) {
        public String label() {
            return order.label() + ", " + variant.label();
        }
    }

    /** One request to drive. */
    public record Request(String scenario, long id) {
    }

    /** What a drive did: requests, failures, wall time, when the last one ended (epoch ns). */
    public record Load(int requests, int failures, double seconds, long lastEndEpochNs, List<String> errors) {
    }

    private final Options options;
    private final Path dir;
    private final OtlpReceiver otelReceiver;
    private final OtlpReceiver ebpfReceiver;
    private final int prometheusPort;
    private final JavaProcess app;
    private int port;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();

    private JettyDeployment(Options options, Path dir, OtlpReceiver otelReceiver, OtlpReceiver ebpfReceiver,
                            int prometheusPort, JavaProcess app) {
        this.options = options;
        this.dir = dir;
        this.otelReceiver = otelReceiver;
        this.ebpfReceiver = ebpfReceiver;
        this.prometheusPort = prometheusPort;
        this.app = app;
    }

    /**
     * Starts the receivers and the app and waits until Jetty listens and the ebpf-agent's sched
     * and io probes run.
     */
    public static JettyDeployment start(String name, Options o) throws Exception {
        Path dir = Files.createTempDirectory("jetty-correlation");
        OtlpReceiver otel = OtlpReceiver.start();
        OtlpReceiver ebpf = OtlpReceiver.start();
        int prometheusPort = PrometheusServer.freePort();
        Path config = dir.resolve("ebpf-agent.yaml");
        Files.writeString(config, """
                exporter:
                  kind: [otlp, prometheus]
                  interval: 1s
                  otlp:
                    endpoint: "%s"
                    protocol: "http/protobuf"
                  prometheus:
                    host: 127.0.0.1
                    port: %d
                probes:
                  sched:
                    enabled: true
                    offcpu_threshold: %dms
                  io:
                    enabled: true
                spans:
                  mode: spans
                  standalone: %s
                """.formatted(ebpf.endpoint(), prometheusPort, o.offCpuThreshold().toMillis(), o.standalone()));
        String ebpfAgent = AgentJvm.javaagent(AgentJvm.agentJar(), config);
        String otelAgent = "-javaagent:" + otelJavaagentJar();
        // A disk directory, not a tmpfs: the fsync must reach the device to take its millisecond.
        Path files = Files.createDirectories(Path.of("/var/tmp").resolve(dir.getFileName() + "-files"));
        List<String> args = new ArrayList<>(List.of("-Xmx256m"));
        args.addAll(o.order() == Order.OTEL_FIRST ? List.of(otelAgent, ebpfAgent) : List.of(ebpfAgent, otelAgent));
        args.addAll(List.of("--enable-native-access=ALL-UNNAMED",
                "-Dotel.service.name=jetty-correlation-app",
                "-Dotel.traces.exporter=otlp",
                "-Dotel.exporter.otlp.protocol=http/protobuf",
                "-Dotel.exporter.otlp.endpoint=" + otel.endpoint(),
                "-Dotel.metrics.exporter=none",
                "-Dotel.logs.exporter=none",
                "-Dotel.bsp.schedule.delay=200",
                "-Dotel.bsp.max.queue.size=8192",
                "-Dapp.segments=" + dir.resolve("segments.jsonl"),
                "-Dapp.files=" + files,
                "-Dapp.manualSpan=" + (o.variant() == Variant.WITH_API),
                "-cp", appClassPath(o.variant()), JettyCorrelationApp.class.getName()));
        JavaProcess app = JavaProcess.start(name, args, Map.of());
        JettyDeployment d = new JettyDeployment(o, dir, otel, ebpf, prometheusPort, app);
        try {
            d.port = Integer.parseInt(app.await("jetty-app listening on port (\\d+)", START).group(1));
            // "kernel probes running: sched, jvm (10 of 10 hotspot probes, ...), net, io, faults"
            String running = app.await("kernel probes running: (.*)", START).group(1);
            if (!java.util.regex.Pattern.compile("(^|, )sched\\b").matcher(running).find()
                    || !java.util.regex.Pattern.compile("(^|, )io\\b").matcher(running).find()) {
                throw new IllegalStateException("the sched and io probes must run; running: " + running);
            }
        } catch (Exception | Error e) {
            d.close();
            throw e;
        }
        return d;
    }

    public Options options() {
        return options;
    }

    public JavaProcess process() {
        return app;
    }

    public int port() {
        return port;
    }

    public int prometheusPort() {
        return prometheusPort;
    }

    /** Port of the receiver the ebpf-agent exports to. */
    public int ebpfOtlpPort() {
        return URI.create(ebpfReceiver.endpoint()).getPort();
    }

    /** {@code count} requests per scenario with ids 1..3*count, scenarios interleaved. */
    public static List<Request> requests(int perScenario, long firstId) {
        List<Request> r = new ArrayList<>();
        for (int i = 0; i < perScenario * SCENARIOS.size(); i++) {
            r.add(new Request(SCENARIOS.get(i % SCENARIOS.size()), firstId + i));
        }
        return r;
    }

    /**
     * Warms the app and both agents up with requests that are not measured, and waits until the
     * OTel agent has exported the server span of one of them (its instrumentation and exporter run).
     */
    public void warmUp(int perScenario, int concurrency) throws Exception {
        List<Request> warm = requests(perScenario, WARMUP_IDS);
        Load load = drive(warm, concurrency, false);
        if (load.failures() > 0) {
            throw new IllegalStateException("warm-up requests failed: " + load.errors());
        }
        long deadline = System.nanoTime() + ARRIVAL.toNanos();
        while (otelSpans().stream().noneMatch(s -> s.kind().equals("SERVER")
                && CorrelationCheck.requestId(s) >= WARMUP_IDS)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no server span of a warm-up request from the OTel agent within "
                        + ARRIVAL + " (" + otelSpans().size() + " spans received)");
            }
            Thread.sleep(500);
        }
    }

    /**
     * Sends the requests from {@code concurrency} client threads (closed loop), scraping the
     * ebpf-agent's Prometheus endpoint every 2 s meanwhile when {@code scrape}.
     */
    public Load drive(List<Request> requests, int concurrency, boolean scrape) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        AtomicLong lastEnd = new AtomicLong();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(concurrency);
        long begin = System.nanoTime();
        for (int t = 0; t < concurrency; t++) {
            Thread.ofPlatform().daemon().name("load-" + t).start(() -> {
                try {
                    for (int i; (i = next.getAndIncrement()) < requests.size(); ) {
                        Request r = requests.get(i);
                        URI uri = URI.create("http://127.0.0.1:" + port + "/" + r.scenario() + "?id=" + r.id());
                        try {
                            HttpResponse<String> resp = client.send(HttpRequest.newBuilder(uri)
                                    .timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
                            if (resp.statusCode() != 200) {
                                failures.incrementAndGet();
                                errors.add(uri + " -> " + resp.statusCode() + " " + resp.body());
                            }
                        } catch (IOException e) {
                            failures.incrementAndGet();
                            errors.add(uri + " -> " + e);
                        }
                        lastEnd.accumulateAndGet(JettyCorrelationApp.now(), Math::max);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
        }
        Thread scraper = scrape ? Thread.ofPlatform().daemon().name("scraper").start(() -> {
            URI metrics = URI.create("http://127.0.0.1:" + prometheusPort + "/metrics");
            while (done.getCount() > 0) {
                try {
                    client.send(HttpRequest.newBuilder(metrics).timeout(REQUEST_TIMEOUT).build(),
                            HttpResponse.BodyHandlers.discarding());
                    Thread.sleep(2000);
                } catch (IOException e) {
                    errors.add("scrape " + metrics + " -> " + e);
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }) : null;
        done.await();
        if (scraper != null) {
            scraper.interrupt();
            scraper.join(10_000);
        }
        return new Load(requests.size(), failures.get(), (System.nanoTime() - begin) / 1e9, lastEnd.get(),
                List.copyOf(errors).subList(0, Math.min(errors.size(), 10)));
    }

    /**
     * Waits until the spans of the measured requests have arrived: the OTel agent's server span
     * of every measured id (or no more growth), and no more growth of the ebpf-agent's spans that
     * began before the load ended, over 3 polls 2 s apart, at least 5 s after the load.
     */
    public void awaitSpans(Set<Long> measured, long loadEndEpochNs) throws InterruptedException {
        long deadline = System.nanoTime() + ARRIVAL.toNanos();
        Thread.sleep(5000);
        int stable = 0;
        long lastOtel = -1;
        long lastKernel = -1;
        while (System.nanoTime() < deadline) {
            List<TelemetrySpan> otel = otelSpans();
            Set<Long> seen = new HashSet<>();
            for (TelemetrySpan s : otel) {
                if (s.kind().equals("SERVER")) {
                    seen.add(CorrelationCheck.requestId(s));
                }
            }
            boolean allServerSpans = seen.containsAll(measured);
            long kernel = kernelSpans().stream().filter(s -> s.start() <= loadEndEpochNs).count();
            if (kernel == lastKernel && (allServerSpans || otel.size() == lastOtel)) {
                if (++stable >= 3) {
                    return;
                }
            } else {
                stable = 0;
            }
            lastKernel = kernel;
            lastOtel = otel.size();
            Thread.sleep(2000);
        }
    }

    /** Every span the OTel agent exported so far. */
    public List<TelemetrySpan> otelSpans() {
        return otelReceiver.allSpans().stream().map(TelemetrySpan::of).toList();
    }

    /** Every span the ebpf-agent exported so far. */
    public List<TelemetrySpan> kernelSpans() {
        return ebpfReceiver.allSpans().stream().map(TelemetrySpan::of).toList();
    }

    /** The segments the app recorded so far. */
    public List<Segment> segments() throws IOException {
        Path file = dir.resolve("segments.jsonl");
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).map(Segment::parse).toList();
    }

    /** The classification of the measured requests' kernel spans, as of now. */
    public CorrelationCheck.Result classify(Set<Long> measured) throws IOException {
        return CorrelationCheck.classify(segments(), measured, otelSpans(), kernelSpans(),
                CorrelationCheck.Settings.of(options.offCpuThreshold().toNanos(), ebpfOtlpPort(), prometheusPort));
    }

    /**
     * Writes what the classification saw into {@code to}, for {@link #classify(Path, Set)}: the
     * app's segments, both agents' spans (tab-separated: trace, span, parent, kind, name, start,
     * end, thread, attributes as {@code key=value} joined by U+001F), the settings and the app's
     * output.
     */
    public void dump(Path to) throws IOException {
        Files.createDirectories(to);
        Path segments = dir.resolve("segments.jsonl");
        if (Files.exists(segments)) {
            Files.copy(segments, to.resolve("segments.jsonl"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.write(to.resolve("otel-spans.tsv"), otelSpans().stream().map(JettyDeployment::line).toList());
        Files.write(to.resolve("kernel-spans.tsv"), kernelSpans().stream().map(JettyDeployment::line).toList());
        Files.writeString(to.resolve("settings.txt"), options.offCpuThreshold().toNanos() + " " + ebpfOtlpPort() + " "
                + prometheusPort + "\n");
        Files.write(to.resolve("app.log"), app.lines());
    }

    private static String line(TelemetrySpan s) {
        return String.join("\t", s.traceId(), s.spanId(), s.parentSpanId(), s.kind(), s.name(),
                Long.toString(s.start()), Long.toString(s.end()), s.threadName(), s.attributes().entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\u001f")));
    }

    private static TelemetrySpan parseLine(String line) {
        String[] f = line.split("\t", -1);
        Map<String, String> attributes = new java.util.HashMap<>();
        if (f.length > 8 && !f[8].isEmpty()) {
            for (String kv : f[8].split("\u001f")) {
                int eq = kv.indexOf('=');
                attributes.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return new TelemetrySpan(f[0], f[1], f[2], f[4], f[3], Long.parseLong(f[5]), Long.parseLong(f[6]),
                Map.copyOf(attributes));
    }

    /** Classifies a run {@link #dump dumped} to {@code from} again (after a change of the method). */
    public static CorrelationCheck.Result classify(Path from, Set<Long> measured) throws IOException {
        String[] settings = Files.readString(from.resolve("settings.txt")).strip().split(" ");
        List<Segment> segments = Files.readAllLines(from.resolve("segments.jsonl")).stream()
                .filter(l -> !l.isBlank()).map(Segment::parse).toList();
        List<TelemetrySpan> otel = Files.readAllLines(from.resolve("otel-spans.tsv")).stream()
                .filter(l -> !l.isBlank()).map(JettyDeployment::parseLine).toList();
        List<TelemetrySpan> kernel = Files.readAllLines(from.resolve("kernel-spans.tsv")).stream()
                .filter(l -> !l.isBlank()).map(JettyDeployment::parseLine).toList();
        return CorrelationCheck.classify(segments, measured, otel, kernel, CorrelationCheck.Settings.of(
                Long.parseLong(settings[0]), Integer.parseInt(settings[1]), Integer.parseInt(settings[2])));
    }

    /** The ebpf-agent's log lines (for reports). */
    public List<String> ebpfAgentLog() {
        return app.lines().stream().filter(l -> l.startsWith("[ebpf-agent]")).toList();
    }

    @Override
    public void close() throws Exception {
        try {
            app.close();
        } finally {
            otelReceiver.close();
            ebpfReceiver.close();
            deleteTree(dir);
            deleteTree(Path.of("/var/tmp").resolve(dir.getFileName() + "-files"));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * The OpenTelemetry Java agent jar: {@code e2e/target/opentelemetry-javaagent.path}, written by
     * the build (maven-dependency-plugin), names it; the jar is kept off the test class path.
     */
    public static Path otelJavaagentJar() throws IOException {
        Path pathFile = JavaProcess.repoRoot().resolve("e2e/target/opentelemetry-javaagent.path");
        if (!Files.exists(pathFile)) {
            throw new IllegalStateException("build first (mvn -DskipTests package): missing " + pathFile);
        }
        Path jar = Path.of(Files.readString(pathFile).strip());
        if (!Files.isRegularFile(jar) || !jar.getFileName().toString().startsWith("opentelemetry-javaagent")) {
            throw new IllegalStateException("not the OpenTelemetry Java agent jar: " + jar);
        }
        return jar;
    }

    /**
     * The app's class path: the test classes and the Jetty jars (with slf4j-api) from this JVM's
     * class path; with the API variant also the OpenTelemetry API jars (api, context, common).
     */
    static String appClassPath(Variant variant) throws URISyntaxException {
        List<String> entries = new ArrayList<>();
        entries.add(Path.of(JettyCorrelationApp.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString());
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : classPath.split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            boolean jetty = name.matches("jetty-(server|http|io|util)-\\d.*\\.jar") || name.matches("slf4j-api-.*\\.jar");
            boolean api = name.matches("opentelemetry-(api|context|common)-\\d.*\\.jar");
            if (jetty || (api && variant == Variant.WITH_API)) {
                entries.add(entry);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String want : variant == Variant.WITH_API
                ? List.of("jetty-server", "jetty-http", "jetty-io", "jetty-util", "slf4j-api", "opentelemetry-api",
                        "opentelemetry-context")
                : List.of("jetty-server", "jetty-http", "jetty-io", "jetty-util", "slf4j-api")) {
            if (entries.stream().noneMatch(e -> Path.of(e).getFileName().toString().startsWith(want + "-"))) {
                missing.add(want);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("jars missing from the class path " + classPath + ": " + missing);
        }
        return entries.stream().collect(Collectors.joining(File.pathSeparator));
    }
}
