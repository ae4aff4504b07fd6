package io.ebpfagent.probes.bench;

import io.ebpfagent.loader.collection.Collection;
import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.link.Links;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.probes.FaultsProbe;
import io.ebpfagent.probes.IoProbe;
import io.ebpfagent.probes.NetProbe;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SharedMaps;
import io.ebpfagent.probes.SyscallsProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds the kernel side of the agent's default probes on another process while told to: the
 * sched, net and faults objects loaded and attached with the agent's settings (no span context
 * published, so the off-CPU events need a span and stay in the kernel; no accept() or
 * per-connection byte hooks; major faults only), their per-thread maps read once a second as the
 * agent's collector reads them. Commands on standard input, one per line: {@code on} (loads and
 * attaches, then prints "attached"), {@code off} (detaches and frees, then prints "detached"); the
 * end of input ends it. For benchmarks that switch these hooks on and off under one running
 * service JVM (an agent, once loaded, cannot be taken out of a JVM). The jvm probe is left out:
 * its USDT sites fire at GC, JIT and safepoint events, not per request. With a second argument
 * {@code all}, the syscalls and io objects too, with the agent's settings when every probe is on
 * (the probes that hook system calls, the ones that cost per request beyond the defaults; the
 * profiler samples at a fixed rate whatever the load), their maps read alike.
 *
 * <p>With {@code floor-switch}, {@code floor-switch-clock} or {@code floor-syscalls} instead, the
 * programs of {@code hook_floor.bpf.o}: a {@code sched_switch} hook, or a {@code sys_enter} /
 * {@code sys_exit} pair, that only tests the process (and, with {@code -clock}, reads the clock):
 * the cost of the hook itself, which no probe on that hook can go below.
 *
 * <p>Run: {@code java -cp <probes test and main classes, their class path> ...KernelHooksHolder PID
 * [default|all|floor-switch|floor-switch-clock|floor-syscalls]}.
 */
public final class KernelHooksHolder {
    private KernelHooksHolder() {
    }

    /** The programs of {@code hook_floor.bpf.o} named, attached for {@code pid}. */
    static final class Floor implements AutoCloseable {
        private final Collection collection;
        private final List<AutoCloseable> links = new ArrayList<>();

