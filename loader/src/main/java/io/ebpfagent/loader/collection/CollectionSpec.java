package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.programs.ProgramSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything an eBPF object file asks for, before anything exists in the kernel: its maps
 * (BTF-defined {@code .maps}, legacy {@code maps}, one map per global data section and a
 * {@code .kconfig} map), its programs (one per function of a program section, with the
 * subprograms they call appended and call offsets fixed) and its global variables.
 *
 * <h2>What the loader still has to do</h2>
 * Instructions keep symbolic references ({@link io.ebpfagent.loader.asm.Instruction#reference()}):
 * <ul>
 *   <li>{@code lddw} with {@code src == PSEUDO_MAP_FD}: reference = map name; set {@code constant}
 *       to the map's fd.</li>
 *   <li>{@code lddw} with {@code src == PSEUDO_MAP_VALUE}: reference = map name of a data section
 *       (or {@code .kconfig}), {@code constant} = byte offset in the value; set {@code constant}
 *       to {@code (offset << 32) | fd} (the kernel reads the offset from the second slot's imm).</li>
 *   <li>{@code call} with {@code src == PSEUDO_KFUNC_CALL} and {@code lddw} with
 *       {@code src == PSEUDO_BTF_ID}: reference = a kernel function or variable ({@code __ksym})
 *       to look up in the kernel's BTF.</li>
 *   <li>bpf-to-bpf calls ({@code src == PSEUDO_CALL}) and function pointers
 *       ({@code src == PSEUDO_FUNC}) keep their reference to the callee for readability but are
 *       final: their offsets are already relative to the linked program.</li>
 * </ul>
 * The {@code .kconfig} map's value is zero until {@link #resolveKconfig(Kconfig)} fills it from
 * the running kernel's configuration; the object's BTF needs
 * {@code Btf.withDatasecFixups(sectionSizes(), symbolOffsets())} before {@code BPF_BTF_LOAD},
 * because the compiler leaves data section sizes and variable offsets zero.
 *
 * <h2>Mutability</h2>
 * A spec is mutable and not thread-safe: {@link #maps()}, {@link #programs()} and
 * {@link #variables()} are modifiable maps, and {@link VariableSpec#set} replaces the section's
 * {@link MapSpec} with a new value (copy-on-write, earlier {@code MapSpec} references keep their
 * contents). {@link #copy()} gives an independent copy to change.
 */
public final class CollectionSpec {
    private final Map<String, MapSpec> maps;
    private final Map<String, ProgramSpec> programs;
    private final Map<String, VariableSpec> variables;
    private final ByteOrder byteOrder;
    private final byte[] btf;
    private final byte[] btfExt;
    private final Btf types;
    private final List<KconfigExtern> kconfigExterns;
    private final Map<String, Integer> sectionSizes;
    private final Map<String, Integer> symbolOffsets;
    private final Map<String, List<FunctionOffset>> programFunctions;
    private Set<String> hiddenFunctions = Set.of();
    private Set<String> weakExterns = Set.of();

    CollectionSpec(ByteOrder byteOrder, byte[] btf, byte[] btfExt, Btf types, List<KconfigExtern> kconfigExterns,
                   Map<String, Integer> sectionSizes, Map<String, Integer> symbolOffsets) {
        this.maps = new LinkedHashMap<>();
        this.programs = new LinkedHashMap<>();
        this.variables = new LinkedHashMap<>();
        this.byteOrder = byteOrder;
        this.btf = btf;
        this.btfExt = btfExt;
        this.types = types;
        this.kconfigExterns = List.copyOf(kconfigExterns);
        this.sectionSizes = Map.copyOf(sectionSizes);
        this.symbolOffsets = Map.copyOf(symbolOffsets);
        this.programFunctions = new LinkedHashMap<>();
    }

    /** Reads an object file. */
    public static CollectionSpec load(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new LoaderException(path + ": cannot read: " + e.getMessage(), e);
        }
        return load(bytes, path.toString());
    }

    /** Reads an object file from a stream (e.g. a class path resource); the stream is read to its end, not closed. */
    public static CollectionSpec load(InputStream in) {
        try {
            return load(in.readAllBytes(), "stream");
        } catch (IOException e) {
            throw new LoaderException("cannot read eBPF object stream: " + e.getMessage(), e);
        }
    }

    /** Reads an object file from bytes. */
    public static CollectionSpec load(byte[] object) {
        return load(object, "object");
    }

    /** Reads an object file from bytes; {@code origin} names it in error messages. */
    public static CollectionSpec load(byte[] object, String origin) {
        return new ObjectReader(object, origin).read();
    }

    /** The maps by name, in object order. Modifiable. */
    public Map<String, MapSpec> maps() {
        return maps;
    }

    /** The programs by function name, in object order. Modifiable. */
    public Map<String, ProgramSpec> programs() {
        return programs;
    }

    /** The global variables by symbol name. Modifiable (removing one does not change its map). */
    public Map<String, VariableSpec> variables() {
        return variables;
    }

    /** The map of the given name. */
    public MapSpec map(String name) {
        MapSpec m = maps.get(name);
        if (m == null) throw new LoaderException("no map named " + name + " (maps: " + maps.keySet() + ")");
        return m;
    }

    /** The program of the given name. */
    public ProgramSpec program(String name) {
        ProgramSpec p = programs.get(name);
        if (p == null) throw new LoaderException("no program named " + name + " (programs: " + programs.keySet() + ")");
        return p;
    }

    /** The variable of the given name. */
    public VariableSpec variable(String name) {
        VariableSpec v = variables.get(name);
        if (v == null) throw new LoaderException("no variable named " + name + " (variables: " + variables.keySet() + ")");
        return v;
    }

    /** Byte order of the object (eBPF objects read here are little endian). */
    public ByteOrder byteOrder() {
        return byteOrder;
    }

    /** The raw {@code .BTF} section, or null if the object has none. Not a copy: do not modify. */
    public byte[] btf() {
        return btf;
    }

    /** The raw {@code .BTF.ext} section, or null. Not a copy: do not modify. */
    public byte[] btfExt() {
        return btfExt;
    }

    /** The parsed {@code .BTF}, or null if the object has none. */
    public Btf types() {
        return types;
    }

    /** The {@code __kconfig} externs, laid out in the {@code .kconfig} map. */
    public List<KconfigExtern> kconfigExterns() {
        return kconfigExterns;
    }

    /**
     * Sizes of the object's sections by name (plus {@code .kconfig}), for the BTF datasec fixup
     * ({@code Btf.withDatasecFixups}).
     */
    public Map<String, Integer> sectionSizes() {
        return sectionSizes;
    }

    /**
     * Offsets of the named data and map symbols in their sections (plus the {@code .kconfig}
     * externs' offsets), for the BTF datasec fixup.
     */
    public Map<String, Integer> symbolOffsets() {
        return symbolOffsets;
    }

    /**
     * The functions a program is made of, in instruction order: the program's own function at
     * slot 0, then the subprograms appended by the linker.
     */
    public List<FunctionOffset> functions(String program) {
        List<FunctionOffset> f = programFunctions.get(program);
        if (f == null) throw new LoaderException("no program named " + program);
        return f;
    }

    void putFunctions(String program, List<FunctionOffset> functions) {
        programFunctions.put(program, List.copyOf(functions));
    }

    /**
     * Fills the {@code .kconfig} map's value from a kernel configuration. Called by the loader
     * before creating the maps; a no-op for objects without {@code __kconfig} externs.
     *
     * @throws LoaderException if a non-weak extern has no value or a value does not fit its type
     */
    public void resolveKconfig(Kconfig config) {
        if (kconfigExterns.isEmpty()) return;
        MapSpec map = map(ObjectReader.KCONFIG_MAP);
        byte[] value = map.contents().getFirst().value().clone();
        KconfigValues.fill(value, kconfigExterns, config);
        map = map.withContents(List.of(MapSpec.Entry.of(map.contents().getFirst().key(), value)));
        maps.put(ObjectReader.KCONFIG_MAP, map);
    }

    /**
     * Non-static functions with hidden visibility ({@code __hidden}, e.g. the helpers of
     * libbpf's {@code usdt.bpf.h}). Like libbpf, the loader gives them static linkage in the BTF
     * it loads: the verifier would otherwise check them as global functions, on their own, with
     * every pointer argument possibly NULL.
     */
    public Set<String> hiddenFunctions() {
        return hiddenFunctions;
    }

    void hiddenFunctions(Set<String> names) {
        hiddenFunctions = Set.copyOf(names);
    }

    /**
     * The {@code __weak} externs of the object ({@code __ksym} variables and kfuncs): as libbpf
     * does, one the kernel lacks resolves to 0 (the program checks it with
     * {@code bpf_ksym_exists}) instead of failing the load.
     */
    public Set<String> weakExterns() {
        return weakExterns;
    }

    void weakExterns(Set<String> names) {
        weakExterns = Set.copyOf(names);
    }

    /** An independent copy: changing one does not change the other. */
    public CollectionSpec copy() {
        CollectionSpec c = new CollectionSpec(byteOrder, btf, btfExt, types, kconfigExterns, sectionSizes, symbolOffsets);
        for (Map.Entry<String, MapSpec> e : maps.entrySet()) c.maps.put(e.getKey(), deepCopy(e.getValue()));
        c.programs.putAll(programs);
        for (Map.Entry<String, VariableSpec> e : variables.entrySet()) c.variables.put(e.getKey(), e.getValue().copyFor(c));
        c.programFunctions.putAll(programFunctions);
        c.hiddenFunctions = hiddenFunctions;
        c.weakExterns = weakExterns;
        return c;
    }

    private static MapSpec deepCopy(MapSpec m) {
        List<MapSpec.Entry> entries = new ArrayList<>(m.contents().size());
        for (MapSpec.Entry e : m.contents()) {
            entries.add(new MapSpec.Entry(e.key().clone(), e.value() == null ? null : e.value().clone(), e.valueReference()));
        }
        MapSpec inner = m.innerMap() == null ? null : deepCopy(m.innerMap());
        return m.withContents(entries).withInnerMap(inner);
    }

    /** Unmodifiable view of the program → functions table. */
    Map<String, List<FunctionOffset>> programFunctions() {
        return Collections.unmodifiableMap(programFunctions);
    }

    /**
     * A function inside a linked program.
     *
     * @param name    the function symbol
     * @param section the ELF section it came from
     * @param slot    its first instruction, in 8-byte slots from the program start
     * @param slots   its length in slots
     */
    public record FunctionOffset(String name, String section, int slot, int slots) {}

    @Override
    public String toString() {
        return "CollectionSpec[maps=" + maps.keySet() + ", programs=" + programs.keySet() + ", variables="
                + variables.keySet() + "]";
    }
}
