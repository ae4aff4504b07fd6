package io.ebpfagent.loader.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs each loader benchmark on the Java side (JMH) and its C baseline (libbpf ring buffer,
 * raw bpf(2) map calls) back to back, in rounds so drift of the shared machine hits both
 * alike, prints the Java/C ratios and writes them to docs/benchmarks.md between the
 * {@code <!-- loader-benchmark -->} markers.
 *
 * <p>Arguments ({@code ./run bench-loader [...]}): {@code --forks=N} rounds, each one JMH fork and
 * one C process per case (3), {@code --iterations=N} measured iterations per fork (3), {@code --seconds=S}
 * per iteration (2), {@code --warmups=N} warm-up iterations of 1 s (2), {@code --only=REGEX}
 * cases whose name matches, {@code --no-write} leaves the docs alone, {@code --cold-rounds=N} rounds
 * of the cold-load comparison (5; {@code --only='cold load'} runs it alone and prints it).
 */
public final class LoaderBenchmarks {
    private static final Pattern RESULT = Pattern.compile("^RESULT \\S+ \\d+ ([0-9.]+)$", Pattern.MULTILINE);
    private static final String MARKER = "<!-- loader-benchmark -->";

    /** {@code rate}: higher is better (records/s); otherwise ns per operation. */
    record Case(String name, String benchmark, String param, String value, boolean rate, List<String> cArgs) {
    }

    record Stats(double mean, double min, double max, int n) {
        static Stats of(Collection<Double> values) {
            DoubleSummaryStatistics s = values.stream().mapToDouble(Double::doubleValue).summaryStatistics();
            return new Stats(s.getAverage(), s.getMin(), s.getMax(), (int) s.getCount());
        }
    }

    record Outcome(Case c, Stats java, Stats c2) {
        /** Java over C: for rates, >1 means Java consumes faster; for ns/op, <1 means Java is faster. */
        double ratio() {
            return java.mean() / c2.mean();
        }
    }

    private LoaderBenchmarks() {
    }

