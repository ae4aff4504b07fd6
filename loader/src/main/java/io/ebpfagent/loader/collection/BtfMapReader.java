package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.BtfException;
import io.ebpfagent.loader.btf.Type;
import io.ebpfagent.loader.elf.ElfException;
import io.ebpfagent.loader.elf.ElfFile;
import io.ebpfagent.loader.elf.ElfRelocation;
import io.ebpfagent.loader.elf.ElfSection;
import io.ebpfagent.loader.elf.ElfSymbol;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads BTF-defined maps: each variable of the {@code .maps} section is a struct whose members
 * encode the definition in their types ({@code __uint(name, n)} is {@code int (*name)[n]},
 * {@code __type(name, T)} is {@code T *name}, {@code __array(name, T)} is {@code T *name[]},
 * {@code __ulong(name, n)} an enum holding {@code n}). Relocations in {@code .maps} against the
 * {@code values} array give program arrays and map-in-map maps their initial entries.
 */
final class BtfMapReader {
    private static final int PIN_NONE = 0, PIN_BY_NAME = 1;

    private final ElfFile elf;
    private final Btf btf;
    private final List<ElfSymbol> symbols;
    private final ElfSection section;
    private final List<ElfRelocation> relocations;
    private final Map<Integer, ObjectReader.Kind> kinds;
    private final String origin;

    BtfMapReader(ElfFile elf, Btf btf, List<ElfSymbol> symbols, ElfSection section, List<ElfRelocation> relocations,
                 Map<Integer, ObjectReader.Kind> kinds, String origin) {
        this.elf = elf;
        this.btf = btf;
        this.symbols = symbols;
        this.section = section;
        this.relocations = relocations;
        this.kinds = kinds;
        this.origin = origin;
    }

    /** Adds every map of {@code .maps} to {@code out}, in definition order. */
    void read(Map<String, MapSpec> out) {
        Optional<Type.Datasec> found = btf.datasec(section.name());
        if (found.isEmpty()) throw fail("section .maps has no DATASEC in the object's BTF");
        Type.Datasec ds = found.get();
        Map<String, ElfSymbol> byName = new HashMap<>();
        for (ElfSymbol s : symbols) {
            if (s.sectionIndex() == section.index() && !s.name().isEmpty() && s.type() != ElfSymbol.STT_SECTION) {
                byName.put(s.name(), s);
            }
        }
        List<Pending> pending = new ArrayList<>();
        for (Type.VarSecinfo vs : ds.vars()) {
            if (!(btf.type(vs.type()) instanceof Type.Var var)) {
                throw fail(".maps DATASEC entry of type " + vs.type() + " is not a variable");
            }
            ElfSymbol sym = byName.get(var.name());
            if (sym == null) throw fail("map " + var.name() + " has BTF but no symbol in section .maps");
            if (!(btf.resolvedType(var.type()) instanceof Type.Struct def)) {
                throw fail("map " + var.name() + " is not defined by a struct");
            }
            Parsed p;
            try {
                p = parse(var.name(), def);
            } catch (BtfException e) {
                throw fail("map " + var.name() + ": " + e.getMessage());
            }
            pending.add(new Pending(p, sym));
        }
        pending.sort(null); // by symbol value
        for (Pending p : pending) {
            MapSpec m = p.parsed.spec.withContents(initialValues(p));
            if (out.putIfAbsent(m.name(), m) != null) throw fail("two maps are named " + m.name());
        }
    }

    private record Pending(Parsed parsed, ElfSymbol symbol) implements Comparable<Pending> {
        @Override
        public int compareTo(Pending o) {
            return ElfSymbol.BY_VALUE.compare(symbol, o.symbol);
        }
    }

    /** A map definition and where its {@code values} member sits (byte offset in the struct, -1 if none). */
    private record Parsed(MapSpec spec, int valuesOffset) {}

