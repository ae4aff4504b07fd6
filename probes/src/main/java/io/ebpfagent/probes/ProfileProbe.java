package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.link.Links;
import io.ebpfagent.loader.link.PerfEventSpec;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.probes.layout.ProfileLayouts;
import io.ebpfagent.probes.layout.ProfileLayouts.SampleKey;
import io.ebpfagent.probes.symbols.Frame;
import io.ebpfagent.probes.symbols.StackSymbolizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * {@code profile.bpf.o}: on-CPU sampling on a software cpu-clock event per online CPU; counts per
 * (thread, user stack, kernel stack).
 */
public final class ProfileProbe extends ProbeBase implements Probe {
    public record Config(int targetTgid, long frequencyHz, boolean userStacks, boolean kernelStacks) {
        public Config {
            if (frequencyHz < 1) {
                throw new IllegalArgumentException("sampling frequency must be at least 1 Hz");
            }
        }

        /** 99 Hz (off the beat of periodic timers), both stacks. */
        public static Config defaults() {
            return new Config(Probe.currentPid(), 99, true, true);
        }
    }

    /** One sample count: stack ids index {@link #stacks()}, negative values are -errno. */
    @FunctionalInterface
    public interface Visitor {
        void accept(int tid, int userStackId, int kernelStackId, long count);
    }

    /** One symbolised sample count, for {@link #forEachStack}. */
    @FunctionalInterface
    public interface StackVisitor {
        /**
         * @param frames root first: user frames, then kernel frames, the sampled instruction last;
         *               valid only during the call
         */
        void accept(int tid, List<Frame> frames, long count);
    }

    private static final int MAX_DEPTH = 127;
    private static final int EFAULT = -14;
    private static final int ENOENT = -2;

    private final Arena arena = Arena.ofShared();
    private final BpfMap samples;
    private final MapCursor cursor;
    private final int targetTgid;

    private ProfileProbe(Config c, SharedMaps shared) {
        super(BundledObject.PROFILE, c.targetTgid(), spec -> {
            ProfileLayouts.Rodata.setCaptureUserStacks(spec, c.userStacks());
            ProfileLayouts.Rodata.setCaptureKernelStacks(spec, c.kernelStacks());
        }, (lo, programs) -> lo.own(Links.perfEvent(lo.program("on_cpu_sample"),
                PerfEventSpec.allProcesses(c.frequencyHz()))), shared);
        this.targetTgid = c.targetTgid();
        this.samples = loaded.map("samples");
        this.cursor = new MapCursor(samples, arena);
    }

    public static ProfileProbe start(Config config, SharedMaps shared) {
        return new ProfileProbe(config, shared);
    }

    /** Every sample count; with {@code drain} each entry is removed after it was read. */
    public synchronized int forEachSample(Visitor visitor, boolean drain) {
        int n = 0;
        cursor.reset();
        while (cursor.next()) {
            var k = cursor.key();
            visitor.accept(k.get(JAVA_INT, SampleKey.TID), k.get(JAVA_INT, SampleKey.USER_STACK_ID),
                    k.get(JAVA_INT, SampleKey.KERNEL_STACK_ID), cursor.value().get(JAVA_LONG, 0));
            n++;
            if (drain) {
                samples.delete(k);
            }
        }
        return n;
    }

    /**
     * Every sample count with its stacks symbolised; with {@code drain} the samples and the
     * stacks they referenced are removed after the pass (a stack that a sample taken meanwhile
     * still needs shows as {@code [lost stack]} next time). Calls {@link StackSymbolizer#refresh()}
     * first. Allocates: meant for export intervals, not per event.
     */
    public synchronized int forEachStack(StackSymbolizer symbolizer, StackVisitor visitor, boolean drain) {
        symbolizer.refresh();
        BpfMap stacks = stacks();
        MemorySegment stackKey = arena.allocate(JAVA_INT);
        MemorySegment ips = arena.allocate((long) MAX_DEPTH * Long.BYTES, 8);
        List<Frame> frames = new ArrayList<>(2 * MAX_DEPTH);
        Set<Integer> used = new HashSet<>();
        int n = forEachSample((tid, userId, kernelId, count) -> {
            frames.clear();
            // a thread that exited has no /proc entry left to tell its process: use the target when known
            int pid = targetTgid != 0 ? targetTgid : symbolizer.processOf(tid);
            if (appendStack(stacks, stackKey, ips, userId, frames, ip -> symbolizer.userFrame(pid, ip))) {
                used.add(userId);
            }
            if (appendStack(stacks, stackKey, ips, kernelId, frames, symbolizer::kernelFrame)) {
                used.add(kernelId);
            }
            visitor.accept(tid, frames, count);
        }, drain);
        if (drain) {
            for (int id : used) {
                stacks.delete(id);
            }
        }
        return n;
    }

    /**
     * Folded stacks as the flame graph tools read them: {@code thread;rootFrame;...;leafFrame}
     * to sample count, kernel frames suffixed {@code _[k]}, Java frames {@code _[j]}.
     * {@code threadName} names the first element (a thread group keeps the graph readable).
     */
    public Map<String, Long> foldedStacks(StackSymbolizer symbolizer, IntFunction<String> threadName, boolean drain) {
        Map<String, Long> out = new HashMap<>();
        Map<Integer, String> names = new HashMap<>();
        StringBuilder sb = new StringBuilder();
        forEachStack(symbolizer, (tid, frames, count) -> {
            sb.setLength(0);
            sb.append(names.computeIfAbsent(tid, threadName::apply).replace(';', ':'));
            for (Frame f : frames) {
                sb.append(';').append(f.folded());
            }
            out.merge(sb.toString(), count, Long::sum);
        }, drain);
        return out;
    }

    @FunctionalInterface
    private interface Resolver {
        Frame resolve(long ip);
    }

    /** Appends one stack root first; true when it was read from the map. */
    private static boolean appendStack(BpfMap stacks, MemorySegment key, MemorySegment ips, int id, List<Frame> out,
            Resolver resolver) {
        if (id == EFAULT || id == ENOENT) {
            return false; // nothing to walk (kernel stack of a user-mode sample) or not captured
        }
        key.set(JAVA_INT, 0, id);
        if (id < 0 || !stacks.lookup(key, ips)) {
            out.add(new Frame("[lost stack]", Frame.Kind.UNKNOWN, ""));
            return false;
        }
        int depth = 0;
        while (depth < MAX_DEPTH && ips.getAtIndex(JAVA_LONG, depth) != 0) {
            depth++;
        }
        for (int i = depth - 1; i >= 0; i--) {
            long ip = ips.getAtIndex(JAVA_LONG, i);
            // callers' entries are return addresses: step back into the call instruction
            out.add(resolver.resolve(i == 0 ? ip : ip - 1));
        }
        return true;
    }

    /** Stack traces: 127 instruction pointers per id. */
    public BpfMap stacks() {
        return loaded.map("stacks");
    }

    /** Samples lost because {@code samples} was full. */
    public long samplesDropped() {
        return loaded.collection().variable("samples_dropped").getLong();
    }

    @Override
    public synchronized void close() {
        if (isClosed()) {
            return;
        }
        super.close();
        arena.close();
    }
}
