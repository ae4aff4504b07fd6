package io.ebpfagent.demo.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The demo's closing report, made from what both agents sent over OTLP: per thread group where
 * the time went (the ebpf-agent's metrics), per route and for the slowest requests how the
 * request's time split between running, waiting for a CPU and waiting for something specific
 * (the OpenTelemetry Java agent's spans with the ebpf-agent's {@code kernel.*} attributes, and
 * the kernel child spans under them), and the JVM's pauses. A screen or two, not a dump.
 */
public final class DemoReport {
    private final TelemetryStore store;
    private final int groups;
    private final int slowest;
    private final int kernelChildren;
    /** CPU seconds of the whole process from /proc, read by the runner before the stop; NaN: not known. */
    private double processCpuSeconds = Double.NaN;

    /**
     * @param groups         thread groups shown
     * @param slowest        slowest requests shown as trees
     * @param kernelChildren kinds of kernel child spans shown per span (one line each; the rest
     *                       summed up on one line)
     */
    public DemoReport(TelemetryStore store, int groups, int slowest, int kernelChildren) {
        this.store = store;
        this.groups = groups;
        this.slowest = slowest;
        this.kernelChildren = kernelChildren;
    }

    public DemoReport(TelemetryStore store) {
        this(store, 8, 3, 3);
    }

    /**
     * Adds the process's CPU time as /proc counts it (utime + stime of /proc/PID/stat), read just
     * before the shop was stopped, next to the sum over the thread groups: the agent's numbers
     * against the kernel's own account, which includes the threads that already exited.
     */
    public DemoReport withProcessCpu(double seconds) {
        this.processCpuSeconds = seconds;
        return this;
    }

    public String render() {
        StringBuilder out = new StringBuilder();
        List<SpanRecord> spans = store.spans();
        long app = spans.stream().filter(s -> !s.isKernel()).count();
        long withBreakdown = spans.stream().filter(s -> !s.isKernel() && !s.breakdown().isEmpty()).count();
        long kernel = spans.size() - app;
        out.append(String.format(Locale.ROOT,
                "received over OTLP: %d application spans (%d with a kernel breakdown), %d kernel spans, %d metric series%n",
                app, withBreakdown, kernel, store.metrics().size()));
        threadGroups(out);
        routes(out, spans);
        slowestRequests(out, spans);
        pauses(out, spans);
        return out.toString();
    }

    // ---- per thread group ------------------------------------------------------------------

    private static final class Group {
        double cpu;
        double runq;
        double blocked;
        double preempted;
        double readBytes;
        double writeBytes;
        double diskRead;
        double diskWrite;
        double netIn;
        double netOut;
        double minor;
        double major;
        final Map<String, Double> syscalls = new HashMap<>();
    }

    private void threadGroups(StringBuilder out) {
        Map<String, Group> byName = new TreeMap<>();
        // system call series carry no thread group unless probes.syscalls.by_thread is set
        Map<String, Double> processSyscalls = new HashMap<>();
        for (MetricPoint p : store.metrics()) {
            String thread = p.attribute(Signals.THREAD_NAME);
            if (thread.isEmpty()) {
                if (p.name().equals(Signals.SYSCALL_DURATION)) {
                    processSyscalls.merge(p.attribute(Signals.SYSCALL_NAME), p.value(), Double::sum);
                }
                continue;
            }
            Group g = byName.computeIfAbsent(thread, k -> new Group());
            switch (p.name()) {
                case Signals.CPU_TIME -> g.cpu += p.value();
                case Signals.RUNQUEUE_TIME -> g.runq += p.value();
                case Signals.OFF_CPU_TIME -> {
                    if (p.attribute(Signals.OFF_CPU_REASON).equals("involuntary")) {
                        g.preempted += p.value();
                    } else {
                        g.blocked += p.value();
                    }
                }
                case Signals.SYSCALL_DURATION -> g.syscalls.merge(p.attribute(Signals.SYSCALL_NAME), p.value(), Double::sum);
                case Signals.FILE_IO -> {
                    if (p.attribute(Signals.FILE_DIRECTION).equals("read")) {
                        g.readBytes += p.value();
                    } else {
                        g.writeBytes += p.value();
                    }
                }
                case Signals.DISK_IO -> {
                    if (p.attribute(Signals.DISK_DIRECTION).equals("read")) {
                        g.diskRead += p.value();
                    } else {
                        g.diskWrite += p.value();
                    }
                }
                case Signals.NETWORK_IO -> {
                    if (p.attribute(Signals.NETWORK_DIRECTION).equals("receive")) {
                        g.netIn += p.value();
                    } else {
                        g.netOut += p.value();
                    }
                }
                case Signals.PAGING_FAULTS -> {
                    if (p.attribute(Signals.FAULT_TYPE).equals("major")) {
                        g.major += p.value();
                    } else {
                        g.minor += p.value();
                    }
                }
                default -> {
                    // not part of this table
                }
            }
        }
        out.append("\n== Where the time went, per thread group (ebpf-agent metrics, whole run) ==\n");
        if (byName.isEmpty()) {
            out.append("  no per-thread metrics received\n");
            return;
        }
        // system call time per group only with probes.syscalls.by_thread: no empty column otherwise
        boolean bySyscall = byName.values().stream().anyMatch(g -> !g.syscalls.isEmpty());
        String syscallColumn = bySyscall ? "  %-30s" : "%s";
        out.append(String.format(Locale.ROOT, "  %-22s %7s %7s %8s %7s" + syscallColumn + "  %-13s %-13s %-13s %s%n",
                "thread group", "cpu s", "runq s", "blocked", "preempt", bySyscall ? "blocked in (syscall time)" : "",
                "file r/w", "disk r/w", "net in/out", "faults min/maj"));
        List<Map.Entry<String, Group>> sorted = byName.entrySet().stream()
                .sorted(Comparator.comparingDouble((Map.Entry<String, Group> e) -> -(e.getValue().cpu + e.getValue().runq)))
                .toList();
        for (Map.Entry<String, Group> e : sorted.subList(0, Math.min(groups, sorted.size()))) {
            Group g = e.getValue();
            String sys = g.syscalls.entrySet().stream().filter(s -> s.getValue() >= 0.0005)
                    .sorted(Map.Entry.comparingByValue(Comparator.reverseOrder())).limit(3)
                    .map(s -> s.getKey() + " " + seconds(s.getValue())).collect(Collectors.joining(", "));
            out.append(String.format(Locale.ROOT, "  %-22s %7.2f %7.2f %8.2f %7.2f" + syscallColumn
                            + "  %-13s %-13s %-13s %s%n",
                    cut(e.getKey(), 22), g.cpu, g.runq, g.blocked, g.preempted,
                    bySyscall ? cut(sys.isEmpty() ? "-" : sys, 30) : "",
                    bytes(g.readBytes) + "/" + bytes(g.writeBytes), bytes(g.diskRead) + "/" + bytes(g.diskWrite),
                    bytes(g.netIn) + "/" + bytes(g.netOut),
                    count(g.minor) + "/" + count(g.major)));
        }
        if (sorted.size() > groups) {
            out.append("  (").append(sorted.size() - groups).append(" more groups with less CPU)\n");
        }
        double allCpu = byName.values().stream().mapToDouble(g -> g.cpu).sum();
        out.append(String.format(Locale.ROOT, "  CPU of all %d groups: %.2f s", byName.size(), allCpu));
        if (!Double.isNaN(processCpuSeconds)) {
            out.append(String.format(Locale.ROOT, "; /proc/PID/stat said %.2f s just before the stop", processCpuSeconds));
        }
        out.append('\n');
        if (!processSyscalls.isEmpty()) {
            String top = processSyscalls.entrySet().stream().filter(s -> s.getValue() >= 0.0005)
                    .sorted(Map.Entry.comparingByValue(Comparator.reverseOrder())).limit(5)
                    .map(s -> s.getKey() + " " + seconds(s.getValue())).collect(Collectors.joining(", "));
            out.append("  system call time, whole process: ").append(top.isEmpty() ? "-" : top).append('\n');
        }
        out.append("  blocked: off-CPU waiting (locks, sleeps, I/O, idle pools); preempt: runnable but switched out;\n")
                .append("  file: read/write calls on files (page cache included); disk: storage bytes at the block layer\n");
    }

    // ---- per route -------------------------------------------------------------------------

    private void routes(StringBuilder out, List<SpanRecord> spans) {
        Map<String, List<SpanRecord>> byRoute = new TreeMap<>();
        for (SpanRecord s : spans) {
            if (s.kind().equals("SERVER") && !s.isKernel()) {
                byRoute.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(s);
            }
        }
        out.append("\n== Requests per route: mean kernel time per request (server spans of the OpenTelemetry Java agent) ==\n");
        if (byRoute.isEmpty()) {
            out.append("  no server spans received\n");
            return;
        }
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "  %-18s %6s %8s %8s ", "span", "count",
                "p50 ms", "p99 ms"));
        for (Signals.State st : Signals.State.values()) {
            header.append(String.format(Locale.ROOT, "%7s", st.label()));
        }
        out.append(header).append("  (ms)\n");
        for (Map.Entry<String, List<SpanRecord>> e : byRoute.entrySet()) {
            List<SpanRecord> list = e.getValue();
            long[] durations = list.stream().mapToLong(SpanRecord::durationNs).sorted().toArray();
            Breakdown mean = list.stream().map(SpanRecord::breakdown).reduce(Breakdown.zero(), Breakdown::plus)
                    .divide(list.size());
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-18s %6d %8.1f %8.1f ",
                    cut(e.getKey(), 18), list.size(), quantile(durations, 0.5) / 1e6, quantile(durations, 0.99) / 1e6));
            for (Signals.State st : Signals.State.values()) {
                line.append(String.format(Locale.ROOT, "%7.1f", mean.get(st) * 1e3));
            }
            out.append(line).append('\n');
        }
        out.append("  cpu: on a CPU; runq: waiting for one; lock/net/disk/sleep/other: blocked, by the cause the kernel saw;\n")
                .append("  summed over every thread the span was current on (pool threads included)\n");
    }

    // ---- slowest requests ------------------------------------------------------------------

    private void slowestRequests(StringBuilder out, List<SpanRecord> spans) {
        List<SpanRecord> roots = spans.stream().filter(s -> s.kind().equals("SERVER") && s.isRoot() && !s.isKernel())
                .sorted(Comparator.comparingLong(SpanRecord::durationNs).reversed()).limit(slowest).toList();
        out.append("\n== The ").append(roots.size()).append(" slowest requests, as trace trees ==\n");
        if (roots.isEmpty()) {
            return;
        }
        Map<String, List<SpanRecord>> children = new HashMap<>();
        for (SpanRecord s : spans) {
            if (!s.isRoot()) {
                children.computeIfAbsent(s.traceId() + "/" + s.parentSpanId(), k -> new ArrayList<>()).add(s);
            }
        }
        for (SpanRecord root : roots) {
            out.append(String.format(Locale.ROOT, "  %s  %s  trace %s%n", root.name(), ms(root.durationNs()),
                    root.traceId()));
            out.append("    [").append(root.breakdown().compact()).append(']').append(pausesOf(root)).append('\n');
            tree(out, root, children, "  ");
        }
    }

    /** Kernel child spans of one name under one parent, summed up. */
    private record KernelGroup(String name, int count, long totalNs, long maxNs, List<String> threads) {
        static KernelGroup of(String name, List<SpanRecord> spans) {
            return new KernelGroup(name, spans.size(), spans.stream().mapToLong(SpanRecord::durationNs).sum(),
                    spans.stream().mapToLong(SpanRecord::durationNs).max().orElse(0),
                    spans.stream().map(s -> s.text(Signals.THREAD_NAME, "?")).distinct().sorted().toList());
        }

        String line() {
            String where = threads.size() <= 2 ? String.join(", ", threads)
                    : threads.get(0) + ", " + threads.get(1) + " +" + (threads.size() - 2);
            return count == 1 ? String.format(Locale.ROOT, "%s %s  (kernel, %s)", name, ms(totalNs), where)
                    : String.format(Locale.ROOT, "%s ×%d, %s in all, longest %s  (kernel, %s)", name, count,
                            ms(totalNs), ms(maxNs), where);
        }
    }

    /**
     * The application children of {@code parent} in start order, each with its own subtree, then
     * its kernel children grouped by name, the groups with the most time first.
     */
    private void tree(StringBuilder out, SpanRecord parent, Map<String, List<SpanRecord>> children, String indent) {
        List<SpanRecord> kids = children.getOrDefault(parent.traceId() + "/" + parent.spanId(), List.of());
        List<SpanRecord> app = kids.stream().filter(k -> !k.isKernel())
                .sorted(Comparator.comparingLong(SpanRecord::startNs)).toList();
        Map<String, List<SpanRecord>> byName = new TreeMap<>();
        kids.stream().filter(SpanRecord::isKernel)
                .forEach(k -> byName.computeIfAbsent(k.name(), n -> new ArrayList<>()).add(k));
        List<KernelGroup> groups = byName.entrySet().stream().map(e -> KernelGroup.of(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingLong(KernelGroup::totalNs).reversed()).toList();
        List<KernelGroup> shownGroups = groups.subList(0, Math.min(kernelChildren, groups.size()));
        List<KernelGroup> hiddenGroups = groups.subList(shownGroups.size(), groups.size());
        int lines = app.size() + shownGroups.size() + (hiddenGroups.isEmpty() ? 0 : 1);
        int i = 0;
        for (SpanRecord k : app) {
            boolean last = ++i == lines;
            out.append(indent).append(last ? "└─ " : "├─ ").append(String.format(Locale.ROOT, "%s %s %s  [%s]%s%n",
                    k.name(), k.kind().toLowerCase(Locale.ROOT), ms(k.durationNs()), k.breakdown().compact(),
                    pausesOf(k)));
            tree(out, k, children, indent + (last ? "   " : "│  "));
        }
        for (KernelGroup g : shownGroups) {
            out.append(indent).append(++i == lines ? "└─ " : "├─ ").append(g.line()).append('\n');
        }
        if (!hiddenGroups.isEmpty()) {
            out.append(indent).append("└─ ").append(hiddenGroups.stream().mapToInt(KernelGroup::count).sum())
                    .append(" more kernel spans, ").append(ms(hiddenGroups.stream().mapToLong(KernelGroup::totalNs).sum()))
                    .append(" together\n");
        }
    }

    // ---- JVM pauses ------------------------------------------------------------------------

    private void pauses(StringBuilder out, List<SpanRecord> spans) {
        out.append("\n== JVM pauses (jvm probe: HotSpot USDT) ==\n");
        List<MetricPoint> gc = store.metric(Signals.GC_DURATION).stream().filter(p -> p.count() > 0).toList();
        if (gc.isEmpty()) {
            out.append("  no garbage collection during the run\n");
        }
        for (MetricPoint p : gc) {
            out.append(String.format(Locale.ROOT, "  gc %-24s %-22s %5d pauses, %s total, longest <= %s%n",
                    cut(p.attribute(Signals.GC_NAME), 24), cut(p.attribute(Signals.GC_ACTION), 22), p.count(),
                    seconds(p.value()), seconds(p.maxBound())));
        }
        List<MetricPoint> vmops = store.metric(Signals.VM_OPERATION_DURATION).stream().filter(p -> p.count() > 0)
                .sorted(Comparator.comparingDouble(MetricPoint::value).reversed()).toList();
        if (!vmops.isEmpty()) {
            out.append("  safepoint operations by time: ").append(vmops.stream().limit(4)
                    .map(p -> p.attribute(Signals.VM_OPERATION_NAME) + " " + p.count() + "x " + seconds(p.value()))
                    .collect(Collectors.joining(", "))).append(vmops.size() > 4 ? ", ..." : "").append('\n');
        }
        requestsInPauses(out, spans);
    }

    /** One route's requests that overlapped pauses of one kind. */
    private record Stopped(int count, double totalSeconds, double maxSeconds) {
        static Stopped of(List<SpanRecord> requests, String attribute) {
            double[] v = requests.stream().mapToDouble(s -> s.number(attribute)).filter(x -> x > 0).toArray();
            return new Stopped(v.length, Arrays.stream(v).sum(), Arrays.stream(v).max().orElse(0));
        }

        String text(String what) {
            return count == 0 ? "none " + what
                    : String.format(Locale.ROOT, "%d %s, %s in all, longest %s", count, what,
                            seconds(totalSeconds), seconds(maxSeconds));
        }
    }

    /**
     * Requests stopped by a pause, from the server spans' own overlap values: the {@code gc pause}
     * and {@code vm operation} kernel spans belong to the VM thread that ran them, never to a
     * request, so they cannot say which request a pause stopped.
     */
    private static void requestsInPauses(StringBuilder out, List<SpanRecord> spans) {
        Map<String, List<SpanRecord>> byRoute = new TreeMap<>();
        for (SpanRecord s : spans) {
            if (s.kind().equals("SERVER") && !s.isKernel()) {
                byRoute.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(s);
            }
        }
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, List<SpanRecord>> e : byRoute.entrySet()) {
            Stopped gc = Stopped.of(e.getValue(), Signals.GC_PAUSE_TIME);
            Stopped safepoint = Stopped.of(e.getValue(), Signals.SAFEPOINT_TIME);
            if (safepoint.count() > 0 || gc.count() > 0) {
                lines.add(String.format(Locale.ROOT, "    %-18s of %d: %s; %s%n", cut(e.getKey(), 18),
                        e.getValue().size(), gc.text("in a GC pause"), safepoint.text("at a safepoint")));
            }
        }
        out.append("  pauses that stopped a request (kernel.gc.pause.time, kernel.safepoint.time of server spans):");
        if (lines.isEmpty()) {
            out.append(" none\n");
            return;
        }
        out.append('\n');
        lines.forEach(out::append);
        out.append("    time of the request under the pause, summed over the threads it was current on;"
                + " safepoints include the GC pauses\n");
    }

    /** {@code  (gc pause 1.0 · safepoint 1.5 ms)} when the span overlapped pauses, else empty. */
    private static String pausesOf(SpanRecord s) {
        double gc = s.number(Signals.GC_PAUSE_TIME);
        double safepoint = s.number(Signals.SAFEPOINT_TIME);
        if (gc <= 0 && safepoint <= 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder("  (");
        if (gc > 0) {
            sb.append(String.format(Locale.ROOT, "gc pause %.1f", gc * 1e3));
        }
        if (safepoint > 0) {
            sb.append(gc > 0 ? " · " : "").append(String.format(Locale.ROOT, "safepoint %.1f", safepoint * 1e3));
        }
        return sb.append(" ms)").toString();
    }

    // ---- formatting ------------------------------------------------------------------------

    private static long quantile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static String ms(long ns) {
        return String.format(Locale.ROOT, "%.1f ms", ns / 1e6);
    }

    static String seconds(double s) {
        if (Double.isNaN(s)) {
            return "?";
        }
        if (Double.isInfinite(s)) {
            return "+Inf";
        }
        return s >= 1 ? String.format(Locale.ROOT, "%.2fs", s) : String.format(Locale.ROOT, "%.1fms", s * 1e3);
    }

    static String bytes(double b) {
        if (b < 1024) {
            return String.format(Locale.ROOT, "%.0f", b);
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.0fK", b / 1024);
        }
        return String.format(Locale.ROOT, "%.1fM", b / (1024 * 1024));
    }

    private static String count(double n) {
        return n < 10_000 ? String.format(Locale.ROOT, "%.0f", n) : String.format(Locale.ROOT, "%.0fk", n / 1000);
    }

    private static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }
}
