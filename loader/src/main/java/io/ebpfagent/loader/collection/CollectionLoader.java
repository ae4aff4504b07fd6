package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.CoreRelocator;
import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapCreateOptions;
import io.ebpfagent.loader.maps.MapFlags;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.programs.Program;
import io.ebpfagent.loader.programs.ProgramOptions;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.VerifierException;
import io.ebpfagent.loader.sys.Cpus;
import io.ebpfagent.loader.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load pipeline of one collection (libbpf's {@code bpf_object__load}): object BTF, maps,
 * programs, then the initial contents that name programs and maps. Everything it creates is
 * tracked so that a failure at any step closes what exists before the exception leaves.
 */
final class CollectionLoader {
    private static final Logger LOG = LoggerFactory.getLogger(CollectionLoader.class);

    /** Map types whose key and value cannot carry BTF type ids (libbpf clears them too). */
    private static final Set<MapType> NO_BTF_TYPES = EnumSet.of(MapType.PERF_EVENT_ARRAY, MapType.CGROUP_ARRAY,
            MapType.STACK_TRACE, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS, MapType.DEVMAP, MapType.DEVMAP_HASH,
            MapType.CPUMAP, MapType.XSKMAP, MapType.SOCKMAP, MapType.SOCKHASH, MapType.QUEUE, MapType.STACK,
            MapType.RINGBUF, MapType.PROG_ARRAY, MapType.REUSEPORT_SOCKARRAY);

    private final CollectionSpec spec;
    private final CollectionOptions options;
    private final Supplier<Btf> target;
    private final Map<String, BpfMap> maps = new LinkedHashMap<>();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final Map<String, Program> programs = new LinkedHashMap<>();
    private final Arena arena = Arena.ofShared();
    private final List<BpfMap> newPins = new ArrayList<>();
    private ObjectBtfLoader.Loaded btf;
    private long kernelBtfNanos;
    private long coreNanos;
    private long programLoadNanos;

    CollectionLoader(CollectionSpec spec, CollectionOptions options) {
        this.spec = spec.copy(); // kconfig resolution and fixups must not change the caller's spec
        this.options = options;
        this.target = memoize(options.targetBtfSupplier(), this);
    }

    Collection load() {
        try {
            long t0 = System.nanoTime();
            btf = ObjectBtfLoader.load(spec);
            owned.add(btf);
            long t1 = System.nanoTime();
            resolveKconfig();
            createMaps();
            long t2 = System.nanoTime();
            loadPrograms();
            fillReferences();
            Map<String, Variable> variables = mapVariables();
            long t3 = System.nanoTime();
            LoadTimings timings = new LoadTimings(t1 - t0, t2 - t1, kernelBtfNanos, coreNanos, programLoadNanos,
                    t3 - t0);
            return new Collection(maps, programs, variables, owned, arena, timings);
        } catch (RuntimeException | Error e) {
            closeAll(e);
            throw e;
        }
    }

    // ------------------------------------------------------------------ kconfig

    private void resolveKconfig() {
        if (spec.kconfigExterns().isEmpty()) return;
        Kconfig config = Kconfig.of(Map.of());
        if (VirtualKconfig.needsConfigFile(spec.kconfigExterns())) {
            try {
                config = Kconfig.current();
            } catch (LoaderException e) {
                // Weak externs and caller-provided values can still be enough: let resolveKconfig decide.
                LOG.warn("{}; using only the given kconfig values", e.getMessage());
            }
        }
        for (Map.Entry<String, String> e : options.kconfig().entrySet()) config = config.with(e.getKey(), e.getValue());
        spec.resolveKconfig(VirtualKconfig.addTo(config, spec.kconfigExterns()));
    }

    // ------------------------------------------------------------------ maps

    private void createMaps() {
        boolean mmapable = Features.supported(Features::haveMmapableMaps);
        for (MapSpec m : spec.maps().values()) {
            BpfMap replacement = options.mapReplacements().get(m.name());
            MapSpec wanted = adjust(m, mmapable);
            if (replacement != null) {
                MapCompatibility.require(wanted, replacement, "replacement map for '" + m.name() + "'");
                maps.put(m.name(), replacement); // the caller's: neither filled nor closed here
                continue;
            }
            if (m.pinning() == MapSpec.Pinning.BY_NAME) {
                maps.put(m.name(), pinnedOrCreated(wanted));
                continue;
            }
            maps.put(m.name(), own(create(wanted)));
        }
    }

    /** The spec as this kernel can create it. */
    private MapSpec adjust(MapSpec m, boolean mmapable) {
        MapSpec out = m;
        if (!mmapable && (m.flags() & MapFlags.MMAPABLE) != 0 && isDataSection(m.name())) {
            out = out.withFlags(m.flags() & ~MapFlags.MMAPABLE);
        }
        if (m.type() == MapType.PERF_EVENT_ARRAY && m.maxEntries() == 0) {
            out = out.withMaxEntries(Cpus.possible()); // one ring per CPU, as libbpf sizes it
        }
        if ((m.type() == MapType.RINGBUF || m.type() == MapType.USER_RINGBUF) && m.maxEntries() != 0) {
            out = out.withMaxEntries(ringSize(m.maxEntries())); // as libbpf, rounded up to what the kernel takes
        }
        if (m.innerMap() != null) out = out.withInnerMap(adjust(m.innerMap(), mmapable));
        return out;
    }

    /** The smallest power-of-2 multiple of the page size holding {@code size} bytes (libbpf's rule). */
    static int ringSize(int size) {
        long page = io.ebpfagent.loader.sys.Mmap.pageSize();
        long n = Integer.toUnsignedLong(size);
        if (n % page == 0 && Long.bitCount(n / page) == 1) return size;
        for (long mul = 1; mul * page <= 0xffffffffL; mul <<= 1) {
            if (mul * page > n) return (int) (mul * page);
        }
        return size; // cannot be satisfied: the kernel will say so
    }

    private static boolean isDataSection(String name) {
        return name.startsWith(".data") || name.startsWith(".bss") || name.startsWith(".rodata") || name.equals(".kconfig");
    }

    private BpfMap create(MapSpec m) {
        if (m.type().isMapOfMaps() && m.innerMap() == null) {
            // a legacy (struct bpf_map_def) map-in-map cannot name its inner map; libbpf's load fails too
            throw new LoaderException("map '" + m.name() + "' (" + m.type() + ") has no inner map definition: declare it"
                    + " in .maps with __array(values, ...), or pass it as a replacement map (CollectionOptions.withMapReplacement)");
        }
        try {
            return createChecked(m);
        } catch (IllegalArgumentException e) {
            // a spec the map layer rejects before any system call is still the object's fault
            throw new LoaderException(e.getMessage(), e);
        }
    }

    private BpfMap createChecked(MapSpec m) {
        if (!btf.present()) return BpfMap.create(withoutBtf(m));
        MapSpec withBtf = m;
        if (NO_BTF_TYPES.contains(m.type()) || (isDataSection(m.name()) && !btf.datasecUsable())) {
            withBtf = m.withBtfTypes(0, 0);
        }
        if (withBtf.btfKeyTypeId() == 0 && withBtf.btfValueTypeId() == 0) {
            return BpfMap.create(withoutBtf(withBtf));
        }
        try {
            return BpfMap.create(withBtf, MapCreateOptions.DEFAULT.withBtf(btf.fd()));
        } catch (SyscallException e) {
            // As libbpf: a map the kernel refuses with BTF ids may still work without them.
            LOG.warn("map '{}' with BTF types failed ({}); retrying without BTF", m.name(), e.getMessage());
            try {
                return BpfMap.create(withoutBtf(withBtf));
            } catch (RuntimeException again) {
                again.addSuppressed(e);
                throw again;
            }
        }
    }

    private static MapSpec withoutBtf(MapSpec m) {
        MapSpec out = m.withBtfTypes(0, 0);
        return m.innerMap() == null ? out : out.withInnerMap(m.innerMap().withBtfTypes(0, 0));
    }

    private BpfMap pinnedOrCreated(MapSpec m) {
        if (options.pinPath() == null) {
            throw new LoaderException("map '" + m.name() + "' is pinned by name but CollectionOptions.pinPath is not set");
        }
        Path path = options.pinPath().resolve(m.name());
        if (Files.exists(path)) {
            BpfMap existing = own(BpfMap.loadPinned(path));
            MapCompatibility.require(m, existing, "map pinned at " + path);
            LOG.debug("reusing map '{}' pinned at {}", m.name(), path);
            return existing;
        }
        BpfMap created = own(create(m));
        created.pin(path);
        newPins.add(created);
        return created;
    }

    private BpfMap own(BpfMap m) {
        owned.add(m);
        return m;
    }

    private int mapFd(String name) {
        BpfMap m = maps.get(name);
        if (m == null) throw new LoaderException("no map named " + name + " in the collection");
        return m.fd().get();
    }

    // ------------------------------------------------------------------ programs

    private void loadPrograms() {
        ReferenceResolver resolver = new ReferenceResolver(this::mapFd, target, spec.types(), spec.weakExterns());
        CoreRelocator relocator = null;
        for (ProgramSpec p : spec.programs().values()) {
            List<Instruction> insns = p.instructions();
            CoreRelocator.Result core = null;
            long coreStart = System.nanoTime();
            long kernelBtfBefore = kernelBtfNanos;
            if (!p.coreRelocations().isEmpty()) {
                if (spec.types() == null) throw new LoaderException("program " + p.name() + " has CO-RE relocations but the object has no BTF");
                if (relocator == null) relocator = new CoreRelocator(spec.types(), target.get());
                core = relocator.relocate(insns, p.coreRelocations());
                for (CoreRelocator.Outcome o : core.poisoned()) LOG.debug("program {}: {}", p.name(), o);
            }
            if (core != null) insns = core.instructions();
            insns = resolver.resolve(p.name(), insns);
            int attachBtfId = AttachTargets.needsBtfId(p) ? AttachTargets.btfId(p, target.get()) : 0;
            // reading the kernel's BTF happens inside the first lookup; it is counted on its own
            coreNanos += System.nanoTime() - coreStart - (kernelBtfNanos - kernelBtfBefore);
            ProgramOptions po = ProgramOptions.DEFAULT.withLogLevel(options.logLevel())
                    .withLogSize(options.logSize(), Math.max(options.logSize(), ProgramOptions.DEFAULT.logSizeMax()))
                    .withBtf(btf.fd()).withAttachBtfId(attachBtfId);
            Program loaded;
            long loadStart = System.nanoTime();
            try {
                loaded = Program.load(p.withInstructions(insns), po);
                programLoadNanos += System.nanoTime() - loadStart;
            } catch (VerifierException e) {
                String blame = explain(core, ExplainedVerifierException.failingInstruction(e.log()));
                ExplainedVerifierException explained = new ExplainedVerifierException(e, blame);
                throw explained.hasDetail() ? explained : e;
            }
            owned.add(loaded);
            programs.put(p.name(), loaded);
        }
    }


    /** Which poisoned CO-RE relocation to blame for a failure at {@code insn}, or null. */
    static String explain(CoreRelocator.Result core, int insn) {
        if (core == null || core.poisoned().isEmpty()) return null;
        if (insn >= 0) {
            var at = core.poisonedAt(insn);
            if (at.isPresent()) return "instruction " + insn + " uses a CO-RE relocation that failed: " + at.get();
        }
        return null;
    }

    // ------------------------------------------------------------------ references in map contents

    private void fillReferences() {
        for (MapSpec m : spec.maps().values()) {
            boolean any = false;
            for (MapSpec.Entry e : m.contents()) any |= e.valueReference() != null;
            if (!any) continue;
            BpfMap map = maps.get(m.name());
            if (options.mapReplacements().containsKey(m.name())) continue; // the caller's map, the caller's contents
            for (MapSpec.Entry e : m.contents()) {
                if (e.valueReference() == null) continue;
                map.update(e.key(), fdBytes(referencedFd(m, e.valueReference())), BpfMap.ANY);
            }
            if (m.freeze()) map.freeze();
        }
    }

    private int referencedFd(MapSpec m, String name) {
        if (m.type() == MapType.PROG_ARRAY) {
            Program p = programs.get(name);
            if (p == null) throw new LoaderException("map '" + m.name() + "' refers to program " + name + ", which is not in the collection");
            return p.fd().get();
        }
        BpfMap inner = maps.get(name);
        if (inner == null) throw new LoaderException("map '" + m.name() + "' refers to map " + name + ", which is not in the collection");
        return inner.fd().get();
    }

    private static byte[] fdBytes(int fd) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(fd).array();
    }

    // ------------------------------------------------------------------ variables

    private Map<String, Variable> mapVariables() {
        Map<String, MemorySegment> sections = new LinkedHashMap<>();
        Map<String, Variable> out = new LinkedHashMap<>();
        for (VariableSpec v : spec.variables().values()) {
            BpfMap map = maps.get(v.section());
            if (map == null) continue; // the caller removed the section's map from the spec
            if ((map.flags() & MapFlags.MMAPABLE) != 0) {
                MemorySegment memory = sections.get(v.section());
                if (memory == null) {
                    memory = map.memory(arena);
                    sections.put(v.section(), memory);
                }
                out.put(v.name(), Variable.mapped(v, memory));
            } else {
                out.put(v.name(), Variable.viaSyscalls(v, () -> map.fd().get(), map.valueSize()));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ cleanup

    private void closeAll(Throwable cause) {
        for (BpfMap m : newPins) {
            try {
                m.unpin(); // a half-loaded collection must not leave maps behind for the next run
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                cause.addSuppressed(e);
            }
        }
        arena.close();
    }

    private static <T> Supplier<T> memoize(Supplier<T> s, CollectionLoader timed) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    long start = System.nanoTime();
                    value = s.get();
                    timed.kernelBtfNanos += System.nanoTime() - start;
                }
                return value;
            }
        };
    }

}
