package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.BtfException;
import io.ebpfagent.loader.btf.Type;
import io.ebpfagent.loader.elf.ElfException;
import io.ebpfagent.loader.elf.ElfFile;
import io.ebpfagent.loader.elf.ElfHeader;
import io.ebpfagent.loader.elf.ElfRelocation;
import io.ebpfagent.loader.elf.ElfSection;
import io.ebpfagent.loader.elf.ElfSymbol;
import io.ebpfagent.loader.maps.MapFlags;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a relocatable eBPF ELF object into a {@link CollectionSpec}: classifies the sections,
 * builds the map specs, reads the code and hands it to the {@link Linker}.
 */
final class ObjectReader {
    private static final int STV_HIDDEN = 2;
    private static final Logger LOG = LoggerFactory.getLogger(ObjectReader.class);

    static final String KCONFIG_MAP = ".kconfig";
    static final String LEGACY_MAPS = "maps";
    static final String BTF_MAPS = ".maps";

    /** What a section is to the loader. */
    enum Kind { CODE, DATA, LEGACY_MAPS, BTF_MAPS, LICENSE, VERSION, OTHER }

    private final String origin;
    private final ElfFile elf;
    private final Map<Integer, Kind> kinds = new HashMap<>();
    private final Map<Integer, List<ElfRelocation>> relocations = new HashMap<>();
    private List<ElfSymbol> symbols = List.of();
    private Btf btf;
    private final Map<String, KconfigExtern> kconfig = new LinkedHashMap<>();

    ObjectReader(byte[] object, String origin) {
        this.origin = origin;
        this.elf = ElfFile.of(object, origin);
    }

