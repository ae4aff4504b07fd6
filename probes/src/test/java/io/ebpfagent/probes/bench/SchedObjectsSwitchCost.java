package io.ebpfagent.probes.bench;

import io.ebpfagent.loader.collection.Collection;
import io.ebpfagent.loader.collection.CollectionOptions;
import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.link.Links;
import io.ebpfagent.loader.programs.Program;
import io.ebpfagent.loader.programs.ProgramInfo;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import io.ebpfagent.loader.programs.Stats;
import io.ebpfagent.probes.BundledObject;
import io.ebpfagent.probes.SharedMaps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sched probe's cost per program run, two builds of {@code sched.bpf.o} against each other in
 * one JVM: the bundled object and another one from a file (typically the previous commit's,
 * rebuilt with {@code scripts/build-bpf.sh}), loaded alternately, rounds interleaved (ABBA), so
 * that the machine's drift hits both alike. The workload is two threads of this JVM handing a turn
 * to each other with park/unpark: every hand-off is a wakeup and a voluntary switch of each. With
 * {@code slots} the threads have span-context slots (the per-span split runs, as for a thread of
 * the agent inside a scope), without they have none. Reported from the kernel's own statistics
 * ({@code BPF_ENABLE_STATS}): ns per run of {@code on_sched_switch} and {@code on_sched_wakeup},
 * and all of the object's program time per context switch of the two threads.
 *
 * <p>Run (root): {@code java ... SchedObjectsSwitchCost OTHER.bpf.o [rounds] [round trips] [slots|noslots] [cold]}; cold: each thread reads 8 MiB before every hand-off.
 */
public final class SchedObjectsSwitchCost {

    private record Sample(Map<String, long[]> programs, long switches) {
        double perRun(String program) {
            long[] v = programs.get(program);
            return v == null || v[1] == 0 ? 0 : (double) v[0] / v[1];
        }

        double runsPerSwitch(String program) {
            long[] v = programs.get(program);
            return v == null ? 0 : (double) v[1] / switches;
        }

        double perSwitch() {
            long ns = 0;
            for (long[] v : programs.values()) {
                ns += v[0];
            }
            return (double) ns / switches;
        }
    }

    private static final String[] PROGRAMS = {"on_sched_switch", "on_sched_wakeup"};
    private static boolean cold;
    private static final ThreadLocal<long[]> EVICT = ThreadLocal.withInitial(() -> new long[1 << 20]);
    private static volatile long sink;

    private static void evict() {
        long[] a = EVICT.get();
        long x = 0;
        for (int i = 0; i < a.length; i += 8) {
            x += a[i]++;
        }
        sink = x;
    }

    private SchedObjectsSwitchCost() {
    }

