package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.ProgramType;
import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.NotSupportedException;
import io.ebpfagent.loader.sys.SyscallException;
import io.ebpfagent.loader.usdt.Usdt;
import io.ebpfagent.probes.layout.JvmLayouts;
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
 *
 * <p>One program ({@code on_hotspot}) serves every probe: by default it is attached to all their
 * sites with one uprobe_multi link (kernel 6.6+), which the kernel removes with one RCU wait
 * when the JVM exits instead of one per site (~1 s of exit time for 14 uprobe perf events here)
 * and which needs only CAP_BPF + CAP_PERFMON. {@link Config#perSiteUprobes()} (and kernels
 * without uprobe_multi links, detected at attach) use one uprobe perf event per site instead,
 * which needs CAP_SYS_ADMIN.
 */
public final class JvmProbe extends ProbeBase implements Probe {
    private static final Logger LOG = LoggerFactory.getLogger(JvmProbe.class);
    /** The dispatching program of jvm.bpf.o. */
    static final String PROGRAM = "on_hotspot";
    /** The hotspot probes {@code on_hotspot} serves, in the order of its {@code enum hotspot_probe} (the usdt cookie). */
    public static final List<String> PROBES = List.of("thread__start", "thread__stop", "gc__begin", "gc__end",
            "mem__pool__gc__begin", "mem__pool__gc__end", "vmops__begin", "vmops__end", "method__compile__begin",
            "method__compile__end", "monitor__contended__enter", "monitor__contended__entered", "class__loaded",
            "class__unloaded");

    /**
     * The probes attached only with {@link Config#classLoadEvents}: HotSpot fires them at every
     * class load and unload, and every hit of a uprobe is a trap into the kernel (several µs), so
     * attached they would tax each of the thousands of classes an application loads (the JVM
     * counts its classes itself: {@code ClassLoadingMXBean}).
     */
    public static final List<String> CLASS_PROBES = List.of("class__loaded", "class__unloaded");

    /**
     * The probes attached only with {@link Config#memPoolEvents}: HotSpot fires them for every
     * memory pool at the start and end of every collection, inside the pause (with G1 six to
     * eight uprobe traps per young collection).
     */
    public static final List<String> MEM_POOL_PROBES = List.of("mem__pool__gc__begin", "mem__pool__gc__end");

