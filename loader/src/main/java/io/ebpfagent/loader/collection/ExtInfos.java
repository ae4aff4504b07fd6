package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.BtfException;
import io.ebpfagent.loader.btf.CoreRelocation;
import io.ebpfagent.loader.btf.CoreRelocationKind;
import io.ebpfagent.loader.elf.ElfException;
import io.ebpfagent.loader.programs.ProgramSpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code .BTF.ext} records of an object, per section, and their translation to a linked
 * program: func_info and line_info offsets become instruction indices relative to the program
 * (as {@code BPF_PROG_LOAD} wants them), CO-RE relocations become {@link CoreRelocation}s with
 * program-relative slots.
 */
final class ExtInfos {
    static final ExtInfos NONE = new ExtInfos(Map.of(), 0, Map.of(), 0, Map.of());
    private static final int MAGIC = 0xeb9f;

    /** A record as found in the section: its byte offset in the ELF section and its raw bytes. */
    record Raw(long byteOffset, byte[] bytes) {}

    private final Map<String, List<Raw>> funcInfos;
    private final int funcRecordSize;
    private final Map<String, List<Raw>> lineInfos;
    private final int lineRecordSize;
    private final Map<String, List<CoreRelo>> coreRelos;

    private record CoreRelo(long byteOffset, int typeId, String accessor, CoreRelocationKind kind) {}

    private ExtInfos(Map<String, List<Raw>> funcInfos, int funcRecordSize, Map<String, List<Raw>> lineInfos,
                     int lineRecordSize, Map<String, List<CoreRelo>> coreRelos) {
        this.funcInfos = funcInfos;
        this.funcRecordSize = funcRecordSize;
        this.lineInfos = lineInfos;
        this.lineRecordSize = lineRecordSize;
        this.coreRelos = coreRelos;
    }

    static ExtInfos parse(byte[] ext, Btf btf, String origin) {
        try {
            return parse0(ext, btf);
        } catch (BtfException | IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new ElfException(origin + ": section .BTF.ext: " + e.getMessage(), e);
        }
    }

