package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.programs.Program;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The maps, programs and global variables of an eBPF object, loaded into the kernel.
 *
 * <p>{@link #load(CollectionSpec, CollectionOptions)} runs the whole pipeline: the object's BTF
 * (fixed up and sanitised for this kernel; without it if the kernel refuses it), every map
 * (replacements and pinned maps reused, initial contents written, {@code .rodata} frozen, data
 * sections created mmapable), every program (CO-RE relocations applied against the kernel's
 * BTF, map and global references resolved, attach BTF ids looked up, func/line info sent), and
 * finally program-array and map-in-map entries. If any step fails everything created so far is
 * closed and the exception propagates; a {@link io.ebpfagent.loader.programs.VerifierException} carries the verifier log
 * (and, from the collection, the source line and any CO-RE relocation that failed there).
 *
 * <p>Closing the collection closes every map and program it created and unmaps the variables;
 * maps passed in as replacements stay open (they belong to the caller), and pinned maps stay
 * pinned. Attached links keep programs alive after close.
 *
 * <pre>{@code
 * CollectionSpec spec = CollectionSpec.load(Path.of("probe.bpf.o"));
 * spec.variable("target_tgid").set(ProcessHandle.current().pid());
 * try (Collection c = Collection.load(spec)) {
 *     BpfMap counts = c.map("counts");
 *     long hits = c.variable("hits").getLong();
 * }
 * }</pre>
 */
public final class Collection implements AutoCloseable {
    private final Map<String, BpfMap> maps;
    private final Map<String, Program> programs;
    private final Map<String, Variable> variables;
    private final List<AutoCloseable> owned;
    private final Arena arena;
    private final LoadTimings timings;
    private boolean closed;

    Collection(Map<String, BpfMap> maps, Map<String, Program> programs,
               Map<String, Variable> variables, List<AutoCloseable> owned, Arena arena, LoadTimings timings) {
        this.timings = timings;
        this.maps = Collections.unmodifiableMap(new LinkedHashMap<>(maps));
        this.programs = Collections.unmodifiableMap(new LinkedHashMap<>(programs));
        this.variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
        this.owned = new ArrayList<>(owned);
        this.arena = arena;
    }

    /** Loads {@code spec} with {@link CollectionOptions#DEFAULT}. The spec is not modified. */
    public static Collection load(CollectionSpec spec) {
        return load(spec, CollectionOptions.DEFAULT);
    }

    /** Loads {@code spec}; the spec is not modified (the loader works on a copy). */
    public static Collection load(CollectionSpec spec, CollectionOptions options) {
        return new CollectionLoader(spec, options).load();
    }

    /** Reads the object file at {@code path} and loads it with default options. */
    public static Collection load(Path path) {
        return load(CollectionSpec.load(path));
    }

    /** Reads an object file from {@code in} (read to its end, not closed) and loads it. */
    public static Collection load(InputStream in) {
        return load(CollectionSpec.load(in));
    }

    /** Reads an object file from bytes and loads it. */
    public static Collection load(byte[] object) {
        return load(CollectionSpec.load(object));
    }

    /** The map called {@code name}. */
    public BpfMap map(String name) {
        BpfMap m = maps.get(name);
        if (m == null) throw new LoaderException("no map named " + name + " (maps: " + maps.keySet() + ")");
        return m;
    }

    /** The program called {@code name} (its function name). */
    public Program program(String name) {
        Program p = programs.get(name);
        if (p == null) throw new LoaderException("no program named " + name + " (programs: " + programs.keySet() + ")");
        return p;
    }

    /** The global variable called {@code name}. */
    public Variable variable(String name) {
        Variable v = variables.get(name);
        if (v == null) throw new LoaderException("no variable named " + name + " (variables: " + variables.keySet() + ")");
        return v;
    }

    /** All maps by name, in object order. */
    public Map<String, BpfMap> maps() {
        return maps;
    }

    /** All programs by name, in object order. */
    public Map<String, Program> programs() {
        return programs;
    }

    /** Where loading this collection spent its time. */
    public LoadTimings timings() {
        return timings;
    }

    /** All global variables by name. */
    public Map<String, Variable> variables() {
        return variables;
    }

    /** Closes every map and program this collection created and unmaps its variables. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        RuntimeException failure = null;
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                if (failure == null) failure = new LoaderException("closing collection: " + e.getMessage(), e);
                else failure.addSuppressed(e);
            }
        }
        arena.close();
        if (failure != null) throw failure;
    }

    @Override
    public String toString() {
        return "Collection[maps=" + maps.keySet() + ", programs=" + programs.keySet() + ", variables="
                + variables.keySet() + "]";
    }
}