    public static void main(String[] args) throws Exception {
        Path other = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int roundTrips = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        boolean slots = args.length <= 3 || !args[3].equals("noslots");
        // cold: each thread reads 8 MiB before every hand-off, so the programs find their maps and
        // the tasks' lines evicted, as after a request's work (a busy service's switches)
        cold = args.length > 4 && args[4].equals("cold");
        byte[] bundled = BundledObject.SCHED.bytes();
        byte[] otherBytes = Files.readAllBytes(other);
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        samples.put("other", new ArrayList<>());
        samples.put("bundled", new ArrayList<>());
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        try (Stats stats = Stats.enable()) {
            run(bundled, roundTrips, slots); // warm-up: JIT of the workload
            for (int r = 0; r < rounds; r++) {
                for (String which : r % 2 == 0 ? new String[] {"other", "bundled"} : new String[] {"bundled", "other"}) {
                    Sample s = run(which.equals("other") ? otherBytes : bundled, roundTrips, slots);
                    samples.get(which).add(s);
                    System.out.printf(Locale.ROOT, "round %d %-7s switch %6.1f ns/run, wakeup %6.1f ns/run (%.2f runs/switch),"
                                    + " all programs %6.1f ns per switch of the two threads (%d switches)%n", r + 1, which,
                            s.perRun(PROGRAMS[0]), s.perRun(PROGRAMS[1]), s.runsPerSwitch(PROGRAMS[1]), s.perSwitch(),
                            s.switches());
                }
            }
        }
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf(Locale.ROOT, "%n%s, %s span-context slots%s; medians of %d rounds%n%n| object | on_sched_switch ns/run"
                + " | on_sched_wakeup ns/run | wakeup runs/switch | all programs ns per switch |%n|---|---|---|---|---|%n",
                other, slots ? "with" : "without", cold ? ", caches evicted before every hand-off" : "", rounds);
        for (var e : samples.entrySet()) {
            List<Sample> l = e.getValue();
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.2f | %.1f |%n", e.getKey(),
                    median(l.stream().mapToDouble(s -> s.perRun(PROGRAMS[0])).toArray()),
                    median(l.stream().mapToDouble(s -> s.perRun(PROGRAMS[1])).toArray()),
                    median(l.stream().mapToDouble(s -> s.runsPerSwitch(PROGRAMS[1])).toArray()),
                    median(l.stream().mapToDouble(Sample::perSwitch).toArray()));
        }
        for (var e : samples.entrySet()) {
            for (String program : e.getValue().getFirst().programs().keySet()) {
                System.out.printf(Locale.ROOT, "%s %s: %.1f ns/run, %.2f runs/switch%n", e.getKey(), program,
                        median(e.getValue().stream().mapToDouble(s -> s.perRun(program)).toArray()),
                        median(e.getValue().stream().mapToDouble(s -> s.runsPerSwitch(program)).toArray()));
            }
        }
        System.out.printf(Locale.ROOT, "%nload average %s before, %s after%n", load0, load1);
    }

    private static Sample run(byte[] object, int roundTrips, boolean slots) throws Exception {
        try (SharedMaps shared = SharedMaps.create()) {
            CollectionSpec spec = CollectionSpec.load(object, "sched.bpf.o");
            spec.variable("target_tgid").set(ProcessHandle.current().pid());
            spec.variable("span_times_on").set(1);
            // attached as SchedProbe attaches it: an object that takes run-queue waits from the
            // scheduler's bookkeeping runs no program at wakeups
            if (spec.variables().containsKey("runq_from_wakeups")) {
                spec.programs().remove("on_sched_wakeup");
                spec.programs().remove("on_sched_wakeup_new");
            }
            List<AutoCloseable> links = new ArrayList<>();
            try (Collection c = Collection.load(spec, CollectionOptions.DEFAULT.withMapReplacements(Map.of(
                    SharedMaps.SPAN_SLOTS_MAP, shared.spanSlotsMap(), SharedMaps.TID_SLOT_MAP, shared.tidSlotMap())))) {
                try {
                    for (ProgramSpec p : spec.programs().values()) {
                        if (p.type() == ProgramType.TRACING) {
                            links.add(Links.tracing(c.program(p.name()).fd(), p.attachType(), 0));
                        }
                    }
                    return measure(c, shared, roundTrips, slots);
                } finally {
                    for (int i = links.size() - 1; i >= 0; i--) {
                        links.get(i).close();
                    }
                }
            }
        }
    }

    private static Sample measure(Collection c, SharedMaps shared, int roundTrips, boolean slots) throws Exception {
        List<Map<String, ProgramInfo>> seen = new ArrayList<>();
        long switches = PingPong.run(roundTrips, (me, tid) -> {
            if (slots) {
                shared.bindThread(tid, me);
            }
        }, () -> seen.add(infos(c)), () -> seen.add(infos(c)), cold ? SchedObjectsSwitchCost::evict : () -> { });
        Map<String, ProgramInfo> before = seen.get(0);
        Map<String, long[]> programs = new LinkedHashMap<>();
        for (var e : seen.get(1).entrySet()) {
            ProgramInfo b = before.get(e.getKey());
            programs.put(e.getKey(), new long[] {e.getValue().runTimeNs() - b.runTimeNs(),
                    e.getValue().runCount() - b.runCount()});
        }
        return new Sample(programs, switches);
    }

    private static Map<String, ProgramInfo> infos(Collection c) {
        Map<String, ProgramInfo> m = new LinkedHashMap<>();
        for (Map.Entry<String, Program> e : c.programs().entrySet()) {
            m.put(e.getKey(), e.getValue().info());
        }
        return m;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0 ? 0 : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
