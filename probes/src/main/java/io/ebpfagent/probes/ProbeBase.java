package io.ebpfagent.probes;

import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.collection.LoadTimings;
import io.ebpfagent.loader.maps.BpfMap;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every probe implementation shares: loading, attaching and closing its object. */
abstract class ProbeBase {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeBase.class);
    final LoadedObject loaded;
    private volatile boolean closed;

    /**
     * Loads {@code object} with {@code targetTgid} and the constants {@code configure} writes,
     * then attaches its tracepoints and hands the remaining programs to {@code others}.
     */
    ProbeBase(BundledObject object, int targetTgid, Consumer<CollectionSpec> configure, Attacher others,
              SharedMaps shared) {
        this(object, targetTgid, configure, others, shared, java.util.Map.of());
    }

    ProbeBase(BundledObject object, int targetTgid, Consumer<CollectionSpec> configure, Attacher others,
              SharedMaps shared, java.util.Map<String, String> kconfig) {
        this(object, targetTgid, configure, others, shared, kconfig, java.util.Map.of());
    }

    /** With {@code ownMaps}: maps of another probe this object uses instead of creating its own. */
    ProbeBase(BundledObject object, int targetTgid, Consumer<CollectionSpec> configure, Attacher others,
              SharedMaps shared, java.util.Map<String, String> kconfig, java.util.Map<String, BpfMap> ownMaps) {
        this(object, targetTgid, configure, others, shared, kconfig, ownMaps, java.util.Set.of());
    }

    /**
     * With {@code held}: programs loaded but not attached to their hooks here, handed to
     * {@code others} with the programs no rule attaches (another probe's program calls them).
     */
    ProbeBase(BundledObject object, int targetTgid, Consumer<CollectionSpec> configure, Attacher others,
              SharedMaps shared, java.util.Map<String, String> kconfig, java.util.Map<String, BpfMap> ownMaps,
              java.util.Set<String> held) {
        long t0 = System.nanoTime();
        CollectionSpec spec = object.spec();
        Rodata.set(spec, "target_tgid", targetTgid);
        configure.accept(spec);
        long t1 = System.nanoTime();
        LoadedObject lo = LoadedObject.load(object, spec, shared, kconfig, ownMaps);
        long t2 = System.nanoTime();
        long t3;
        try {
            List<String> rest = lo.attachTracepoints(spec, held);
            t3 = System.nanoTime();
            others.attach(lo, rest);
        } catch (RuntimeException | Error e) {
            lo.close();
            throw e;
        }
        long t4 = System.nanoTime();
        this.loaded = lo;
        if (LOG.isDebugEnabled()) {
            LOG.debug("probe {} started in {} ms: spec {}, {}, attach tracepoints {}, attach other {}",
                    object.objectName(), LoadTimings.ms(t4 - t0), LoadTimings.ms(t1 - t0),
                    lo.collection().timings().describe(), LoadTimings.ms(t3 - t2), LoadTimings.ms(t4 - t3));
        }
    }

    /**
     * Gives {@code map} a single entry: for maps only a switched-off feature writes (the code that
     * uses them is dead once the constants are set), which the kernel would otherwise allocate in
     * full at load (a 4096-entry stack map is 4 MB of kernel memory and ~8 ms of its time).
     */
    static void unused(CollectionSpec spec, String map) {
        spec.maps().put(map, spec.map(map).withMaxEntries(1));
    }

    /** Attaches the programs that are neither tracepoints nor tp_btf. */
    @FunctionalInterface
    interface Attacher {
        Attacher NONE = (lo, programs) -> {
            if (!programs.isEmpty()) {
                throw new IllegalStateException(lo.object() + ": no attach rule for programs " + programs);
            }
        };

        void attach(LoadedObject lo, List<String> programs);
    }

    public String name() {
        return loaded.object().objectName();
    }

    public Optional<BpfMap> events() {
        return loaded.collection().maps().containsKey("events") ? Optional.of(loaded.map("events"))
                : Optional.empty();
    }

    public java.util.Map<String, io.ebpfagent.loader.programs.Program> programs() {
        return loaded.collection().programs();
    }

    public long droppedEvents() {
        return loaded.droppedEvents();
    }

    public long signalledFromNanos() {
        return loaded.signalledFromNanos();
    }

    boolean isClosed() {
        return closed;
    }

    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loaded.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name() + (closed ? ", closed" : "") + "]";
    }
}
