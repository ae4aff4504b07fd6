package io.ebpfagent.agent.bench;

import io.ebpfagent.agent.context.ContextStorageHook;
import io.ebpfagent.agent.context.SlotListener;
import io.ebpfagent.agent.context.SpanContextPublication;
import io.ebpfagent.agent.context.SpanContextPublisher;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SharedMaps;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.context.Context;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.agent.ByteBuddyAgent;

/**
 * What the span-context hook adds to a span's life (start, make current, close the scope, end) on
 * the real OpenTelemetry SDK: {@code none} (no hook), {@code context} (the span context published
 * into its slot: what kernel child spans need) and {@code breakdown} (also the kernel-time
 * counters read at scope open and close, the span's totals updated and set as attributes; the
 * real sched probe writes the counters). Each mode runs in its own JVM (the hook changes a class
 * for good), rounds interleaved, medians reported with the difference to {@code none}.
 *
 * <p>Run: {@code ./run bench-spans [rounds]} (root, for the sched probe).
 */
public final class ScopeCostBenchmark {
    private static final int WARMUP = 2_000_000;
    private static final int MEASURED = 2_000_000;

    private ScopeCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--child")) {
            double[] r = child(args[1]);
            System.out.println("RESULT " + r[0] + " " + r[1]);
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<String> modes = List.of("none", "context", "breakdown");
        Map<String, List<Double>> results = new LinkedHashMap<>();
        Map<String, List<Double>> cpuResults = new LinkedHashMap<>();
        String load0 = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim();
        for (int round = 0; round < rounds; round++) {
            for (String mode : modes) {
                double[] ns = runChild(mode);
                results.computeIfAbsent(mode, m -> new ArrayList<>()).add(ns[0]);
                cpuResults.computeIfAbsent(mode, m -> new ArrayList<>()).add(ns[1]);
                System.out.printf("round %d %-9s %.1f ns per span (thread CPU %.1f ns)%n", round + 1, mode, ns[0], ns[1]);
            }
        }
        String load1 = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim();
        double base = median(results.get("none"));
        double cpuBase = median(cpuResults.get("none"));
        System.out.println();
        System.out.println("| mode | wall ns per span (median of " + rounds + ") | added | thread CPU ns per span | added |");
        System.out.println("|---|---|---|---|---|");
        for (String mode : modes) {
            double m = median(results.get(mode));
            double c = median(cpuResults.get(mode));
            System.out.printf("| %s | %.0f | %s | %.0f | %s |%n", mode, m,
                    mode.equals("none") ? "" : String.format("%+.0f ns", m - base), c,
                    mode.equals("none") ? "" : String.format("%+.0f ns", c - cpuBase));
        }
        System.out.println("load average before: " + load0 + ", after: " + load1);
    }

    private static double[] runChild(String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-XX:+EnableDynamicAgentLoading",
                "-Xshare:auto", "-cp", System.getProperty("java.class.path"), ScopeCostBenchmark.class.getName(), "--child",
                mode).redirectErrorStream(true);
        Process p = pb.start();
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    result = line.substring(7);
                }
            }
        }
        if (p.waitFor() != 0 || result == null) {
            throw new IllegalStateException("child " + mode + " failed (exit " + p.exitValue() + ")");
        }
        String[] parts = result.trim().split(" ");
        return new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1])};
    }

    /** Wall and thread CPU nanoseconds per span. */
    private static double[] child(String mode) {
        SharedMaps shared = null;
        SchedProbe sched = null;
        io.ebpfagent.probes.JvmProbe jvm = null;
        if (!mode.equals("none")) {
            SpanContextPublication publication = new SpanContextPublication();
            ContextStorageHook.of(ByteBuddyAgent.install(), publication).register();
            shared = SharedMaps.create();
            SharedMaps maps = shared;
            SpanContextPublisher publisher = publication.connect(shared.spanSlots(), new SlotListener() {
                @Override
                public void onSlotAssigned(int tid, int slot) {
                    maps.bindThread(tid, slot);
                }

                @Override
                public void onSlotReleased(int tid, int slot) {
                    maps.unbindThread(tid);
                }
            });
            if (mode.equals("breakdown")) {
                sched = SchedProbe.start(SchedProbe.Config.defaults(), shared);
                // the stop-the-world clocks too, as the agent reads them with the jvm probe on
                jvm = io.ebpfagent.probes.JvmProbe.start(io.ebpfagent.probes.JvmProbe.Config.defaults(), shared);
                publisher.readKernelTimes(sched.spanTimes(), jvm.pauseClocks());
            }
        }
        // A span processor that keeps nothing: the SDK's own cost stays, export does not.
        Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(new Discard()).build().get("bench");
        loop(tracer, WARMUP);
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = mx.getCurrentThreadCpuTime();
        long begin = System.nanoTime();
        long sink = loop(tracer, MEASURED);
        double ns = (System.nanoTime() - begin) / (double) MEASURED;
        double cpuNs = (mx.getCurrentThreadCpuTime() - cpu0) / (double) MEASURED;
        if (sink == 42) {
            System.out.println(sink);
        }
        if (sched != null) {
            sched.close();
        }
        if (jvm != null) {
            jvm.close();
        }
        if (shared != null) {
            shared.close();
        }
        return new double[] {ns, cpuNs};
    }

    private static long loop(Tracer tracer, int n) {
        long sink = 0;
        for (int i = 0; i < n; i++) {
            Span span = tracer.spanBuilder("request").startSpan();
            try (Scope s = span.makeCurrent()) {
                sink += i;
            } finally {
                span.end();
            }
        }
        return sink;
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static final class Discard implements SpanProcessor {
        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {
        }

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {
        }

        @Override
        public boolean isEndRequired() {
            return true;
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
