package io.ebpfagent.loader.testing;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.elf.ElfFile;
import io.ebpfagent.loader.elf.ElfRelocation;
import io.ebpfagent.loader.elf.ElfSection;
import io.ebpfagent.loader.elf.ElfSymbol;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfAttr;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.LogText;
import io.ebpfagent.loader.sys.SyscallException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * Test-only loading of the test objects until the collection loader exists: maps are created
 * by the test with known parameters and bound by symbol name; a program section is linked with
 * the object's {@code .text} (static and hidden subprograms), map references and the one
 * {@code .kconfig} extern the tests use ({@code LINUX_HAS_BPF_COOKIE}). No BTF is sent, so
 * global functions are verified as static ones.
 */
public final class TestBpf {
    public static final int MAP_HASH = 1, MAP_ARRAY = 2, MAP_PERF_EVENT_ARRAY = 4, MAP_RINGBUF = 27;
    public static final int PROG_KPROBE = 2, PROG_TRACEPOINT = 5, PROG_PERF_EVENT = 7, PROG_RAW_TRACEPOINT = 17,
            PROG_TRACING = 26, PROG_CGROUP_SKB = 8;
    private static final int PSEUDO_MAP_FD = 1, PSEUDO_MAP_VALUE = 2, PSEUDO_CALL = 1, PSEUDO_FUNC = 4;
    private static final int LD_IMM64 = 0x18, CALL = 0x85;

    private TestBpf() {
    }

