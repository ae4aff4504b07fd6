package io.ebpfagent.probes.bench;

import io.ebpfagent.loader.programs.Program;
import io.ebpfagent.loader.programs.ProgramInfo;
import io.ebpfagent.loader.programs.Stats;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SharedMaps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the per-span kernel-time accounting ({@code span_times}) adds to the sched probe's
 * {@code sched_switch} program: two threads of this JVM that have span-context slots hand a turn to
 * each other with park/unpark (every hand-off is a voluntary switch of each, the case that also
 * reads the saved registers and the descriptor), once with the probe's {@code span_times_on} set
 * and once without, rounds interleaved. Reported per run of the program from the kernel's own
 * statistics ({@code run_time_ns / run_cnt} with {@code BPF_ENABLE_STATS}), and the difference of
 * the two program times per context switch of the two threads: the program runs for every switch
 * of the machine, most of them other processes' (which return after the tgid test).
 *
 * <p>Run: {@code ./run bench-switch-breakdown [rounds] [round trips]} (root).
 */
public final class SpanTimesSwitchCost {

    private record Sample(long runTimeNs, long runCount, long switches) {
    }

    private SpanTimesSwitchCost() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int roundTrips = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        List<Sample> on = new ArrayList<>();
        List<Sample> off = new ArrayList<>();
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        try (Stats stats = Stats.enable()) {
            run(true, roundTrips); // warm-up: JIT of the workload
            for (int r = 0; r < rounds; r++) {
                for (boolean spanTimes : r % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                    Sample s = run(spanTimes, roundTrips);
                    (spanTimes ? on : off).add(s);
                    System.out.printf(Locale.ROOT, "round %d span_times %-3s %6.1f ns per run, %d runs, %d switches of "
                            + "the two threads%n", r + 1, spanTimes ? "on" : "off", perRun(s), s.runCount(), s.switches());
                }
            }
        }
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();
        double onRun = median(on.stream().mapToDouble(SpanTimesSwitchCost::perRun).toArray());
        double offRun = median(off.stream().mapToDouble(SpanTimesSwitchCost::perRun).toArray());
        double[] added = new double[Math.min(on.size(), off.size())];
        for (int i = 0; i < added.length; i++) {
            // program time per switch of the workload threads, on minus off, within the round
            added[i] = (double) on.get(i).runTimeNs() / on.get(i).switches()
                    - (double) off.get(i).runTimeNs() / off.get(i).switches();
        }
        System.out.printf(Locale.ROOT, "%n| span_times | ns per run of on_sched_switch (median of %d) |%n|---|---|%n"
                + "| off | %.1f |%n| on | %.1f |%n%nProgram time per context switch of the workload threads, on minus off:"
                + " median %.1f ns [%.1f .. %.1f]; load average %s before, %s after%n", rounds, offRun, onRun,
                median(added), java.util.Arrays.stream(added).min().orElse(0), max(added), load0, load1);
    }

    private static double perRun(Sample s) {
        return s.runCount() == 0 ? 0 : (double) s.runTimeNs() / s.runCount();
    }

    private static Sample run(boolean spanTimes, int roundTrips) throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe sched = SchedProbe.start(SchedProbe.Config.defaults().withSpanTimes(spanTimes), shared)) {
            Program program = sched.programs().values().stream()
                    .filter(p -> p.info().name().startsWith("on_sched_switch")).findFirst().orElseThrow();
            ProgramInfo[] before = new ProgramInfo[1];
            ProgramInfo[] after = new ProgramInfo[1];
            // a slot for each thread, as a thread of the agent has once it opened a scope
            long switches = PingPong.run(roundTrips, (me, tid) -> shared.bindThread(tid, me),
                    () -> before[0] = program.info(), () -> after[0] = program.info());
            return new Sample(after[0].runTimeNs() - before[0].runTimeNs(), after[0].runCount() - before[0].runCount(),
                    switches);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length == 0 ? 0 : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(0);
    }
}