    CollectionSpec read() {
        ElfHeader h = elf.header();
        if (h.type() != ElfHeader.ET_REL) fail("not a relocatable object (e_type " + h.type() + ")");
        if (h.machine() != ElfHeader.EM_BPF && h.machine() != 0) fail("not an eBPF object (e_machine " + h.machine() + ")");
        if (h.byteOrder() != ByteOrder.LITTLE_ENDIAN) fail("big-endian eBPF objects are not supported");
        classifySections();
        symbols = elf.symbols();
        byte[] btfBytes = sectionBytes(".BTF");
        byte[] btfExtBytes = sectionBytes(".BTF.ext");
        if (btfBytes != null) {
            try {
                btf = Btf.parse(btfBytes);
            } catch (BtfException e) {
                throw new ElfException(origin + ": section .BTF: " + e.getMessage(), e);
            }
        }
        String license = readLicense();
        int version = readVersion();

        Map<String, Integer> sectionSizes = new LinkedHashMap<>();
        Map<String, Integer> symbolOffsets = new LinkedHashMap<>();
        for (ElfSection s : elf.sections()) {
            if (s.index() != 0 && !s.name().isEmpty()) sectionSizes.putIfAbsent(s.name(), (int) s.size());
        }
        for (ElfSymbol sym : symbols) {
            if (sym.name().isEmpty() || sym.type() == ElfSymbol.STT_SECTION || sym.type() == ElfSymbol.STT_FILE) continue;
            Kind k = kindOf(sym);
            if (k == Kind.DATA || k == Kind.LEGACY_MAPS || k == Kind.BTF_MAPS || k == Kind.LICENSE || k == Kind.VERSION) {
                symbolOffsets.putIfAbsent(sym.name(), (int) sym.value());
            }
        }
        // Variables in sections that are no map (SEC("xdp_metadata"), libxdp's .xdp_run_config)
        // still have a DATASEC in the BTF; as libbpf, their offsets come from the global or weak
        // object symbol of the same name, so the BTF stays loadable.
        for (ElfSymbol sym : symbols) {
            if (sym.type() == ElfSymbol.STT_OBJECT && !sym.name().isEmpty() && !sym.isUndefined()
                    && (sym.binding() == ElfSymbol.STB_GLOBAL || sym.binding() == ElfSymbol.STB_WEAK)) {
                symbolOffsets.putIfAbsent(sym.name(), (int) sym.value());
            }
        }
        int kconfigSize = layoutKconfig();
        if (kconfigSize > 0) {
            sectionSizes.put(KCONFIG_MAP, kconfigSize);
            for (KconfigExtern e : kconfig.values()) symbolOffsets.put(e.name(), e.offset());
        }

        CollectionSpec spec = new CollectionSpec(ByteOrder.LITTLE_ENDIAN, btfBytes, btfExtBytes, btf,
                List.copyOf(kconfig.values()), sectionSizes, symbolOffsets);
        java.util.Set<String> hidden = new java.util.HashSet<>();
        for (ElfSymbol sym : symbols) {
            if (sym.type() == ElfSymbol.STT_FUNC && sym.binding() != ElfSymbol.STB_LOCAL
                    && sym.visibility() == STV_HIDDEN && !sym.name().isEmpty()) {
                hidden.add(sym.name());
            }
        }
        spec.hiddenFunctions(hidden);
        java.util.Set<String> weak = new java.util.HashSet<>();
        for (ElfSymbol sym : symbols) {
            if (sym.isUndefined() && sym.binding() == ElfSymbol.STB_WEAK && !sym.name().isEmpty()) weak.add(sym.name());
        }
        spec.weakExterns(weak);
        readLegacyMaps(spec);
        if (sectionOfKind(Kind.BTF_MAPS) != null) {
            ElfSection maps = sectionOfKind(Kind.BTF_MAPS);
            if (btf == null) fail("section .maps needs BTF, but the object has no .BTF section");
            new BtfMapReader(elf, btf, symbols, maps, relocations.getOrDefault(maps.index(), List.of()), kinds, origin)
                    .read(spec.maps());
        }
        readDataSections(spec);
        if (kconfigSize > 0) {
            MapSpec m = new MapSpec(KCONFIG_MAP, MapType.ARRAY, 4, kconfigSize, 1, MapFlags.RDONLY_PROG | MapFlags.MMAPABLE,
                    null, MapSpec.Pinning.NONE, List.of(MapSpec.Entry.of(new byte[4], new byte[kconfigSize])), true, 0, 0,
                    btf.findId(KCONFIG_MAP, Type.Datasec.class).orElse(0));
            spec.maps().put(KCONFIG_MAP, m);
        }

        FunctionReader functions = new FunctionReader(elf, origin, symbols, kinds, relocations, spec.maps(), kconfig);
        Map<String, FunctionReader.Function> all = functions.read();
        Linker linker = new Linker(origin, all, btf, btfExtBytes);
        for (FunctionReader.Function f : all.values()) {
            if (f.section().equals(".text")) continue;
            linker.link(f, license, version, spec);
        }
        LOG.debug("{}: {} maps, {} programs, {} variables", origin, spec.maps().size(), spec.programs().size(),
                spec.variables().size());
        return spec;
    }

    // ------------------------------------------------------------------ sections

    private void classifySections() {
        for (ElfSection s : elf.sections()) {
            if (s.index() == 0) continue;
            Kind k = Kind.OTHER;
            String n = s.name();
            if (s.isRelocation()) {
                if (s.info() <= 0 || s.info() >= elf.sections().size()) {
                    fail(s + " relocates section " + s.info() + " out of range (" + elf.sections().size() + " sections)");
                }
                List<ElfRelocation> list = relocations.get(s.info());
                if (list == null) {
                    list = new ArrayList<>();
                    relocations.put(s.info(), list);
                }
                list.addAll(elf.relocations(s));
            } else if (s.type() == ElfSection.SHT_PROGBITS && s.isExecutable()) {
                k = Kind.CODE;
            } else if ((s.type() == ElfSection.SHT_PROGBITS || s.isNoBits()) && isDataSection(n)) {
                k = Kind.DATA;
            } else if (n.equals(LEGACY_MAPS)) {
                k = Kind.LEGACY_MAPS;
            } else if (n.equals(BTF_MAPS)) {
                k = Kind.BTF_MAPS;
            } else if (n.equals("license")) {
                k = Kind.LICENSE;
            } else if (n.equals("version")) {
                k = Kind.VERSION;
            }
            kinds.put(s.index(), k);
        }
    }

