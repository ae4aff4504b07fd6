package io.ebpfagent.probes;

import io.ebpfagent.loader.collection.Collection;
import io.ebpfagent.loader.collection.CollectionOptions;
import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.link.Link;
import io.ebpfagent.loader.link.Links;
import io.ebpfagent.loader.link.Tracefs;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import io.ebpfagent.loader.sys.FileDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One probe object loaded into the kernel with its links: the part every probe shares. Owns the
 * collection and every link; closing detaches first, then frees the maps and programs.
 */
final class LoadedObject implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadedObject.class);

    private final BundledObject object;
    private final Collection collection;
    private final List<AutoCloseable> links = new ArrayList<>();

    /** The object's {@code rb_last_wakeup_ns}, or null. */
    private final io.ebpfagent.loader.collection.Variable lastWakeup;
    private final long wakeupInterval;

    private LoadedObject(BundledObject object, Collection collection) {
        this.object = object;
        this.collection = collection;
        boolean signals = collection.variables().containsKey("rb_last_wakeup_ns")
                && collection.variables().containsKey("wakeup_interval_ns");
        this.lastWakeup = signals ? collection.variable("rb_last_wakeup_ns") : null;
        this.wakeupInterval = signals ? collection.variable("wakeup_interval_ns").getLong() : 0;
    }

    /**
     * Loads {@code spec} (its .rodata already configured) with the shared maps as replacements.
     */
    static LoadedObject load(BundledObject object, CollectionSpec spec, SharedMaps shared) {
        return load(object, spec, shared, Map.of());
    }

    /** {@link #load(BundledObject, CollectionSpec, SharedMaps)} with values for {@code __kconfig} externs. */
    static LoadedObject load(BundledObject object, CollectionSpec spec, SharedMaps shared, Map<String, String> kconfig) {
        return load(object, spec, shared, kconfig, Map.of());
    }

    /** The same, with {@code more} replacements (maps another probe created) besides the shared ones. */
    static LoadedObject load(BundledObject object, CollectionSpec spec, SharedMaps shared, Map<String, String> kconfig,
                             Map<String, BpfMap> more) {
        Map<String, BpfMap> replacements = shared == null ? Map.of() : shared.replacementsFor(spec);
        if (!more.isEmpty()) {
            replacements = new java.util.HashMap<>(replacements);
            replacements.putAll(more);
        }
        Collection c = Collection.load(spec, CollectionOptions.DEFAULT.withMapReplacements(replacements)
                .withKconfig(kconfig));
        return new LoadedObject(object, c);
    }

    BundledObject object() {
        return object;
    }

    Collection collection() {
        return collection;
    }

    BpfMap map(String name) {
        return collection.map(name);
    }

    /** The descriptor of a loaded program. */
    FileDescriptor program(String name) {
        return collection.program(name).fd();
    }

    /** Keeps {@code link} until close. */
    <T extends AutoCloseable> T own(T link) {
        links.add(link);
        return link;
    }

    /**
     * Attaches every tp_btf, raw tracepoint and classic tracepoint program of the object, as
     * {@code spec} (the spec it was loaded from) describes them; other program types are the
     * probe's business. Returns the names of those left to the caller. The spec is not kept: its
     * instructions and BTF (~2.5 MB of heap for the seven objects) are garbage once the probes run.
     */
    List<String> attachTracepoints(CollectionSpec spec) {
        return attachTracepoints(spec, java.util.Set.of());
    }

    /** The same, leaving the programs named in {@code held} to the caller (in the answer). */
    List<String> attachTracepoints(CollectionSpec spec, java.util.Set<String> held) {
        List<String> rest = new ArrayList<>();
        // every classic tracepoint id at once: one private tracefs mount when none is mounted
        Tracefs.resolve(spec.programs().values().stream().filter(p -> p.type() == ProgramType.TRACEPOINT)
                .map(ProgramSpec::attachTo).filter(t -> t.indexOf('/') > 0).toList());
        for (ProgramSpec p : spec.programs().values()) {
            if (held.contains(p.name())) {
                rest.add(p.name());
                continue;
            }
            switch (p.type()) {
                case TRACING -> own(Links.tracing(program(p.name()), p.attachType(), 0));
                case RAW_TRACEPOINT -> own(Links.rawTracepoint(p.attachTo(), program(p.name())));
                case TRACEPOINT -> {
                    String target = p.attachTo();
                    int slash = target.indexOf('/');
                    if (slash <= 0) {
                        throw new IllegalStateException(object + ": program " + p.name()
                                + " has no tracepoint group/name in section " + p.sectionName());
                    }
                    Link l = Links.tracepoint(target.substring(0, slash), target.substring(slash + 1),
                            program(p.name()));
                    own(l);
                }
                default -> rest.add(p.name());
            }
        }
        return rest;
    }

    /**
     * From when (CLOCK_MONOTONIC nanoseconds, {@code System.nanoTime()}'s clock) every record the
     * object submits wakes its reader: its last forced wakeup ({@code rb_last_wakeup_ns}) plus
     * {@code wakeup_interval_ns} (common.bpf.h). Records submitted before that may wait for the
     * reader's next wakeup. {@link Long#MAX_VALUE} for an object without those variables.
     */
    long signalledFromNanos() {
        if (lastWakeup == null) {
            return Long.MAX_VALUE;
        }
        return lastWakeup.getLong() + wakeupInterval;
    }

    /** Records dropped because the object's {@code events} ring buffer was full. */
    long droppedEvents() {
        return collection.variables().containsKey("rb_dropped") ? collection.variable("rb_dropped").getLong() : 0;
    }

    @Override
    public void close() {
        for (int i = links.size() - 1; i >= 0; i--) {
            try {
                links.get(i).close();
            } catch (Exception e) {
                LOG.warn("{}: detaching failed: {}", object.objectName(), e.toString());
            }
        }
        links.clear();
        collection.close();
    }
}