    private Parsed parse(String name, Type.Struct def) {
        MapType type = MapType.UNSPEC;
        int keySize = 0, valueSize = 0, maxEntries = 0, flags = 0, keyTypeId = 0, valueTypeId = 0;
        long mapExtra = 0;
        MapSpec.Pinning pinning = MapSpec.Pinning.NONE;
        MapSpec inner = null;
        int valuesOffset = -1;
        boolean valuesAreFunctions = false;
        for (Type.Member m : def.members()) {
            switch (m.name()) {
                case "type" -> {
                    int v = uint(name, m);
                    try {
                        type = MapType.of(v);
                    } catch (IllegalArgumentException e) {
                        throw fail("map " + name + ": unknown map type " + v);
                    }
                }
                case "max_entries" -> maxEntries = uint(name, m);
                case "map_flags" -> flags = uint(name, m);
                case "numa_node" -> uint(name, m); // accepted; placement is not applied by this loader
                case "key_size" -> keySize = checkSize(name, "key", keySize, uint(name, m));
                case "value_size" -> valueSize = checkSize(name, "value", valueSize, uint(name, m));
                case "map_extra" -> mapExtra = ulong(name, m);
                case "pinning" -> {
                    int v = uint(name, m);
                    pinning = switch (v) {
                        case PIN_NONE -> MapSpec.Pinning.NONE;
                        case PIN_BY_NAME -> MapSpec.Pinning.BY_NAME;
                        default -> throw fail("map " + name + ": unsupported pinning " + v);
                    };
                }
                case "key" -> {
                    keyTypeId = pointee(name, m);
                    keySize = checkSize(name, "key", keySize, (int) btf.sizeOf(keyTypeId));
                }
                case "value" -> {
                    valueTypeId = pointee(name, m);
                    valueSize = checkSize(name, "value", valueSize, (int) btf.sizeOf(valueTypeId));
                }
                case "values" -> {
                    if (m.bitOffset() % 8 != 0) throw fail("map " + name + ": member values is not byte aligned");
                    valuesOffset = m.bitOffset() / 8;
                    if (!(btf.resolvedType(m.type()) instanceof Type.Array arr) || arr.nelems() != 0) {
                        throw fail("map " + name + ": member values must be declared with __array(values, ...)");
                    }
                    if (!(btf.resolvedType(arr.elem()) instanceof Type.Pointer ptr)) {
                        throw fail("map " + name + ": values array elements must be pointers");
                    }
                    Type target = btf.resolvedType(ptr.target());
                    if (target instanceof Type.Struct innerDef) {
                        inner = parse(name + ".inner", innerDef).spec;
                    } else if (target instanceof Type.FuncProto) {
                        valuesAreFunctions = true;
                    } else {
                        throw fail("map " + name + ": values must point to a map definition or a function prototype");
                    }
                    valueSize = checkSize(name, "value", valueSize, 4);
                }
                default -> throw fail("map " + name + ": unknown field '" + m.name() + "'");
            }
        }
        if (type == MapType.UNSPEC) throw fail("map " + name + " has no type");
        if (inner != null && !type.isMapOfMaps()) throw fail("map " + name + " of type " + type + " has an inner map definition");
        if (valuesAreFunctions && type != MapType.PROG_ARRAY) throw fail("map " + name + " of type " + type + " holds functions");
        if (type.isMapOfMaps() && inner == null) throw fail("map " + name + " of type " + type + " needs __array(values, ...)");
        if (valuesOffset >= 0 && keySize == 0) keySize = 4;
        MapSpec spec = new MapSpec(name, type, keySize, valueSize, maxEntries, flags, inner, pinning, List.of(), false,
                mapExtra, keyTypeId, valueTypeId);
        return new Parsed(spec, valuesOffset);
    }

    private int checkSize(String map, String what, int declared, int size) {
        if (declared != 0 && declared != size) {
            throw fail("map " + map + ": " + what + " size " + size + " conflicts with the declared " + declared);
        }
        return size;
    }