        Floor(int pid, List<String> programs) throws java.io.IOException {
            CollectionSpec spec;
            try (InputStream in = KernelHooksHolder.class.getResourceAsStream("bpf/hook_floor.bpf.o")) {
                if (in == null) {
                    throw new IllegalStateException("hook_floor.bpf.o is not on the class path");
                }
                spec = CollectionSpec.load(in);
            }
            spec.programs().keySet().retainAll(programs);
            spec.variable("target_tgid").set(pid);
            collection = Collection.load(spec);
            try {
                for (ProgramSpec p : spec.programs().values()) {
                    links.add(Links.tracing(collection.program(p.name()).fd(), p.attachType(), 0));
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /** How often the programs passed their process test (slot 0 of {@code kept}, all CPUs). */
        long passed() {
            return sum(slot(0));
        }

        /** The latest CLOCK_MONOTONIC the clock variant read on any CPU (slot 1 of {@code kept}). */
        long lastClock() {
            long max = 0;
            for (byte[] v : slot(1)) {
                max = Math.max(max, java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.nativeOrder()).getLong());
            }
            return max;
        }

        private List<byte[]> slot(int key) {
            return collection.map("kept").lookupPerCpu(java.nio.ByteBuffer.allocate(4)
                    .order(java.nio.ByteOrder.nativeOrder()).putInt(key).array());
        }

        private static long sum(List<byte[]> values) {
            long n = 0;
            for (byte[] v : values) {
                n += java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.nativeOrder()).getLong();
            }
            return n;
        }

        @Override
        public void close() {
            for (AutoCloseable link : links) {
                try {
                    link.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            collection.close();
        }
    }

    /** The floor programs of a mode, or null for the probes' own. */
    static List<String> floorPrograms(String mode) {
        return switch (mode) {
            case "default", "all" -> null;
            case "floor-switch" -> List.of("floor_switch");
            case "floor-switch-clock" -> List.of("floor_switch_clock");
            case "floor-syscalls" -> List.of("floor_sys_enter", "floor_sys_exit");
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
    }

    /** One attachment of the three objects and the thread reading their maps. */
    private static final class Held implements AutoCloseable {
        private final SharedMaps shared = SharedMaps.create();
        private final SchedProbe sched;
        private final NetProbe net;
        private final FaultsProbe faults;
        private final SyscallsProbe syscalls;
        private final IoProbe io;
        private final Thread reader;

        Held(int pid, boolean all) {
            NetProbe.Config n = NetProbe.Config.defaults();
            sched = SchedProbe.start(SchedProbe.Config.defaults().withTargetTgid(pid).withEventsNeedSpan(true), shared);
            net = NetProbe.start(new NetProbe.Config(pid, n.acceptThresholdNs(), 0, n.retransmitEvents(),
                    n.resetEvents(), false, false, false, n.maxConnections()), shared);
            faults = FaultsProbe.start(new FaultsProbe.Config(pid, 0, FaultsProbe.Config.defaults().majorPeriod(), false),
                    shared);
            if (all) {
                IoProbe.Config i = IoProbe.Config.defaults();
                SyscallsProbe.Config c = SyscallsProbe.Config.defaults();
                IoProbe.Config ioConfig = new IoProbe.Config(pid, i.slowIoNs(), i.slowIoTypes(), i.fsyncThresholdNs(),
                        i.openEventsPerSec(), i.histograms());
                // the agent's way with both on: the io probe reports slow file calls, not this one
                syscalls = SyscallsProbe.start(new SyscallsProbe.Config(pid, c.slowSyscallNs(), c.histograms(),
                        c.slowExclude(), ioConfig.slowIoNs(), ioConfig.fsyncThresholdNs()), shared);
                io = IoProbe.start(ioConfig, shared, syscalls); // the agent's way with both on
            } else {
                syscalls = null;
                io = null;
            }
            reader = Thread.ofPlatform().daemon().name("holder-reader").start(this::read);
        }

        private void read() {
            long[] hist = new long[64];
            while (!Thread.currentThread().isInterrupted()) {
                sched.forEachThread((tid, on, offVol, offInvol, runq, vs, is, w, m, exited) ->
                        sched.runqHistogram(tid, hist));
                net.forEachConnection((key, lp, rp, role, owner, opened, closed, connect, acceptQueue, sent,
                                       received, retransmits, resetsSent, resetsReceived) -> { });
                if (syscalls != null) {
                    syscalls.forEach((tid, nr, count, errors, totalNs, maxNs) -> { });
                    io.forEach((tid, op, fileType, calls, bytes, errors, totalNs, maxNs) -> { });
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            reader.interrupt();
            reader.join();
            if (syscalls != null) {
                io.close();
                syscalls.close();
            }
            faults.close();
            net.close();
            sched.close();
            shared.close();
        }
    }

    public static void main(String[] args) throws Exception {
        int pid = Integer.parseInt(args[0]);
        String mode = args.length > 1 ? args[1] : "default";
        boolean all = mode.equals("all");
        List<String> floor = floorPrograms(mode);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        AutoCloseable held = null;
        try {
            String line;
            while ((line = in.readLine()) != null) {
                switch (line.strip()) {
                    case "on" -> {
                        if (held == null) {
                            held = floor == null ? new Held(pid, all) : new Floor(pid, floor);
                        }
                        System.out.println("attached");
                    }
                    case "off" -> {
                        if (held != null) {
                            held.close();
                            held = null;
                        }
                        System.out.println("detached");
                    }
                    default -> System.out.println("unknown command: " + line);
                }
                System.out.flush();
            }
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }
}
