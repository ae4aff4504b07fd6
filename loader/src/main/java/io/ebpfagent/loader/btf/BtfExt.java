package io.ebpfagent.loader.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The {@code .BTF.ext} section of an object: per code section, the BTF function of each
 * function start ({@code func_info}), source lines ({@code line_info}) and CO-RE relocations.
 *
 * <p>Instruction positions are converted from the file's byte offsets to 8-byte slot indexes
 * within the code section. {@link #forProgram} cuts one function out and makes them relative to
 * its first instruction; {@link #encodeFuncInfos} and {@link #encodeLineInfos} produce the
 * arrays {@code BPF_PROG_LOAD} takes.
 */
public final class BtfExt {
    /** Size of the kernel's {@code struct bpf_func_info}, for {@code func_info_rec_size}. */
    public static final int FUNC_INFO_SIZE = 8;
    /** Size of the kernel's {@code struct bpf_line_info}, for {@code line_info_rec_size}. */
    public static final int LINE_INFO_SIZE = 16;
    private static final int CORE_RELO_SIZE = 16;

    /**
     * The BTF function ({@link Type.Func} id) of the function starting at slot {@code insn}.
     */
    public record FuncInfo(int insn, int typeId) {
        public FuncInfo shifted(int delta) {
            return new FuncInfo(insn + delta, typeId);
        }
    }

    /**
     * The source line of the instruction at slot {@code insn}. The string offsets point into the
     * string section of the object's {@code .BTF}, which {@link Btf#marshal()} keeps in place.
     * The file name and the line's text are read from that BTF on request: a load needs only the
     * offsets, and decoding two strings for each of the thousands of line infos of an object was
     * a visible part of a cold start (parsing checks that the offsets are in range).
     */
    public record LineInfo(int insn, int fileNameOffset, int lineOffset, int lineNumber, int column) {
        public LineInfo shifted(int delta) {
            return new LineInfo(insn + delta, fileNameOffset, lineOffset, lineNumber, column);
        }

        /** The source file's name, from the BTF this info was parsed with. */
        public String fileName(Btf btf) {
            return btf.string(fileNameOffset);
        }

        /** The source line's text, from the BTF this info was parsed with. */
        public String line(Btf btf) {
            return btf.string(lineOffset);
        }
    }

    /** The ext info of one program (or function), slots counted from its first instruction. */
    public record ProgramInfo(List<FuncInfo> funcInfos, List<LineInfo> lineInfos, List<CoreRelocation> coreRelocations) {
        public ProgramInfo {
            funcInfos = List.copyOf(funcInfos);
            lineInfos = List.copyOf(lineInfos);
            coreRelocations = List.copyOf(coreRelocations);
        }

        /** The same info for code moved by {@code delta} slots (a subprogram appended by the linker). */
        public ProgramInfo shifted(int delta) {
            List<FuncInfo> f = new ArrayList<>(funcInfos.size());
            for (FuncInfo x : funcInfos) f.add(x.shifted(delta));
            List<LineInfo> l = new ArrayList<>(lineInfos.size());
            for (LineInfo x : lineInfos) l.add(x.shifted(delta));
            List<CoreRelocation> c = new ArrayList<>(coreRelocations.size());
            for (CoreRelocation x : coreRelocations) c.add(x.shifted(delta));
            return new ProgramInfo(f, l, c);
        }

        /** This info followed by {@code other}'s (which must already be shifted past this code). */
        public ProgramInfo concat(ProgramInfo other) {
            List<FuncInfo> f = new ArrayList<>(funcInfos);
            f.addAll(other.funcInfos);
            List<LineInfo> l = new ArrayList<>(lineInfos);
            l.addAll(other.lineInfos);
            List<CoreRelocation> c = new ArrayList<>(coreRelocations);
            c.addAll(other.coreRelocations);
            return new ProgramInfo(f, l, c);
        }
    }

    private final Map<String, List<FuncInfo>> funcInfos;
    private final Map<String, List<LineInfo>> lineInfos;
    private final Map<String, List<CoreRelocation>> coreRelocations;

    private BtfExt(Map<String, List<FuncInfo>> f, Map<String, List<LineInfo>> l, Map<String, List<CoreRelocation>> c) {
        this.funcInfos = f;
        this.lineInfos = l;
        this.coreRelocations = c;
    }

    /**
     * Parses a {@code .BTF.ext} section; {@code btf} is the object's {@code .BTF}, whose string
     * section the records' names refer to.
     */
    public static BtfExt parse(byte[] bytes, Btf btf) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if (bytes.length < 24) throw new BtfException(".BTF.ext too short for its header: " + bytes.length + " bytes");
        int m0 = bytes[0] & 0xff, m1 = bytes[1] & 0xff;
        if (m0 == 0x9f && m1 == 0xeb) buf.order(ByteOrder.LITTLE_ENDIAN);
        else if (m0 == 0xeb && m1 == 0x9f) buf.order(ByteOrder.BIG_ENDIAN);
        else throw new BtfException(String.format(".BTF.ext: bad magic 0x%02x%02x at offset 0", m1, m0));
        if (bytes[2] != 1) throw new BtfException(".BTF.ext: unsupported version " + bytes[2] + " at offset 2");
        int hdrLen = buf.getInt(4);
        if (hdrLen < 24 || hdrLen > bytes.length) throw new BtfException(".BTF.ext: bad header length " + hdrLen + " at offset 4");
        Map<String, List<FuncInfo>> f = sections(buf, hdrLen, buf.getInt(8), buf.getInt(12), 8, "func_info", btf,
                FUNC_INFO);
        Map<String, List<LineInfo>> l = sections(buf, hdrLen, buf.getInt(16), buf.getInt(20), 16, "line_info", btf,
                LINE_INFO);
        Map<String, List<CoreRelocation>> c = Map.of();
        if (hdrLen >= 32) {
            c = sections(buf, hdrLen, buf.getInt(24), buf.getInt(28), CORE_RELO_SIZE, "core_relo", btf, CORE_RELO);
        }
        return new BtfExt(f, l, c);
    }

    private static int insn(int byteOffset, int at) {
        if (byteOffset < 0 || byteOffset % 8 != 0) {
            throw new BtfException(".BTF.ext: instruction offset " + byteOffset + " not a multiple of 8 at offset " + at);
        }
        return byteOffset / 8;
    }

    private static String string(Btf btf, int off, int at) {
        try {
            return btf.string(off);
        } catch (BtfException e) {
            throw new BtfException(".BTF.ext: string offset " + off + " out of range at offset " + at);
        }
    }

    /** Fails as {@link #string(Btf, int, int)} would, without decoding the string. */
    private static void checkString(Btf btf, int off, int at) {
        if (!btf.hasString(off)) {
            throw new BtfException(".BTF.ext: string offset " + off + " out of range at offset " + at);
        }
    }

    private static String string(Btf btf, int off, int at, Map<Integer, String> cache) {
        String s = cache.get(off);
        if (s == null) {
            s = string(btf, off, at);
            cache.put(off, s);
        }
        return s;
    }

    // The three record kinds, read by one switch rather than by a lambda each: this runs once per
    // object at every cold start, where each lambda is a class to spin.
    private static final int FUNC_INFO = 0;
    private static final int LINE_INFO = 1;
    private static final int CORE_RELO = 2;

    /**
     * The record of {@code kind} at {@code at}; it lies within the section (checked by the caller).
     * {@code strings} caches the access strings decoded so far (relocations repeat them).
     */
    private static Object record(int kind, ByteBuffer buf, int at, Btf btf, Map<Integer, String> strings) {
        int insn = insn(buf.getInt(at), at);
        switch (kind) {
            case FUNC_INFO:
                return new FuncInfo(insn, buf.getInt(at + 4));
            case LINE_INFO: {
                int file = buf.getInt(at + 4), line = buf.getInt(at + 8), col = buf.getInt(at + 12);
                checkString(btf, file, at);
                checkString(btf, line, at);
                return new LineInfo(insn, file, line, col >>> 10, col & 0x3ff);
            }
            default: {
                int type = buf.getInt(at + 4);
                String access = string(btf, buf.getInt(at + 8), at, strings);
                int relocationKind = buf.getInt(at + 12);
                try {
                    return new CoreRelocation(insn, type, access, CoreRelocationKind.of(relocationKind));
                } catch (IllegalArgumentException e) {
                    throw new BtfException(".BTF.ext: unknown CO-RE relocation kind " + relocationKind + " at offset " + at);
                }
            }
        }
    }

    @SuppressWarnings("unchecked") // every record of a call is of the kind it names
    private static <T> Map<String, List<T>> sections(ByteBuffer buf, int hdrLen, int off, int len, int minRecord,
                                                     String what, Btf btf, int kind) {
        Map<String, List<T>> out = new LinkedHashMap<>();
        if (len == 0) return out;
        Map<Integer, String> strings = new HashMap<>();
        long start = (long) hdrLen + Integer.toUnsignedLong(off);
        long end = start + Integer.toUnsignedLong(len);
        if (end > buf.capacity() || len < 4) {
            throw new BtfException(".BTF.ext: " + what + " [" + start + ", " + end + ") exceeds the section (" + buf.capacity() + " bytes)");
        }
        int pos = (int) start;
        int recSize = buf.getInt(pos);
        if (recSize < minRecord || recSize % 4 != 0) {
            throw new BtfException(".BTF.ext: " + what + " record size " + recSize + " invalid at offset " + pos);
        }
        pos += 4;
        while (pos < end) {
            if (pos + 8 > end) throw new BtfException(".BTF.ext: " + what + " section header truncated at offset " + pos);
            String sec = string(btf, buf.getInt(pos), pos);
            int n = buf.getInt(pos + 4);
            pos += 8;
            if (n < 0 || pos + (long) n * recSize > end) {
                throw new BtfException(".BTF.ext: " + what + " of " + sec + ": " + n + " records exceed the section at offset " + (pos - 4));
            }
            List<T> list = out.get(sec);
            if (list == null) {
                list = new ArrayList<>(n);
                out.put(sec, list);
            }
            for (int i = 0; i < n; i++, pos += recSize) {
                list.add((T) record(kind, buf, pos, btf, strings));
            }
        }
        for (Map.Entry<String, List<T>> e : out.entrySet()) {
            e.setValue(Collections.unmodifiableList(e.getValue()));
        }
        return out;
    }

    /** Function infos of a code section, slots counted from the section start. */
    public List<FuncInfo> funcInfos(String section) {
        return funcInfos.getOrDefault(section, List.of());
    }

    /** Line infos of a code section, slots counted from the section start. */
    public List<LineInfo> lineInfos(String section) {
        return lineInfos.getOrDefault(section, List.of());
    }

    /** CO-RE relocations of a code section, slots counted from the section start. */
    public List<CoreRelocation> coreRelocations(String section) {
        return coreRelocations.getOrDefault(section, List.of());
    }

    /** Names of the code sections that have any ext info. */
    public List<String> sections() {
        LinkedHashSet<String> all = new LinkedHashSet<>(funcInfos.keySet());
        all.addAll(lineInfos.keySet());
        all.addAll(coreRelocations.keySet());
        return List.copyOf(all);
    }

    /**
     * The ext info of the function occupying slots {@code [startSlot, endSlot)} of a code section,
     * with slots counted from {@code startSlot}.
     */
    public ProgramInfo forProgram(String section, int startSlot, int endSlot) {
        List<FuncInfo> f = new ArrayList<>();
        for (FuncInfo x : funcInfos(section)) {
            if (x.insn() >= startSlot && x.insn() < endSlot) f.add(x.shifted(-startSlot));
        }
        List<LineInfo> l = new ArrayList<>();
        for (LineInfo x : lineInfos(section)) {
            if (x.insn() >= startSlot && x.insn() < endSlot) l.add(x.shifted(-startSlot));
        }
        List<CoreRelocation> c = new ArrayList<>();
        for (CoreRelocation x : coreRelocations(section)) {
            if (x.instruction() >= startSlot && x.instruction() < endSlot) c.add(x.shifted(-startSlot));
        }
        return new ProgramInfo(f, l, c);
    }

    /** {@code struct bpf_func_info[]} (little endian) with each slot index moved by {@code slotBase}. */
    public static byte[] encodeFuncInfos(List<FuncInfo> infos, int slotBase) {
        ByteBuffer out = ByteBuffer.allocate(infos.size() * FUNC_INFO_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (FuncInfo f : infos) out.putInt(f.insn() + slotBase).putInt(f.typeId());
        return out.array();
    }

    /** {@code struct bpf_line_info[]} (little endian) with each slot index moved by {@code slotBase}. */
    public static byte[] encodeLineInfos(List<LineInfo> infos, int slotBase) {
        ByteBuffer out = ByteBuffer.allocate(infos.size() * LINE_INFO_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (LineInfo l : infos) {
            out.putInt(l.insn() + slotBase).putInt(l.fileNameOffset()).putInt(l.lineOffset())
               .putInt(l.lineNumber() << 10 | (l.column() & 0x3ff));
        }
        return out.array();
    }
}