    /** {@code __uint}: {@code int (*name)[value]}. */
    private int uint(String map, Type.Member m) {
        if (!(btf.resolvedType(m.type()) instanceof Type.Pointer p) || !(btf.resolvedType(p.target()) instanceof Type.Array a)) {
            throw fail("map " + map + ": member " + m.name() + " is not declared with __uint");
        }
        return a.nelems();
    }

    /** {@code __ulong} (an enum holding the value) or {@code __uint}. */
    private long ulong(String map, Type.Member m) {
        Type t = btf.resolvedType(m.type());
        if (t instanceof Type.Enumeration e) {
            if (e.values().size() != 1) throw fail("map " + map + ": member " + m.name() + " enum must hold exactly one value");
            return e.values().getFirst().value();
        }
        return Integer.toUnsignedLong(uint(map, m));
    }

    /** {@code __type}: {@code T *name}; returns the id of T. */
    private int pointee(String map, Type.Member m) {
        if (!(btf.resolvedType(m.type()) instanceof Type.Pointer p)) {
            throw fail("map " + map + ": member " + m.name() + " is not declared with __type");
        }
        return p.target();
    }

    /** Entries of {@code values} set in C: one relocation per non-null slot. */
    private List<MapSpec.Entry> initialValues(Pending p) {
        MapSpec spec = p.parsed.spec;
        long start = p.symbol.value();
        long end = start + p.symbol.size();
        TreeMap<Integer, String> slots = new TreeMap<>();
        for (ElfRelocation r : relocations) {
            if (r.offset() < start || r.offset() >= end) continue;
            if (p.parsed.valuesOffset < 0) throw fail("map " + spec.name() + " has a relocation but no values member");
            long rel = r.offset() - start - p.parsed.valuesOffset;
            if (rel < 0 || rel % 8 != 0) {
                throw fail("map " + spec.name() + ": relocation at offset " + r.offset() + " is not a values slot");
            }
            int index = (int) (rel / 8);
            if (spec.maxEntries() != 0 && Integer.compareUnsigned(index, spec.maxEntries()) >= 0) {
                throw fail("map " + spec.name() + ": initial value " + index + " beyond max_entries " + spec.maxEntries());
            }
            if (r.symbolIndex() <= 0 || r.symbolIndex() >= symbols.size()) {
                throw fail("map " + spec.name() + ": relocation refers to symbol " + r.symbolIndex() + " out of range");
            }
            ElfSymbol target = symbols.get(r.symbolIndex());
            ObjectReader.Kind kind = kinds.getOrDefault(target.sectionIndex(), ObjectReader.Kind.OTHER);
            if (spec.type() == MapType.PROG_ARRAY) {
                if (kind != ObjectReader.Kind.CODE || target.type() != ElfSymbol.STT_FUNC) {
                    throw fail("prog array " + spec.name() + " slot " + index + " refers to " + target + ", not a program");
                }
            } else if (kind != ObjectReader.Kind.BTF_MAPS) {
                throw fail("map " + spec.name() + " slot " + index + " refers to " + target + ", not a map of .maps");
            }
            slots.put(index, target.name());
        }
        List<MapSpec.Entry> entries = new ArrayList<>();
        for (Map.Entry<Integer, String> e : slots.entrySet()) {
            entries.add(MapSpec.Entry.referencing(key(e.getKey(), spec.keySize()), e.getValue()));
        }
        return entries;
    }

    private byte[] key(int index, int size) {
        if (size != 4 && size != 8) throw fail("initial values need a 4- or 8-byte key, map has " + size);
        byte[] k = new byte[size];
        for (int i = 0; i < 4; i++) k[i] = (byte) (index >>> (8 * i));
        return k;
    }

    private ElfException fail(String message) {
        return new ElfException(origin + ": " + message);
    }
}
