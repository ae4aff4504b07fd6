package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.usdt.Usdt;
import io.ebpfagent.probes.layout.JvmLayouts.CompileKey;
import io.ebpfagent.probes.layout.JvmLayouts.CompileStats;
import io.ebpfagent.probes.layout.JvmLayouts.JavaThread;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code jvm.bpf.o}: HotSpot's USDT probes in this JVM's libjvm.so (thread start/stop, GC and
 * memory pools, VM operations, JIT compilations, contended monitors, class loading), all as
 * events; class load counters in .bss; every JIT compilation counted by compiler and outcome
 * ({@link #forEachCompilation}); the name and Java id of every thread from its {@code
 * thread__start}, kept until user space forgets it ({@link #javaThread}, {@link #forgetThreads}).
 */
public final class JvmProbe extends ProbeBase implements Probe {
    private static final Logger LOG = LoggerFactory.getLogger(JvmProbe.class);
    private static final String USDT_PREFIX = "usdt/";

    public record Config(int targetTgid, long gcThresholdNs, long vmopThresholdNs, long compileThresholdNs,
                         long monitorThresholdNs, boolean memPoolEvents, boolean classLoadEvents) {
        public Config {
            Rodata.requireNonNegative("gcThresholdNs", gcThresholdNs);
            Rodata.requireNonNegative("vmopThresholdNs", vmopThresholdNs);
            Rodata.requireNonNegative("compileThresholdNs", compileThresholdNs);
            Rodata.requireNonNegative("monitorThresholdNs", monitorThresholdNs);
        }

        public static Config defaults() {
            return new Config(Probe.currentPid(), 0, 0, 1_000_000L, 10_000L, true, false);
        }
    }

    /** What {@code thread__start} said about a thread. */
    public record JavaThreadName(long javaId, String name, boolean daemon) {
    }

    /** Receives the cumulative statistics of one (compiler, outcome). */
    @FunctionalInterface
    public interface CompilationVisitor {
        /**
         * @param compiler  the compiler as HotSpot names it (e.g. {@code c1}, {@code c2})
         * @param latencyNs log2 histogram of the compilation durations (64 slots, see {@link Hist}),
         *                  valid during the call only
         */
        void accept(String compiler, boolean success, long count, long totalNs, long[] latencyNs);
    }

    private final List<String> attached;
    private final Arena arena = Arena.ofShared();
    private final BpfMap javaThreads;
    private final BpfMap compileStats;
    private final MapCursor compileCursor;
    private final long[] compileHist = new long[Hist.SLOTS];
    /** Compiler names decoded so far, by their key bytes: a walk allocates nothing once seen. */
    private final List<byte[]> compilerKeys = new ArrayList<>();
    private final List<String> compilerNames = new ArrayList<>();
    private final byte[] compilerBytes = new byte[CompileKey.COMPILER_BYTES];
    /** {@link #javaThread} and {@link #forgetThreads} have buffers of their own. */
    private final Object threadLock = new Object();
    private final MemorySegment threadKey;
    private final MemorySegment threadValue;

    private JvmProbe(Config c, SharedMaps shared, List<String> attached) {
        super(BundledObject.JVM, c.targetTgid(), spec -> {
            Rodata.set(spec, "gc_threshold_ns", c.gcThresholdNs());
            Rodata.set(spec, "vmop_threshold_ns", c.vmopThresholdNs());
            Rodata.set(spec, "compile_threshold_ns", c.compileThresholdNs());
            Rodata.set(spec, "monitor_threshold_ns", c.monitorThresholdNs());
            Rodata.set(spec, "mem_pool_events", c.memPoolEvents());
            Rodata.set(spec, "class_load_events", c.classLoadEvents());
        }, (lo, programs) -> attachUsdt(lo, programs, c.targetTgid(), attached), shared,
                java.util.Map.of("LINUX_HAS_BPF_COOKIE", haveBpfCookie() ? "y" : "n"));
        this.attached = List.copyOf(attached);
        this.javaThreads = loaded.map("java_threads");
        this.compileStats = loaded.map("compile_stats");
        this.compileCursor = new MapCursor(compileStats, arena);
        this.threadKey = arena.allocate(JAVA_INT);
        this.threadValue = arena.allocate(javaThreads.valueBufferSize(), 8);
    }

    public static JvmProbe start(Config config, SharedMaps shared) {
        return new JvmProbe(config, shared, new ArrayList<>());
    }

    /*
     * usdt.bpf.h asks for LINUX_HAS_BPF_COOKIE, a value libbpf derives from the kernel rather
     * than from its configuration: spec ids come from the cookie when the kernel has
     * bpf_get_attach_cookie for kprobe programs, from the ip map otherwise.
     */
    private static final int BPF_FUNC_GET_ATTACH_COOKIE = 174;

    static boolean haveBpfCookie() {
        try {
            Features.haveProgramHelper(ProgramType.KPROBE, BPF_FUNC_GET_ATTACH_COOKIE);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The libjvm.so of process {@code pid}: the one it maps, else this JVM's java.home one. */
    static Path libjvm(int pid) {
        try {
            return Usdt.libjvmOf(pid > 0 ? pid : Probe.currentPid());
        } catch (LoaderException e) {
            return Usdt.currentLibjvm();
        }
    }

    private static void attachUsdt(LoadedObject lo, List<String> programs, int pid, List<String> attached) {
        Path jvm = libjvm(pid);
        FileDescriptor specs = lo.map("__bpf_usdt_specs").fd();
        FileDescriptor ipToSpec = lo.map("__bpf_usdt_ip_to_spec_id").fd();
        for (String name : programs) {
            ProgramSpec p = lo.spec().program(name);
            String section = p.sectionName();
            if (!section.startsWith(USDT_PREFIX)) {
                throw new IllegalStateException("jvm: no attach rule for program " + name + " in " + section);
            }
            // usdt/<binary>:<provider>:<probe>
            String[] parts = section.substring(USDT_PREFIX.length()).split(":");
            if (parts.length != 3) {
                throw new IllegalStateException("jvm: malformed USDT section " + section);
            }
            try {
                lo.own(Usdt.attach(lo.program(name), specs, ipToSpec, jvm, parts[1], parts[2], pid > 0 ? pid : -1));
                attached.add(parts[2]);
            } catch (LoaderException e) {
                // a JVM build without one of the probes loses that event kind only
                LOG.warn("jvm: probe {}:{} not attached in {}: {}", parts[1], parts[2], jvm, e.getMessage());
            }
        }
    }

    /** The USDT probe names attached (e.g. {@code thread__start}). */
    public List<String> attachedProbes() {
        return attached;
    }

    /**
     * The name, Java id and daemon flag {@code thread__start} reported for kernel tid {@code tid},
     * or null when the probe saw no start of that thread (it started before the probe attached,
     * is not a Java thread, or was forgotten). Allocates the result.
     */
    public JavaThreadName javaThread(int tid) {
        synchronized (threadLock) {
            if (isClosed()) {
                return null;
            }
            threadKey.set(JAVA_INT, 0, tid);
            if (!javaThreads.lookup(threadKey, threadValue)) {
                return null;
            }
            int n = 0;
            while (n < JavaThread.NAME_BYTES && threadValue.get(JAVA_BYTE, JavaThread.NAME + n) != 0) {
                n++;
            }
            byte[] name = new byte[n];
            MemorySegment.copy(threadValue, JAVA_BYTE, JavaThread.NAME, name, 0, n);
            return new JavaThreadName(threadValue.get(JAVA_LONG, JavaThread.JAVA_ID),
                    new String(name, StandardCharsets.UTF_8), threadValue.get(JAVA_BYTE, JavaThread.DAEMON) != 0);
        }
    }

    /** Forgets the names of the threads {@code tids[0..count)}: their final counters were read. */
    public void forgetThreads(int[] tids, int count) {
        synchronized (threadLock) {
            if (isClosed()) {
                return;
            }
            for (int i = 0; i < count; i++) {
                threadKey.set(JAVA_INT, 0, tids[i]);
                javaThreads.delete(threadKey);
            }
        }
    }

    /**
     * Every (compiler, outcome) with finished compilations: counts and durations of all of them,
     * whatever {@link Config#compileThresholdNs()} (which only selects the {@code EV_COMPILE}
     * events). Returns how many entries were visited. Allocation free once each compiler was seen.
     */
    public synchronized int forEachCompilation(CompilationVisitor visitor) {
        if (isClosed()) {
            return 0;
        }
        int n = 0;
        compileCursor.reset();
        while (compileCursor.next()) {
            MemorySegment k = compileCursor.key();
            MemorySegment v = compileCursor.value();
            Hist.copy(v, CompileStats.LAT, compileHist);
            visitor.accept(compilerName(k), k.get(JAVA_INT, CompileKey.SUCCESS) != 0,
                    v.get(JAVA_LONG, CompileStats.COUNT), v.get(JAVA_LONG, CompileStats.TOTAL_NS), compileHist);
            n++;
        }
        return n;
    }

    private String compilerName(MemorySegment key) {
        MemorySegment.copy(key, JAVA_BYTE, CompileKey.COMPILER, compilerBytes, 0, compilerBytes.length);
        for (int i = 0; i < compilerKeys.size(); i++) {
            if (java.util.Arrays.equals(compilerKeys.get(i), compilerBytes)) {
                return compilerNames.get(i);
            }
        }
        int n = 0;
        while (n < compilerBytes.length && compilerBytes[n] != 0) {
            n++;
        }
        String name = new String(compilerBytes, 0, n, StandardCharsets.UTF_8);
        compilerKeys.add(compilerBytes.clone());
        compilerNames.add(name);
        return name;
    }

    @Override
    public synchronized void close() {
        if (isClosed()) {
            return;
        }
        synchronized (threadLock) {
            super.close();
            arena.close();
        }
    }

    public long classesLoaded() {
        return loaded.collection().variable("classes_loaded").getLong();
    }

    public long classesLoadedShared() {
        return loaded.collection().variable("classes_loaded_shared").getLong();
    }

    public long classesUnloaded() {
        return loaded.collection().variable("classes_unloaded").getLong();
    }
}
