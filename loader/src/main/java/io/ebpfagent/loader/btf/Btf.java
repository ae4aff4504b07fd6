package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.btf.Type.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An immutable set of BTF types with its string table: the {@code .BTF} section of an object
 * file, the kernel's {@code /sys/kernel/btf/vmlinux}, or a module's split BTF on top of it.
 *
 * <p>Type ids are global: a split BTF's first own type follows the last type of its base, and
 * {@link #type(int)} answers for both. Lookups by name build their index on first use, so
 * parsing the kernel's types costs only the decoding.
 */
public final class Btf {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private static volatile Btf kernel;
    private static volatile Path indexCacheDir;

    private final Btf base;
    private final int firstId;
    private final List<Type> types;
    /** The string section; null for lazily decoded types, which read it where it lies. */
    private final byte[] strings;
    private final ByteOrder order;
    private volatile Map<String, int[]> byName;
    private volatile Map<String, int[]> byEssentialName;

    Btf(Btf base, List<Type> types, byte[] strings, ByteOrder order) {
        this.base = base;
        this.firstId = base == null ? 0 : base.typeCount();
        // the kernel's types stay encoded until asked for (see LazyTypes)
        this.types = types instanceof LazyTypes ? types : List.copyOf(types);
        this.strings = strings;
        this.order = order;
        if (base == null && (this.types.isEmpty() || !(this.types.getFirst() instanceof Type.Void))) {
            throw new IllegalArgumentException("type 0 of a base BTF must be void");
        }
    }

    /** Parses a complete BTF blob (either byte order). */
    public static Btf parse(byte[] bytes) {
        return parse(ByteBuffer.wrap(bytes));
    }

    /** Parses a complete BTF blob from the buffer's remaining bytes (its position is not moved). */
    public static Btf parse(ByteBuffer bytes) {
        BtfParser.Parsed p = BtfParser.parse(bytes, null);
        return new Btf(null, p.types(), p.strings(), p.order());
    }

    /** Parses split BTF (a kernel module's) whose type ids and string offsets continue {@code base}'s. */
    public static Btf parseSplit(byte[] bytes, Btf base) {
        if (base == null) throw new IllegalArgumentException("split BTF needs a base");
        BtfParser.Parsed p = BtfParser.parse(ByteBuffer.wrap(bytes), base);
        return new Btf(base, p.types(), p.strings(), p.order());
    }

    /**
     * The running kernel's types, read from {@code /sys/kernel/btf/vmlinux} once and cached.
     *
     * @throws BtfException if the kernel exposes no BTF (CONFIG_DEBUG_INFO_BTF off) or it is corrupt
     */
    public static Btf kernel() {
        Btf k = kernel;
        if (k == null) {
            synchronized (Btf.class) {
                k = kernel;
                if (k == null) {
                    kernel = k = load(VMLINUX);
                }
            }
        }
        return k;
    }

    /**
     * Gives back the memory of the types cached by {@link #kernel()} that only loading needs: the
     * raw types (a 6.x kernel's, about 5 MB of native memory) and the name index (1.5 MB, native),
     * at once. What stays is compact: where each type starts (4 bytes per type, about 0.5 MB) and
     * the types decoded so far. The next use of the kernel's types (a probe loaded later) reads
     * the raw types again (one bulk read) and rebuilds the name index on its first lookup, but
     * neither scans nor validates the types again nor decodes again what it had decoded.
     * For hosts that load their programs at startup and then run for a long time, like
     * cilium/ebpf's {@code btf.FlushKernelSpec}. Instances handed out stay valid.
     */
    public static void flushKernelCache() {
        Btf k = kernel;
        // The raw kernel types live in native memory: give it back now rather than whenever the
        // garbage collector gets to them (on the heap, megabytes promoted during loading would
        // stay resident in the old generation).
        if (k != null && k.types instanceof LazyTypes lazy) {
            lazy.release();
        }
    }

    /**
     * Keeps the index of the kernel's types (where each type starts and the name index of the
     * types other than functions, about 1.5 MB for a 6.x kernel) in {@code directory}, for the next
     * process on the same kernel: it maps that file instead of walking ~130k types and hashing
     * their names, which in a fresh JVM costs tens of milliseconds of interpreted code plus the
     * JIT's work on it. The file is named after the size and CRC-32 of the kernel's BTF and
     * checked against a CRC-32 of its own; a mismatch or any error is a miss (the types are
     * scanned as without a cache). The directory is created (mode 0700) if missing and used only
     * if it is owned by this process's user and writable by nobody else. Call before the first
     * {@link #kernel()}; null turns it off. After {@link #flushKernelCache()} the next lookup
     * maps the file again instead of hashing the names again.
     */
    public static void cacheKernelIndexIn(Path directory) {
        indexCacheDir = directory;
    }

    /**
     * What became of the index cache of {@link #cacheKernelIndexIn}: {@code "read from <file>"},
     * {@code "written to <file>"}, why it was not used or not written, or null when no directory
     * was given or the kernel's types have not been indexed yet.
     */
    public static String kernelIndexCacheStatus() {
        Btf k = kernel;
        return k == null ? null : k.indexCacheStatus();
    }

    /** {@link #kernelIndexCacheStatus()} of this instance. */
    String indexCacheStatus() {
        return types instanceof LazyTypes lazy ? lazy.cacheStatus() : null;
    }

    /** The BTF of a loaded kernel module, {@code /sys/kernel/btf/<module>}, split on top of {@link #kernel()}. */
    public static Btf kernelModule(String module) {
        Path p = VMLINUX.resolveSibling(module);
        try {
            return parseSplit(Files.readAllBytes(p), kernel());
        } catch (IOException e) {
            throw new BtfException("cannot read BTF of kernel module " + module + " from " + p + ": " + e, e);
        }
    }

    /**
     * Like {@link #parse(byte[])}, with the same checks, but types are decoded on first access
     * and names are indexed without decoding them: for large BTF of which few types are used.
     */
    static Btf parseLazily(byte[] bytes) {
        LazyTypes lazy = BtfParser.parseLazily(ByteBuffer.wrap(bytes));
        return new Btf(null, lazy, null, lazy.order());
    }

    private static Btf load(Path p) {
        return load(p, indexCacheDir);
    }

    /** The types of {@code p} (the kernel's BTF, or a copy of it in tests), indexed through {@code cacheDir} if not null. */
    static Btf load(Path p, Path cacheDir) {
        NativeBlob blob;
        try {
            blob = NativeBlob.read(p);
        } catch (IOException e) {
            throw new BtfException("kernel BTF unavailable (" + p + ": " + e + "); the kernel needs CONFIG_DEBUG_INFO_BTF", e);
        }
        KernelIndexCache cache = null;
        String refused = null;
        if (cacheDir != null) {
            try {
                cache = KernelIndexCache.in(cacheDir);
            } catch (IllegalStateException e) {
                refused = "not used: " + e.getMessage();
            }
        }
        try {
            LazyTypes lazy = BtfParser.parseLazily(blob.bytes(), blob, cache);
            if (refused != null) lazy.cacheRefused(refused);
            return new Btf(null, lazy, null, lazy.order());
        } catch (BtfException e) {
            blob.release();
            throw new BtfException("kernel BTF " + p + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            blob.release();
            throw e;
        }
    }

    /** Whether this instance's raw types are in memory (false after {@link #flushKernelCache()} released them). */
    boolean rawTypesResident() {
        return !(types instanceof LazyTypes lazy) || lazy.resident();
    }

    /** The base of split BTF, or null. */
    public Btf base() {
        return base;
    }

    /** The byte order the blob was encoded in. */
    public ByteOrder byteOrder() {
        return order;
    }

    /** Number of type ids, including {@code void} (id 0) and the base's types: valid ids are {@code 0..typeCount()-1}. */
    public int typeCount() {
        return firstId + types.size();
    }

    /** The first type id this BTF defines itself: 0, or the base's {@link #typeCount()} for split BTF. */
    public int firstTypeId() {
        return firstId;
    }

    /** This BTF's own types, starting at {@link #firstTypeId()}. */
    public List<Type> types() {
        return types;
    }

    /** The type with the given id. */
    public Type type(int id) {
        if (id < firstId) {
            if (base == null || id < 0) throw new BtfException("no BTF type with id " + id);
            return base.type(id);
        }
        if (id >= typeCount()) throw new BtfException("no BTF type with id " + id + " (last is " + (typeCount() - 1) + ")");
        return types.get(id - firstId);
    }

    /** The name of a type, empty for anonymous types. */
    public String name(Type t) {
        return t.name();
    }

    /** The string at the given offset of the string table (split BTF continues the base's offsets). */
    public String string(int offset) {
        int own = base == null ? 0 : base.stringsEnd();
        if (offset < own && base != null) return base.string(offset);
        int rel = offset - own;
        if (strings == null) return ((LazyTypes) types).string(rel);
        if (rel < 0 || rel >= strings.length) throw new BtfException("string offset " + offset + " out of range");
        return BtfParser.decode(strings, rel);
    }

    /** True if {@link #string} has a string at {@code offset} (is in range), without decoding it. */
    boolean hasString(int offset) {
        int own = base == null ? 0 : base.stringsEnd();
        if (offset < own && base != null) return base.hasString(offset);
        int rel = offset - own;
        return rel >= 0 && rel < stringsLength();
    }

    /** This BTF's own raw string section (a copy for lazily decoded types). */
    byte[] rawStrings() {
        return strings != null ? strings : ((LazyTypes) types).stringBytes();
    }

    /** Length of this BTF's own string section. */
    private int stringsLength() {
        return strings != null ? strings.length : ((LazyTypes) types).stringsLength();
    }

    /** One past the last string offset, including the base's strings. */
    int stringsEnd() {
        return (base == null ? 0 : base.stringsEnd()) + stringsLength();
    }

    /** Ids of every type called {@code name} (base first for split BTF), empty if none. */
    public int[] idsByName(String name) {
        int[] own = types instanceof LazyTypes lazy ? lazy.idsByName(name) : index().getOrDefault(name, EMPTY);
        if (base == null) return own.clone();
        int[] b = base.idsByName(name);
        if (b.length == 0) return own.clone();
        int[] all = Arrays.copyOf(b, b.length + own.length);
        System.arraycopy(own, 0, all, b.length, own.length);
        return all;
    }

    private static final int[] EMPTY = new int[0];

    /**
     * The name without its CO-RE "flavor": everything from the last {@code ___} that is preceded
     * and followed by another character ({@code task_struct___v2 -> task_struct}).
     */
    public static String essentialName(String name) {
        for (int i = name.length() - 5; i >= 0; i--) {
            if (name.charAt(i) != '_' && name.charAt(i + 1) == '_' && name.charAt(i + 2) == '_'
                    && name.charAt(i + 3) == '_' && name.charAt(i + 4) != '_') {
                return name.substring(0, i + 1);
            }
        }
        return name;
    }

    /**
     * {@link #idsByEssentialName(String)} for CO-RE candidates of a local type: a function only
     * when {@code funcs}, any other kind only when not (kinds must be compatible anyway, and the
     * kernel's functions have a name index of their own, built only when needed).
     */
    int[] candidateIds(String essential, boolean funcs) {
        if (base == null && types instanceof LazyTypes lazy) {
            return lazy.idsByEssentialName(essential, !funcs, funcs);
        }
        return idsByEssentialName(essential);
    }

    /** Ids of every named type whose {@link #essentialName} is {@code essential} (base first). */
    int[] idsByEssentialName(String essential) {
        if (types instanceof LazyTypes lazy) {
            int[] own = lazy.idsByEssentialName(essential);
            if (base == null) return own;
            int[] b = base.idsByEssentialName(essential);
            int[] all = Arrays.copyOf(b, b.length + own.length);
            System.arraycopy(own, 0, all, b.length, own.length);
            return all;
        }
        Map<String, int[]> m = byEssentialName;
        if (m == null) {
            synchronized (this) {
                m = byEssentialName;
                if (m == null) {
                    m = new HashMap<>();
                    for (Map.Entry<String, int[]> e : index().entrySet()) {
                        String k = essentialName(e.getKey());
                        int[] prev = m.get(k);
                        if (prev == null) {
                            m.put(k, e.getValue());
                        } else {
                            int[] next = Arrays.copyOf(prev, prev.length + e.getValue().length);
                            System.arraycopy(e.getValue(), 0, next, prev.length, e.getValue().length);
                            Arrays.sort(next);
                            m.put(k, next);
                        }
                    }
                    byEssentialName = m;
                }
            }
        }
        int[] own = m.getOrDefault(essential, EMPTY);
        if (base == null) return own;
        int[] b = base.idsByEssentialName(essential);
        int[] all = Arrays.copyOf(b, b.length + own.length);
        System.arraycopy(own, 0, all, b.length, own.length);
        return all;
    }

    private Map<String, int[]> index() {
        Map<String, int[]> m = byName;
        if (m == null) {
            synchronized (this) {
                m = byName;
                if (m == null) {
                    m = new HashMap<>(types.size() * 2);
                    for (int i = 0; i < types.size(); i++) {
                        String n = types.get(i).name();
                        if (n.isEmpty()) continue;
                        int[] prev = m.get(n);
                        int[] next;
                        if (prev == null) {
                            next = new int[] {firstId + i};
                        } else {
                            next = Arrays.copyOf(prev, prev.length + 1);
                            next[prev.length] = firstId + i;
                        }
                        m.put(n, next);
                    }
                    byName = m;
                }
            }
        }
        return m;
    }

    /** Id of the first type called {@code name} of the given record class (e.g. {@code Type.Struct.class}). */
    public OptionalInt findId(String name, Class<? extends Type> kind) {
        // the kernel's functions have a name index of their own: look only where the kind can be
        int[] ids = base == null && types instanceof LazyTypes lazy
                ? lazy.idsByName(name, kind != Func.class, kind.isAssignableFrom(Func.class))
                : idsByName(name);
        for (int id : ids) {
            if (kind.isInstance(type(id))) return OptionalInt.of(id);
        }
        return OptionalInt.empty();
    }

    /**
     * The first type called {@code name} of the given record class.
     *
     * @throws BtfException if there is none
     */
    public <T extends Type> T find(String name, Class<T> kind) {
        OptionalInt id = findId(name, kind);
        if (id.isEmpty()) throw new BtfException("no BTF " + kind.getSimpleName().toLowerCase() + " named " + name);
        return kind.cast(type(id.getAsInt()));
    }

    /** All ids of types of the given record class, e.g. every {@code Type.Func}. */
    public List<Integer> idsOfKind(Class<? extends Type> kind) {
        List<Integer> out = new ArrayList<>();
        for (int id = 0; id < typeCount(); id++) if (kind.isInstance(type(id))) out.add(id);
        return out;
    }

    /** The id reached from {@code id} by skipping typedef, const, volatile, restrict and type tags. */
    public int resolve(int id) {
        int cur = id;
        for (int depth = 0; depth < 64; depth++) {
            if (!(type(cur) instanceof Qualifier q)) return cur;
            cur = q.type();
        }
        throw new BtfException("BTF type " + id + ": qualifier chain too long or cyclic");
    }

    /** The type reached by {@link #resolve(int)}. */
    public Type resolvedType(int id) {
        return type(resolve(id));
    }

    /**
     * The size in bytes of a value of the type: arrays multiply, pointers are 8 bytes,
     * qualifiers and typedefs are skipped.
     *
     * @throws BtfException for types without a size (void, functions, forward declarations)
     */
    public long sizeOf(int id) {
        long mult = 1;
        int cur = id;
        for (int depth = 0; depth < 64; depth++) {
            Type t = type(cur);
            long size;
            switch (t) {
                case Qualifier q -> {
                    cur = q.type();
                    continue;
                }
                case Var v -> {
                    cur = v.type();
                    continue;
                }
                case Array a -> {
                    mult *= Integer.toUnsignedLong(a.nelems());
                    cur = a.elem();
                    continue;
                }
                case Pointer p -> size = 8;
                case Int i -> size = i.size();
                case Composite c -> size = c.size();
                case Enumeration e -> size = e.size();
                case Type.Float f -> size = f.size();
                case Datasec d -> size = d.size();
                default -> throw new BtfException("BTF type " + id + " (" + t.kindName() + " " + t.name() + ") has no size");
            }
            return mult * Integer.toUnsignedLong((int) size);
        }
        throw new BtfException("BTF type " + id + ": type chain too long or cyclic");
    }

    /** The data section called {@code name} ({@code .data}, {@code .rodata}, {@code .bss}, {@code .maps}, ...). */
    public Optional<Datasec> datasec(String name) {
        OptionalInt id = findId(name, Datasec.class);
        return id.isPresent() ? Optional.of((Datasec) type(id.getAsInt())) : Optional.empty();
    }

    /**
     * Encodes the types for {@code BPF_BTF_LOAD}: header, types, strings, in the machine's byte
     * order. The original string section is kept at the start of the new one, so string offsets
     * recorded elsewhere (line info) stay valid; new names are appended. Unchanged BTF of the
     * machine's byte order marshals to the bytes it was parsed from.
     */
    public byte[] marshal() {
        if (base != null) throw new BtfException("marshalling split BTF is not supported");
        return BtfWriter.write(types.subList(1, types.size()), new StringTable(rawStrings(), 0), ByteOrder.nativeOrder());
    }

    /** This BTF with its own types replaced (same base, same string section). */
    Btf withTypes(List<Type> newTypes) {
        return new Btf(base, newTypes, rawStrings(), order);
    }

    /**
     * A copy in which every type needing one of the {@code missing} features is rewritten the way
     * libbpf does for old kernels. Type ids stay the same (an {@link BtfFeature#ENUM64} rewrite
     * may append one placeholder type at the end).
     */
    public Btf sanitized(java.util.Set<BtfFeature> missing) {
        if (missing.isEmpty()) return this;
        return withTypes(BtfSanitizer.sanitize(this, missing));
    }

    /**
     * A copy with the sizes and variable offsets of data sections filled in from the ELF
     * object: the compiler leaves {@code size} and every variable's {@code offset} at 0 and the
     * loader must take them from the section headers and symbols. Data sections that already
     * have a size are left as they are. Variables of each section end up sorted by offset, as the
     * kernel requires.
     *
     * @param sectionSizes  ELF section name to its size in bytes
     * @param symbolOffsets ELF symbol (variable) name to its value (offset in its section)
     * @throws BtfException if a zero-sized data section or one of its variables is not in the maps
     */
    public Btf withDatasecFixups(Map<String, Integer> sectionSizes, Map<String, Integer> symbolOffsets) {
        List<Type> out = new ArrayList<>(types);
        boolean changed = false;
        for (int i = 0; i < out.size(); i++) {
            if (!(out.get(i) instanceof Datasec d) || d.size() != 0) continue;
            Integer size = sectionSizes.get(d.name());
            if (size == null) throw new BtfException("DATASEC " + d.name() + ": no ELF section of that name to take its size from");
            List<VarSecinfo> vars = new ArrayList<>(d.vars().size());
            for (VarSecinfo v : d.vars()) {
                Type vt = type(v.type());
                if (!(vt instanceof Var var)) {
                    vars.add(v);
                    continue;
                }
                Integer off = symbolOffsets.get(var.name());
                if (off == null) {
                    throw new BtfException("DATASEC " + d.name() + ": no ELF symbol for variable " + var.name());
                }
                vars.add(new VarSecinfo(v.type(), off, v.size()));
            }
            sortByOffset(vars);
            out.set(i, new Datasec(d.name(), size, vars));
            changed = true;
        }
        return changed ? withTypes(out) : this;
    }

    @Override
    public String toString() {
        return "Btf[" + types.size() + " types from id " + firstId + ", " + stringsLength() + " string bytes"
                + (base != null ? ", split" : "") + "]";
    }

    /**
     * Stable insertion sort of a DATASEC's few variables by offset; a loop instead of a comparator
     * lambda, which a cold JVM would spin for each object's first load.
     */
    private static void sortByOffset(List<VarSecinfo> vars) {
        for (int i = 1; i < vars.size(); i++) {
            VarSecinfo v = vars.get(i);
            int j = i - 1;
            while (j >= 0 && vars.get(j).offset() > v.offset()) {
                vars.set(j + 1, vars.get(j));
                j--;
            }
            vars.set(j + 1, v);
        }
    }
}