    /**
     * @param memPoolEvents attach {@link #MEM_POOL_PROBES}: {@code EV_MEM_POOL_GC} events (each
     *                      pool's usage before and after every collection)
     * @param classLoadEvents attach {@link #CLASS_PROBES}: {@code EV_CLASS_LOADED} events and the
     *                        {@link #classesLoaded} counters; without it no program runs at class
     *                        loads and those counters stay 0
     * @param perSiteUprobes one uprobe perf event per probe site instead of one uprobe_multi link
     *                       (for kernels before 6.6; slow to detach, needs CAP_SYS_ADMIN)
     */
    public record Config(int targetTgid, long gcThresholdNs, long vmopThresholdNs, long compileThresholdNs,
                         long monitorThresholdNs, boolean memPoolEvents, boolean classLoadEvents,
                         boolean perSiteUprobes) {
        public Config {
            Rodata.requireNonNegative("gcThresholdNs", gcThresholdNs);
            Rodata.requireNonNegative("vmopThresholdNs", vmopThresholdNs);
            Rodata.requireNonNegative("compileThresholdNs", compileThresholdNs);
            Rodata.requireNonNegative("monitorThresholdNs", monitorThresholdNs);
        }

        public Config(int targetTgid, long gcThresholdNs, long vmopThresholdNs, long compileThresholdNs,
                      long monitorThresholdNs, boolean memPoolEvents, boolean classLoadEvents) {
            this(targetTgid, gcThresholdNs, vmopThresholdNs, compileThresholdNs, monitorThresholdNs, memPoolEvents,
                    classLoadEvents, false);
        }

        public static Config defaults() {
            return new Config(Probe.currentPid(), 0, 0, 1_000_000L, 10_000L, true, false, false);
        }

        public Config withPerSiteUprobes(boolean value) {
            return new Config(targetTgid, gcThresholdNs, vmopThresholdNs, compileThresholdNs, monitorThresholdNs,
                    memPoolEvents, classLoadEvents, value);
        }

        public Config withMemPoolEvents(boolean value) {
            return new Config(targetTgid, gcThresholdNs, vmopThresholdNs, compileThresholdNs, monitorThresholdNs,
                    value, classLoadEvents, perSiteUprobes);
        }

        public Config withClassLoadEvents(boolean value) {
            return new Config(targetTgid, gcThresholdNs, vmopThresholdNs, compileThresholdNs, monitorThresholdNs,
                    memPoolEvents, value, perSiteUprobes);
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
    private final byte[] compilerBytes = new byte[CompileKey.COMPILER_LENGTH];
    /** {@link #javaThread} and {@link #forgetThreads} have buffers of their own. */
    private final Object threadLock = new Object();
    private final MemorySegment threadKey;
    private final MemorySegment threadValue;
    private final List<String> missing;
    private final boolean multiLink;

    private JvmProbe(Config c, SharedMaps shared, Attachment attachment) {
        super(BundledObject.JVM, c.targetTgid(), spec -> {
            MapAllocation.onFirstWrite(spec, "monitor_begin");
            JvmLayouts.Rodata.setGcThresholdNs(spec, c.gcThresholdNs());
            JvmLayouts.Rodata.setVmopThresholdNs(spec, c.vmopThresholdNs());
            JvmLayouts.Rodata.setCompileThresholdNs(spec, c.compileThresholdNs());
            JvmLayouts.Rodata.setMonitorThresholdNs(spec, c.monitorThresholdNs());
            JvmLayouts.Rodata.setMemPoolEvents(spec, c.memPoolEvents());
            JvmLayouts.Rodata.setClassLoadEvents(spec, c.classLoadEvents());
            if (!c.perSiteUprobes()) {
                spec.programs().put(PROGRAM, spec.program(PROGRAM).withAttachType(AttachType.TRACE_UPROBE_MULTI));
            }
        }, (lo, programs) -> attachUsdt(lo, programs, c, attachment), shared,
                java.util.Map.of("LINUX_HAS_BPF_COOKIE", haveBpfCookie() ? "y" : "n"));
        this.javaThreads = loaded.map("java_threads");
        this.compileStats = loaded.map("compile_stats");
        this.compileCursor = new MapCursor(compileStats, arena);
        this.threadKey = arena.allocate(JAVA_INT);
        this.threadValue = arena.allocate(javaThreads.valueBufferSize(), 8);
        this.attached = List.copyOf(attachment.attached);
        this.missing = List.copyOf(attachment.missing);
        this.multiLink = !c.perSiteUprobes();
    }

    /** What attaching found, filled while the constructor's super call runs. */
    private static final class Attachment {
        final List<String> attached = new ArrayList<>();
        final List<String> missing = new ArrayList<>();
    }

    /**
     * Loads and attaches the probe. Without uprobe_multi links in the kernel (before 6.6) it falls
     * back to one uprobe perf event per site.
     */
    public static JvmProbe start(Config config, SharedMaps shared) {
        if (config.perSiteUprobes()) {
            return new JvmProbe(config, shared, new Attachment());
        }
        try {
            return new JvmProbe(config, shared, new Attachment());
        } catch (UprobeMultiUnsupported e) {
            LOG.info("jvm: the kernel has no uprobe_multi links ({}); one uprobe per probe site instead (needs "
                    + "CAP_SYS_ADMIN; each costs about 75 ms at exit)", e.getMessage());
            return new JvmProbe(config.withPerSiteUprobes(true), shared, new Attachment());
        }
    }

    /** The kernel refused the uprobe_multi link type itself. */
    private static final class UprobeMultiUnsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UprobeMultiUnsupported(String message) {
            super(message);
        }
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

    private static void attachUsdt(LoadedObject lo, List<String> programs, Config c, Attachment out) {
        if (!programs.equals(List.of(PROGRAM))) {
            throw new IllegalStateException("jvm: expected the single program " + PROGRAM + ", found " + programs);
        }
        int pid = c.targetTgid() > 0 ? c.targetTgid() : -1;
        Path jvm = libjvm(c.targetTgid());
        FileDescriptor specs = lo.map("__bpf_usdt_specs").fd();
        FileDescriptor ipToSpec = lo.map("__bpf_usdt_ip_to_spec_id").fd();
        FileDescriptor program = lo.program(PROGRAM);
        List<Usdt.Target> targets = new ArrayList<>();
        for (int i = 0; i < PROBES.size(); i++) {
            String probe = PROBES.get(i);
            if ((c.classLoadEvents() || !CLASS_PROBES.contains(probe))
                    && (c.memPoolEvents() || !MEM_POOL_PROBES.contains(probe))) {
                targets.add(new Usdt.Target("hotspot", probe, i));
            }
        }
        if (!c.perSiteUprobes()) {
            Usdt.MultiAttachment a;
            try {
                a = Usdt.attachMulti(program, specs, ipToSpec, jvm, targets, pid);
            } catch (SyscallException e) {
                if (e.errno() == Errno.EINVAL.value() || e instanceof NotSupportedException) {
                    throw new UprobeMultiUnsupported(e.getMessage());
                }
                throw e;
            }
            lo.own(a.link());
            a.attached().forEach(t -> out.attached.add(t.name()));
            a.missing().forEach(t -> out.missing.add(t.name()));
            return;
        }
        // every site its own uprobe perf event; all or none, as with the multi link
        for (Usdt.Target t : targets) {
            try {
                lo.own(Usdt.attach(program, specs, ipToSpec, jvm, t.provider(), t.name(), pid, t.usdtCookie()));
                out.attached.add(t.name());
            } catch (LoaderException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("no USDT probe ")) {
                    out.missing.add(t.name()); // a JVM build without this probe loses that event kind only
                } else {
                    throw e;
                }
            }
        }
        if (out.attached.isEmpty()) {
            throw new LoaderException("none of the hotspot USDT probes is in " + jvm);
        }
    }

    /** Whether the probes run through one uprobe_multi link (else one uprobe per site). */
    public boolean multiLink() {
        return multiLink;
    }

    /** The hotspot probes this JVM's libjvm.so lacks (their events never come). */
    public List<String> missingProbes() {
        return missing;
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
            while (n < JavaThread.NAME_LENGTH && threadValue.get(JAVA_BYTE, JavaThread.NAME + n) != 0) {
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

    /**
     * The mmapped {@code pauses} variable ({@code JvmLayouts.PauseClocks}): cumulative time in GC
     * pauses and at safepoints, and the start of the one in progress; null when the kernel could
     * not map the object's {@code .bss}. Valid until {@link #close()}.
     */
    public MemorySegment pauseClocks() {
        var pauses = loaded.collection().variable("pauses");
        return pauses.isMapped() ? pauses.memory() : null;
    }

    /** Classes this JVM loaded since the attach; counted with {@link Config#classLoadEvents} only. */
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
