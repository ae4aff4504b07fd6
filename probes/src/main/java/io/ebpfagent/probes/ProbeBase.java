package io.ebpfagent.probes;

import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.maps.BpfMap;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** What every probe implementation shares: loading, attaching and closing its object. */
abstract class ProbeBase {
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
        CollectionSpec spec = object.spec();
        Rodata.set(spec, "target_tgid", targetTgid);
        configure.accept(spec);
        LoadedObject lo = LoadedObject.load(object, spec, shared, kconfig);
        try {
            List<String> rest = lo.attachTracepoints();
            others.attach(lo, rest);
        } catch (RuntimeException | Error e) {
            lo.close();
            throw e;
        }
        this.loaded = lo;
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
