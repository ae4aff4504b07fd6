package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.link.Links;
import io.ebpfagent.loader.link.PerfEventSpec;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.probes.layout.ProfileLayouts.SampleKey;
import java.lang.foreign.Arena;

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

    private final Arena arena = Arena.ofShared();
    private final BpfMap samples;
    private final MapCursor cursor;

    private ProfileProbe(Config c, SharedMaps shared) {
        super(BundledObject.PROFILE, c.targetTgid(), spec -> {
            Rodata.set(spec, "capture_user_stacks", c.userStacks());
            Rodata.set(spec, "capture_kernel_stacks", c.kernelStacks());
        }, (lo, programs) -> lo.own(Links.perfEvent(lo.program("on_cpu_sample"),
                PerfEventSpec.allProcesses(c.frequencyHz()))), shared);
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