    static boolean isDataSection(String n) {
        return n.equals(".data") || n.startsWith(".data.") || n.equals(".rodata") || n.startsWith(".rodata.")
                || n.equals(".bss") || n.startsWith(".bss.");
    }

    private Kind kindOf(ElfSymbol sym) {
        return kinds.getOrDefault(sym.sectionIndex(), Kind.OTHER);
    }

    private ElfSection sectionOfKind(Kind k) {
        for (ElfSection s : elf.sections()) {
            if (kinds.get(s.index()) == k) return s;
        }
        return null;
    }

    private byte[] sectionBytes(String name) {
        Optional<ElfSection> s = elf.section(name);
        return s.isPresent() ? elf.bytes(s.get()) : null;
    }

    private String readLicense() {
        ElfSection s = sectionOfKind(Kind.LICENSE);
        if (s == null) return "";
        byte[] b = elf.bytes(s);
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private int readVersion() {
        ElfSection s = sectionOfKind(Kind.VERSION);
        if (s == null) return 0;
        if (s.size() != 4) fail("section version has " + s.size() + " bytes, expected 4");
        return elf.contents(s).getInt(0);
    }

    // ------------------------------------------------------------------ maps

    /** Size of iproute2's {@code struct bpf_elf_map}: bpf_map_def plus id, pinning, inner_id, inner_idx. */
    private static final int ELF_MAP_SIZE = 36;
    /** iproute2's pinning values: none, per object, global ({@code /sys/fs/bpf/tc/globals}). */
    private static final int PIN_NONE = 0, PIN_GLOBAL_NS = 2;

    /**
     * {@code struct bpf_map_def} records of the {@code maps} section, one per symbol. As libbpf
     * 0.x read them: a definition shorter than {@code bpf_map_def} leaves the missing fields zero,
     * a longer one must have zeros after it, except iproute2's {@code struct bpf_elf_map}, whose
     * {@code pinning = PIN_GLOBAL_NS} pins the map by name (under {@link CollectionOptions#pinPath})
     * and whose {@code id} only names the map; per-object pinning and inner map links by id are
     * refused with a clear error rather than ignored.
     */
    private void readLegacyMaps(CollectionSpec spec) {
        ElfSection s = sectionOfKind(Kind.LEGACY_MAPS);
        if (s == null) return;
        List<ElfSymbol> defs = new ArrayList<>();
        for (ElfSymbol sym : symbols) {
            if (sym.sectionIndex() == s.index() && sym.type() != ElfSymbol.STT_SECTION && !sym.name().isEmpty()) defs.add(sym);
        }
        if (defs.isEmpty()) return;
        defs.sort(ElfSymbol.BY_VALUE);
        ByteBuffer in = elf.contents(s);
        long defaultSize = s.size() / defs.size();
        for (ElfSymbol sym : defs) {
            long size = sym.size() != 0 ? sym.size() : defaultSize;
            if (size < 4) fail("legacy map " + sym.name() + " definition has " + size + " bytes, too few for a map type");
            if (sym.value() < 0 || sym.value() + size > s.size()) fail("legacy map " + sym.name() + " lies outside section maps");
            int base = (int) sym.value();
            int[] field = new int[9];
            for (int i = 0; i < field.length && (i + 1) * 4 <= size; i++) field[i] = in.getInt(base + 4 * i);
            MapSpec.Pinning pinning = MapSpec.Pinning.NONE;
            if (size == ELF_MAP_SIZE) {
                pinning = switch (field[6]) {
                    case PIN_NONE -> MapSpec.Pinning.NONE;
                    case PIN_GLOBAL_NS -> MapSpec.Pinning.BY_NAME;
                    default -> throw new ElfException(origin + ": legacy map " + sym.name() + ": iproute2 pinning "
                            + field[6] + " is not supported (only PIN_NONE and PIN_GLOBAL_NS, pinned by name)");
                };
                if (field[7] != 0 || field[8] != 0) {
                    fail("legacy map " + sym.name() + ": iproute2 inner map links (inner_id " + field[7] + ", inner_idx "
                            + field[8] + ") are not supported; declare map-in-maps in .maps with __array(values, ...)");
                }
            } else {
                for (int i = 20; i < size; i++) {
                    if (in.get(base + i) != 0) {
                        fail("legacy map " + sym.name() + " sets unknown field bytes after struct bpf_map_def (offset " + i + ")");
                    }
                }
            }
            MapType type;
            try {
                type = MapType.of(field[0]);
            } catch (IllegalArgumentException e) {
                throw new ElfException(origin + ": legacy map " + sym.name() + ": " + e.getMessage());
            }
            MapSpec m = MapSpec.of(sym.name(), type, field[1], field[2], field[3]).withFlags(field[4]).withPinning(pinning);
            putMap(spec.maps(), m);
        }
    }

    private void putMap(Map<String, MapSpec> maps, MapSpec m) {
        if (maps.putIfAbsent(m.name(), m) != null) fail("two maps are named " + m.name());
    }

    /**
     * One single-entry array per global data section, value = the section bytes (zeros for
     * {@code .bss}); read-only sections are frozen and read-only for programs.
     */
    private void readDataSections(CollectionSpec spec) {
        for (ElfSection s : elf.sections()) {
            if (kinds.get(s.index()) != Kind.DATA) continue;
            if (s.size() == 0) continue;
            if (s.size() > Integer.MAX_VALUE - 8) fail(s + " is too large for a map value");
            boolean readOnly = s.name().startsWith(".rodata");
            int datasecId = btf == null ? 0 : btf.findId(s.name(), Type.Datasec.class).orElse(0);
            int flags = (mmapable(datasecId) ? MapFlags.MMAPABLE : 0) | (readOnly ? MapFlags.RDONLY_PROG : 0);
            MapSpec m = new MapSpec(s.name(), MapType.ARRAY, 4, (int) s.size(), 1, flags, null, MapSpec.Pinning.NONE,
                    List.of(MapSpec.Entry.of(new byte[4], elf.bytes(s))), readOnly, 0, 0, datasecId);
            putMap(spec.maps(), m);
            Map<String, Integer> varTypes = datasecVarTypes(s.name());
            for (ElfSymbol sym : symbols) {
                if (sym.sectionIndex() != s.index() || sym.name().isEmpty()) continue;
                if (sym.type() != ElfSymbol.STT_OBJECT && sym.type() != ElfSymbol.STT_NOTYPE) continue;
                if (sym.value() < 0 || sym.value() + sym.size() > s.size()) {
                    fail(sym + " lies outside " + s + " (" + s.size() + " bytes)");
                }
                int size = (int) sym.size();
                if (size == 0) continue;
                VariableSpec v = new VariableSpec(spec, sym.name(), s.name(), (int) sym.value(), size,
                        varTypes.getOrDefault(sym.name(), 0));
                if (spec.variables().putIfAbsent(sym.name(), v) != null) {
                    LOG.debug("{}: two variables named {}; keeping the first", origin, sym.name());
                }
            }
        }
    }

    /**
     * As libbpf: a data section's map is mmapable only if its DATASEC holds a non-static variable.
     * Sections of static variables only (and sections without BTF, such as string literals) are
     * not, since no user space code can name what is in them.
     */
    private boolean mmapable(int datasecId) {
        if (datasecId == 0 || !(btf.type(datasecId) instanceof Type.Datasec d)) return false;
        for (Type.VarSecinfo vs : d.vars()) {
            if (btf.type(vs.type()) instanceof Type.Var v && v.linkage() != Type.Linkage.STATIC) return true;
        }
        return false;
    }

    /** Variable name → type id of the VAR's type, from the section's DATASEC. */
    private Map<String, Integer> datasecVarTypes(String section) {
        Map<String, Integer> out = new HashMap<>();
        if (btf == null) return out;
        Optional<Type.Datasec> d = btf.datasec(section);
        if (d.isEmpty()) return out;
        for (Type.VarSecinfo vs : d.get().vars()) {
            if (btf.type(vs.type()) instanceof Type.Var v) out.put(v.name(), v.type());
        }
        return out;
    }

    // ------------------------------------------------------------------ kconfig

    /**
     * Lays out the {@code __kconfig} externs in the {@code .kconfig} map as libbpf does: sorted by
     * alignment (largest first), then size (smallest first), then name, each at its type's
     * alignment, the value ending right after the last one. Returns the map value size, 0 if
     * there are none.
     */
    private int layoutKconfig() {
        if (btf == null) return 0;
        var ds = btf.datasec(KCONFIG_MAP);
        if (ds.isEmpty()) return 0;
        Map<String, ElfSymbol> undefined = new HashMap<>();
        for (ElfSymbol sym : symbols) {
            if (sym.isUndefined() && !sym.name().isEmpty()) undefined.put(sym.name(), sym);
        }
        record Slot(String name, int typeId, int size, int align, KconfigExtern.Kind kind, boolean weak)
                implements Comparable<Slot> {
            // alignment descending, then size, then name (a method, not a comparator chain of lambdas)
            @Override
            public int compareTo(Slot o) {
                if (align != o.align) return Integer.compare(o.align, align);
                if (size != o.size) return Integer.compare(size, o.size);
                return name.compareTo(o.name);
            }
        }
        List<Slot> slots = new ArrayList<>();
        for (Type.VarSecinfo vs : ds.get().vars()) {
            if (!(btf.type(vs.type()) instanceof Type.Var var)) continue;
            int typeId = var.type();
            int size = (int) btf.sizeOf(typeId);
            KconfigExtern.Kind kind = kconfigKind(var.name(), typeId, size);
            ElfSymbol sym = undefined.get(var.name());
            boolean weak = sym != null && sym.binding() == ElfSymbol.STB_WEAK;
            slots.add(new Slot(var.name(), typeId, size, alignment(typeId, size), kind, weak));
        }
        Collections.sort(slots);
        int offset = 0;
        for (Slot x : slots) {
            offset = (offset + x.align() - 1) / x.align() * x.align();
            kconfig.put(x.name(), new KconfigExtern(x.name(), offset, x.size(), x.kind(), x.weak(), x.typeId()));
            offset += x.size();
        }
        return offset;
    }

    private KconfigExtern.Kind kconfigKind(String name, int typeId, int size) {
        Type t = btf.resolvedType(typeId);
        switch (t) {
            case Type.Int i -> {
                if (size == 1 && (i.encoding() & Type.Int.BOOL) != 0) return KconfigExtern.Kind.BOOL;
                if (size == 1 && ((i.encoding() & Type.Int.CHAR) != 0 || i.name().equals("char"))) return KconfigExtern.Kind.CHAR;
                return KconfigExtern.Kind.INT;
            }
            case Type.Enumeration e -> {
                if (e.name().equals("libbpf_tristate")) return KconfigExtern.Kind.TRISTATE;
                return KconfigExtern.Kind.INT;
            }
            case Type.Array a -> {
                if (btf.resolvedType(a.elem()) instanceof Type.Int i && i.size() == 1) return KconfigExtern.Kind.CHAR_ARRAY;
            }
            default -> { }
        }
        throw new ElfException(origin + ": kconfig extern " + name + " has unsupported type " + t.kindName()
                + " (use bool, char, an integer, enum libbpf_tristate or char[N])");
    }

    private int alignment(int typeId, int size) {
        Type t = btf.resolvedType(typeId);
        if (t instanceof Type.Array a) return alignment(a.elem(), (int) btf.sizeOf(a.elem()));
        return Math.max(1, Math.min(8, Integer.highestOneBit(Math.max(1, size))));
    }

    private void fail(String message) {
        throw new ElfException(origin + ": " + message);
    }
}