    public static void main(String[] args) throws Exception {
        int forks = 3, iterations = 3, warmups = 2;
        double seconds = 2;
        String only = ".*";
        boolean write = true;
        int coldRounds = 5;
        for (String a : args) {
            String v = a.substring(a.indexOf('=') + 1);
            if (a.startsWith("--forks=")) forks = Integer.parseInt(v);
            else if (a.startsWith("--iterations=")) iterations = Integer.parseInt(v);
            else if (a.startsWith("--seconds=")) seconds = Double.parseDouble(v);
            else if (a.startsWith("--warmups=")) warmups = Integer.parseInt(v);
            else if (a.startsWith("--only=")) only = v;
            else if (a.equals("--no-write")) write = false;
            else if (a.startsWith("--cold-rounds=")) coldRounds = Integer.parseInt(v);
            else throw new IllegalArgumentException("unknown argument " + a);
        }
        Path root = Path.of("").toAbsolutePath();
        Path obj = root.resolve("loader/src/test/resources/bpf/ringbuf_bench.bpf.o");
        Path bin = root.resolve("loader/target/bench");
        Files.createDirectories(bin);
        if (!".*".equals(only) && "cold load".matches(only)) {
            String report = ColdLoadComparison.run(root, coldRounds);
            System.out.println(report);
            return; // the cold-load comparison alone does not rewrite the JMH table
        }
        Path ringC = compile(root, bin, "ringbuf_bench", "-lbpf", "-lelf", "-lz", "-lpthread");
        Path mapC = compile(root, bin, "map_bench");

        String sec = fmt(seconds);
        List<Case> cases = new ArrayList<>();
        for (String size : List.of("16", "256")) {
            cases.add(new Case("ring drain " + size + " B", "RingDrainBenchmark.drain", "recordSize", size, true,
                    List.of(ringC.toString(), obj.toString(), "drain", size, sec, "" + iterations, "" + warmups,
                            "" + RingDrainBenchmark.RECORDS)));
        }
        for (String size : List.of("16", "256")) {
            cases.add(new Case("ring end-to-end " + size + " B", "RingEndToEndBenchmark.poll", "recordSize", size, true,
                    List.of(ringC.toString(), obj.toString(), "e2e", size, sec, "" + iterations, "" + warmups,
                            "" + RingFixture.PER_RUN)));
        }
        for (String op : List.of("lookup", "update")) {
            for (String size : List.of("8", "64")) {
                cases.add(new Case("map " + op + " u32->" + size + " B", "MapBenchmark." + op, "valueSize", size, false,
                        List.of(mapC.toString(), op, size, sec, "" + iterations, "" + warmups)));
            }
        }

        String pattern = only;
        List<Case> selected = cases.stream().filter(c -> c.name().matches(pattern)).toList();
        Map<Case, List<Double>> javaValues = new LinkedHashMap<>();
        Map<Case, List<Double>> cValues = new LinkedHashMap<>();
        // one JMH fork and one C process per case and round, rounds outermost: drift of the shared
        // machine (other processes come and go) then spreads over both sides of every case
        for (int round = 0; round < forks; round++) {
            for (Case c : selected) {
                System.out.printf("=== round %d/%d: %s%n", round + 1, forks, c.name());
                javaValues.computeIfAbsent(c, k -> new ArrayList<>()).addAll(runJava(c, iterations, warmups, seconds));
                cValues.computeIfAbsent(c, k -> new ArrayList<>()).addAll(runC(c));
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Case c : selected) {
            Outcome o = new Outcome(c, Stats.of(javaValues.get(c)), Stats.of(cValues.get(c)));
            System.out.printf(Locale.ROOT, "=== %s: Java %s, C %s, Java/C %.2f%n", c.name(), show(c, o.java()),
                    show(c, o.c2()), o.ratio());
            outcomes.add(o);
        }
        String report = report(outcomes, forks, iterations, warmups, seconds);
        if ("cold load".matches(pattern)) {
            report += ColdLoadComparison.run(root, coldRounds);
        }
        System.out.println(report);
        if (write) {
            writeReport(root.resolve("docs/benchmarks.md"), report);
        }
    }

    private static Path compile(Path root, Path bin, String name, String... libs) throws Exception {
        Path out = bin.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-I/usr/include/x86_64-linux-gnu", "-o",
                out.toString(), root.resolve("loader/src/jmh/c/" + name + ".c").toString()));
        cmd.addAll(List.of(libs));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("gcc failed: " + cmd);
        }
        return out;
    }

    private static List<Double> runJava(Case c, int iterations, int warmups, double seconds) throws Exception {
        Options opts = new OptionsBuilder()
                .include(LoaderBenchmarks.class.getPackageName() + "." + c.benchmark().replace(".", "\\.") + "$")
                .param(c.param(), c.value())
                .forks(1)
                .warmupIterations(warmups)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.milliseconds((long) (seconds * 1000)))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "-Xmx256m")
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(opts).run();
        if (results.size() != 1) {
            throw new IllegalStateException("expected one JMH result for " + c.name() + ", got " + results.size());
        }
        RunResult r = results.iterator().next();
        List<Double> perIteration = new ArrayList<>();
        for (var br : r.getBenchmarkResults()) {
            for (IterationResult ir : br.getIterationResults()) {
                Result<?> res = c.rate() && c.benchmark().startsWith("RingEndToEnd")
                        ? ir.getSecondaryResults().get("records") : ir.getPrimaryResult();
                double score = res.getScore();
                // drain reports ns per record: turn it into records per second like the C side
                perIteration.add(c.rate() && c.benchmark().startsWith("RingDrain") ? 1e9 / score : score);
            }
        }
        BenchmarkParams params = r.getParams();
        System.out.println("JMH " + params.getBenchmark() + " " + params.getParam(c.param()) + ": " + perIteration);
        return perIteration;
    }

    private static List<Double> runC(Case c) throws Exception {
        List<Double> values = new ArrayList<>();
        {
            Process p = new ProcessBuilder(c.cArgs()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("C baseline failed: " + c.cArgs() + "\n" + out);
            }
            Matcher m = RESULT.matcher(out);
            while (m.find()) {
                double v = Double.parseDouble(m.group(1));
                // drain prints ns per record
                values.add(c.cArgs().contains("drain") ? 1e9 / v : v);
            }
        }
        if (values.isEmpty()) {
            throw new IllegalStateException("C baseline printed no RESULT: " + c.cArgs());
        }
        System.out.println("C " + c.name() + ": " + values);
        return values;
    }

    private static String show(Case c, Stats s) {
        return c.rate()
                ? String.format(Locale.ROOT, "%.2f M records/s [%.2f..%.2f]", s.mean() / 1e6, s.min() / 1e6, s.max() / 1e6)
                : String.format(Locale.ROOT, "%.0f ns/op [%.0f..%.0f]", s.mean(), s.min(), s.max());
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    static String report(List<Outcome> outcomes, int forks, int iterations, int warmups, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append("## Loader micro-benchmarks: Java (FFM) vs C\n\n");
        sb.append(String.format(Locale.ROOT,
                "Command: `./run bench-loader` (this run, %5$s: %1$d rounds; per round and case one JMH fork and "
                        + "one C process, each %2$d iterations x %3$s s after %4$d x 1 s warm-up). Mean over all "
                        + "measured iterations, [min..max] across them.%n%n",
                forks, iterations, fmt(seconds), warmups, java.time.LocalDate.now()));
        sb.append("| case | Java | C | Java/C |\n|---|---|---|---|\n");
        for (Outcome o : outcomes) {
            String verdict = o.c().rate()
                    ? (o.ratio() >= 1 ? "Java faster" : "Java slower")
                    : (o.ratio() <= 1 ? "Java faster" : "Java slower");
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f (%s) |%n", o.c().name(),
                    show(o.c(), o.java()), show(o.c(), o.c2()), o.ratio(), verdict));
        }
        sb.append("\nRing rows are records/s (Java/C > 1: Java consumes faster); map rows are ns/op "
                + "(Java/C < 1: Java faster).\n");
        return sb.toString();
    }

    private static void writeReport(Path out, String report) throws IOException {
        String existing = Files.exists(out) ? Files.readString(out) : "# Benchmarks\n";
        int at = existing.indexOf(MARKER);
        int end = at >= 0 ? existing.indexOf(MARKER, at + MARKER.length()) : -1;
        String head = at >= 0 ? existing.substring(0, at) : existing + "\n";
        String tail = end >= 0 ? existing.substring(end + MARKER.length()) : "\n";
        Files.writeString(out, head + MARKER + "\n" + report + MARKER + tail);
        System.out.println("wrote " + out);
    }
}