    public static FileDescriptor createMap(String name, int type, int keySize, int valueSize, int maxEntries, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.MapCreate.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAP_TYPE, type);
            attr.set(JAVA_INT, BpfAttr.MapCreate.KEY_SIZE, keySize);
            attr.set(JAVA_INT, BpfAttr.MapCreate.VALUE_SIZE, valueSize);
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAX_ENTRIES, maxEntries);
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAP_FLAGS, flags);
            Bpf.writeName(attr, BpfAttr.MapCreate.MAP_NAME, Bpf.sanitizeName(name));
            return Bpf.mapCreate(attr);
        }
    }

    public static byte[] resource(String name) {
        try (InputStream in = TestBpf.class.getResourceAsStream("/bpf/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource bpf/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Links the first program of {@code section} in object {@code object} and loads it. */
    public static FileDescriptor load(String object, String section, int progType, int expectedAttachType,
                                      Map<String, FileDescriptor> maps) {
        ElfFile elf = ElfFile.of(resource(object), object);
        ElfSection prog = elf.section(section).orElseThrow(() -> new IllegalArgumentException("no section " + section));
        ElfSymbol fn = elf.symbols().stream()
                .filter(s -> s.sectionIndex() == prog.index() && s.type() == ElfSymbol.STT_FUNC)
                .min(java.util.Comparator.comparingLong(ElfSymbol::value)).orElseThrow();
        return load(elf, fn, progType, expectedAttachType, 0, maps);
    }

    /** Links the program function {@code function} of object {@code object} and loads it. */
    public static FileDescriptor loadFunction(String object, String function, int progType, int expectedAttachType,
                                              Map<String, FileDescriptor> maps) {
        return loadFunction(object, function, progType, expectedAttachType, 0, maps);
    }

    /** Like {@link #loadFunction} with the kernel BTF id of the attach target (tracing, iterators). */
    public static FileDescriptor loadFunction(String object, String function, int progType, int expectedAttachType,
                                              int attachBtfId, Map<String, FileDescriptor> maps) {
        ElfFile elf = ElfFile.of(resource(object), object);
        ElfSymbol fn = elf.symbols().stream()
                .filter(s -> s.name().equals(function) && s.type() == ElfSymbol.STT_FUNC).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no function " + function));
        return load(elf, fn, progType, expectedAttachType, attachBtfId, maps);
    }

    private static FileDescriptor load(ElfFile elf, ElfSymbol fn, int progType, int expectedAttachType,
                                       int attachBtfId, Map<String, FileDescriptor> maps) {
        String section = elf.section(fn.sectionIndex()).name() + ":" + fn.name();
        List<ElfSymbol> symbols = elf.symbols();
        // the program function, then every function it calls (transitively), as libbpf appends them
        List<ElfSymbol> pieces = new java.util.ArrayList<>(List.of(fn));
        Map<ElfSymbol, Integer> startOf = new java.util.HashMap<>();
        ByteBuffer insns = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (Arena arena = Arena.ofConfined()) {
            FileDescriptor kconfig = null;
            for (int pi = 0; pi < pieces.size(); pi++) {
                ElfSymbol piece = pieces.get(pi);
                ElfSection sec = elf.section(piece.sectionIndex());
                int base = insns.position() / 8;
                startOf.put(piece, base);
                insns.put(elf.bytes(sec), (int) piece.value(), (int) piece.size());
            }
            for (int pi = 0; pi < pieces.size(); pi++) {
                ElfSymbol piece = pieces.get(pi);
                ElfSection sec = elf.section(piece.sectionIndex());
                int base = startOf.get(piece);
                for (ElfSection rel : elf.sections()) {
                    if (!rel.isRelocation() || rel.info() != sec.index()) {
                        continue;
                    }
                    for (ElfRelocation r : elf.relocations(rel)) {
                        if (r.offset() < piece.value() || r.offset() >= piece.value() + piece.size()) {
                            continue;
                        }
                        ElfSymbol sym = symbols.get(r.symbolIndex());
                        int idx = base + (int) ((r.offset() - piece.value()) / 8);
                        int at = idx * 8;
                        int opcode = insns.get(at) & 0xff;
                        String secName = sym.isUndefined() ? "" : elf.section(sym.sectionIndex()).name();
                        if (opcode == LD_IMM64 && secName.equals(".maps")) {
                            FileDescriptor fd = maps.get(sym.name());
                            if (fd == null) {
                                throw new IllegalArgumentException("test did not create map " + sym.name());
                            }
                            setSrc(insns, at, PSEUDO_MAP_FD);
                            insns.putInt(at + 4, fd.get());
                        } else if (opcode == LD_IMM64 && sym.name().equals("LINUX_HAS_BPF_COOKIE")) {
                            if (kconfig == null) {
                                kconfig = createMap(".kconfig", MAP_ARRAY, 4, 8, 1, 0);
                                MemorySegment key = arena.allocate(4);
                                MemorySegment value = arena.allocate(8);
                                value.set(JAVA_BYTE, 0, (byte) 1);
                                Bpf.mapUpdateElem(kconfig.get(), key, value, 0);
                            }
                            setSrc(insns, at, PSEUDO_MAP_VALUE);
                            insns.putInt(at + 4, kconfig.get());
                            insns.putInt(at + 12, 0);
                        } else if (!sym.isUndefined() && elf.section(sym.sectionIndex()).isExecutable()) {
                            long targetOffset = sym.value();
                            if (sym.type() == ElfSymbol.STT_SECTION) {
                                // calls hold an instruction delta, function pointers a byte offset
                                targetOffset += opcode == CALL ? (insns.getInt(at + 4) + 1) * 8L : insns.getInt(at + 4);
                            }
                            ElfSymbol callee = functionAt(symbols, sym.sectionIndex(), targetOffset);
                            if (!startOf.containsKey(callee)) {
                                startOf.put(callee, insns.position() / 8);
                                pieces.add(callee);
                                insns.put(elf.bytes(elf.section(callee.sectionIndex())), (int) callee.value(), (int) callee.size());
                            }
                            int target = startOf.get(callee) + (int) ((targetOffset - callee.value()) / 8);
                            if (opcode == CALL) {
                                setSrc(insns, at, PSEUDO_CALL);
                            } else if (opcode == LD_IMM64) {
                                setSrc(insns, at, PSEUDO_FUNC);
                            } else {
                                throw new IllegalArgumentException("unsupported relocation at insn " + idx);
                            }
                            insns.putInt(at + 4, target - idx - 1);
                        } else {
                            throw new IllegalArgumentException("unsupported relocation against " + sym.name() + " at insn " + idx);
                        }
                    }
                }
            }
            int length = insns.position();
            MemorySegment code = arena.allocate(length, 8);
            MemorySegment.copy(insns.array(), 0, code, JAVA_BYTE, 0, length);
            MemorySegment license = arena.allocateFrom("GPL");
            MemorySegment log = arena.allocate(1 << 20);
            MemorySegment attr = arena.allocate(BpfAttr.ProgLoad.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.ProgLoad.PROG_TYPE, progType);
            attr.set(JAVA_INT, BpfAttr.ProgLoad.INSN_CNT, length / 8);
            attr.set(JAVA_LONG, BpfAttr.ProgLoad.INSNS, code.address());
            attr.set(JAVA_LONG, BpfAttr.ProgLoad.LICENSE, license.address());
            attr.set(JAVA_INT, BpfAttr.ProgLoad.EXPECTED_ATTACH_TYPE, expectedAttachType);
            attr.set(JAVA_INT, BpfAttr.ProgLoad.ATTACH_BTF_ID, attachBtfId);
            attr.set(JAVA_INT, BpfAttr.ProgLoad.LOG_LEVEL, 1);
            attr.set(JAVA_INT, BpfAttr.ProgLoad.LOG_SIZE, (int) log.byteSize());
            attr.set(JAVA_LONG, BpfAttr.ProgLoad.LOG_BUF, log.address());
            long r = Bpf.progLoad(attr);
            if (kconfig != null) {
                kconfig.close();
            }
            if (r < 0) {
                throw new SyscallException("BPF_PROG_LOAD " + section, (int) -r,
                        "BPF_PROG_LOAD " + section + " failed (errno " + -r + "):\n"
                                + LogText.tail(LogText.read(log), 30));
            }
            return new FileDescriptor((int) r);
        }
    }

    private static ElfSymbol functionAt(List<ElfSymbol> symbols, int section, long offset) {
        for (ElfSymbol s : symbols) {
            if (s.sectionIndex() == section && s.type() == ElfSymbol.STT_FUNC && offset >= s.value()
                    && offset < s.value() + s.size()) {
                return s;
            }
        }
        throw new IllegalArgumentException("no function at offset " + offset + " of section " + section);
    }

    private static void setSrc(ByteBuffer insns, int at, int src) {
        int regs = insns.get(at + 1) & 0xff;
        insns.put(at + 1, (byte) ((src << 4) | (regs & 0x0f)));
    }

    /** {@code BPF_PROG_TEST_RUN} without input: the program's return value. */
    public static int testRun(FileDescriptor prog) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.TestRun.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.TestRun.PROG_FD, prog.get());
            Bpf.progTestRun(attr);
            return attr.get(JAVA_INT, BpfAttr.TestRun.RETVAL);
        }
    }

    /** Reads a u64 value of an array map. */
    public static long arrayLong(FileDescriptor map, int index) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(4);
            key.set(JAVA_INT, 0, index);
            MemorySegment value = arena.allocate(8);
            int r = Bpf.mapLookupElem(map.get(), key, value, 0);
            if (r < 0) {
                throw SyscallException.of("lookup", -r);
            }
            return value.get(JAVA_LONG, 0);
        }
    }

    /** Writes a u32 key / fd-sized value into a map. */
    public static void updateInt(FileDescriptor map, int key, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(4);
            k.set(JAVA_INT, 0, key);
            MemorySegment v = arena.allocate(4);
            v.set(JAVA_INT, 0, value);
            int r = Bpf.mapUpdateElem(map.get(), k, v, 0);
            if (r < 0) {
                throw SyscallException.of("update", -r);
            }
        }
    }
}