    private static ExtInfos parse0(byte[] ext, Btf btf) {
        ByteBuffer in = ByteBuffer.wrap(ext).order(ByteOrder.LITTLE_ENDIAN);
        if (ext.length < 24) throw new IllegalArgumentException("header truncated (" + ext.length + " bytes)");
        if ((in.getShort(0) & 0xffff) != MAGIC) {
            throw new IllegalArgumentException("bad magic 0x" + Integer.toHexString(in.getShort(0) & 0xffff));
        }
        int hdrLen = in.getInt(4);
        if (hdrLen < 24 || hdrLen > ext.length) throw new IllegalArgumentException("header length " + hdrLen + " out of range");
        int[] func = {in.getInt(8), in.getInt(12)};
        int[] line = {in.getInt(16), in.getInt(20)};
        int[] core = hdrLen >= 32 ? new int[] {in.getInt(24), in.getInt(28)} : new int[] {0, 0};
        Map<String, List<Raw>> funcs = new HashMap<>();
        Map<String, List<Raw>> lines = new HashMap<>();
        Map<String, List<Raw>> cores = new HashMap<>();
        int funcSize = blocks(in, hdrLen, func, 8, btf, funcs, "func_info");
        int lineSize = blocks(in, hdrLen, line, 16, btf, lines, "line_info");
        blocks(in, hdrLen, core, 16, btf, cores, "core_relo");
        Map<String, List<CoreRelo>> relos = new HashMap<>();
        for (Map.Entry<String, List<Raw>> e : cores.entrySet()) {
            List<CoreRelo> list = new ArrayList<>();
            for (Raw r : e.getValue()) {
                ByteBuffer b = ByteBuffer.wrap(r.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                list.add(new CoreRelo(r.byteOffset(), b.getInt(4), btf.string(b.getInt(8)), CoreRelocationKind.of(b.getInt(12))));
            }
            relos.put(e.getKey(), list);
        }
        return new ExtInfos(funcs, funcSize, lines, lineSize, relos);
    }

    /** Reads one info kind's blocks into section → records; returns the record size. */
    private static int blocks(ByteBuffer in, int hdrLen, int[] offLen, int minRecord, Btf btf,
                              Map<String, List<Raw>> out, String what) {
        if (offLen[1] == 0) return 0;
        long start = (long) hdrLen + Integer.toUnsignedLong(offLen[0]);
        long end = start + Integer.toUnsignedLong(offLen[1]);
        if (end > in.limit()) throw new IllegalArgumentException(what + " [" + start + ", " + end + ") beyond the section end");
        int pos = (int) start;
        int recSize = in.getInt(pos);
        pos += 4;
        if (recSize < minRecord) throw new IllegalArgumentException(what + " record size " + recSize + " < " + minRecord);
        while (pos < end) {
            if (end - pos < 8) throw new IllegalArgumentException(what + " block header truncated");
            String section = btf.string(in.getInt(pos));
            long count = Integer.toUnsignedLong(in.getInt(pos + 4));
            pos += 8;
            if (count * recSize > end - pos) throw new IllegalArgumentException(what + " of " + section + " truncated");
            List<Raw> list = out.computeIfAbsent(section, s -> new ArrayList<>());
            for (long i = 0; i < count; i++) {
                byte[] rec = new byte[recSize];
                in.get(pos, rec);
                list.add(new Raw(Integer.toUnsignedLong(in.getInt(pos)), rec));
                pos += recSize;
            }
        }
        return recSize;
    }

    /** The program with func_info, line_info and CO-RE relocations of all its functions. */
    ProgramSpec apply(ProgramSpec p, List<CollectionSpec.FunctionOffset> layout, Map<String, FunctionReader.Function> functions) {
        if (this == NONE) return p;
        ByteArrayOutputStream funcOut = new ByteArrayOutputStream();
        ByteArrayOutputStream lineOut = new ByteArrayOutputStream();
        List<CoreRelocation> relos = new ArrayList<>();
        for (CollectionSpec.FunctionOffset fo : layout) {
            FunctionReader.Function f = functions.get(fo.name());
            long from = f.byteOffset();
            long to = from + (long) f.slots() * Instruction.SLOT_SIZE;
            copyRecords(funcInfos.get(f.section()), from, to, fo.slot(), funcOut);
            copyRecords(lineInfos.get(f.section()), from, to, fo.slot(), lineOut);
            for (CoreRelo r : coreRelos.getOrDefault(f.section(), List.of())) {
                if (r.byteOffset() < from || r.byteOffset() >= to) continue;
                int slot = fo.slot() + (int) ((r.byteOffset() - from) / Instruction.SLOT_SIZE);
                relos.add(new CoreRelocation(slot, r.typeId(), r.accessor(), r.kind()));
            }
        }
        ProgramSpec.BtfExtInfo info = funcOut.size() == 0 && lineOut.size() == 0 ? null
                : new ProgramSpec.BtfExtInfo(funcOut.toByteArray(), funcRecordSize, lineOut.toByteArray(), lineRecordSize);
        return p.withBtfExt(info).withCoreRelocations(relos);
    }

    /** Copies the records in [from, to) with insn_off rewritten to an instruction index relative to the program. */
    private static void copyRecords(List<Raw> records, long from, long to, int functionSlot, ByteArrayOutputStream out) {
        if (records == null) return;
        for (Raw r : records) {
            if (r.byteOffset() < from || r.byteOffset() >= to) continue;
            byte[] rec = r.bytes().clone();
            int insn = functionSlot + (int) ((r.byteOffset() - from) / Instruction.SLOT_SIZE);
            ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN).putInt(0, insn);
            out.writeBytes(rec);
        }
    }
}
