package io.ebpfagent.loader.collection;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.Instructions;
import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.features.KernelVersion;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfAttr;
import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.LogText;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.IntFunction;

/**
 * One {@code BPF_PROG_LOAD} of a fully resolved program, with the object's BTF, func and line
 * info and the attach BTF id. Loads without a log first (cheap); on failure loads again with a
 * verifier log, growing the buffer while the kernel says it is too small, and throws a
 * {@link VerifierException} carrying it.
 */
final class ProgramLoad {
    private static final int MAX_LOG = 64 * 1024 * 1024;

    private ProgramLoad() {
    }

    /**
     * What to load besides the spec.
     *
     * @param instructions the resolved, relocated instructions
     * @param btfFd        the object's BTF in the kernel, or null (then no func/line info is sent)
     * @param attachBtfId  {@code attach_btf_id}, 0 if none
     * @param logLevel     log level of the first attempt (0: none)
     * @param logSize      first log buffer size
     * @param explain      given the failing instruction (or -1), a sentence on the CO-RE relocation to blame, or null
     */
    record Request(List<Instruction> instructions, FileDescriptor btfFd, int attachBtfId, int logLevel, int logSize,
                   IntFunction<String> explain) {}

    static FileDescriptor load(ProgramSpec spec, Request request) {
        byte[] code = Instructions.encode(request.instructions());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = arena.allocate(code.length, 8);
            MemorySegment.copy(code, 0, insns, JAVA_BYTE, 0, code.length);
            MemorySegment attr = arena.allocate(BpfAttr.ProgLoad.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.ProgLoad.PROG_TYPE, spec.type().value());
            attr.set(JAVA_INT, BpfAttr.ProgLoad.INSN_CNT, code.length / Instruction.SLOT_SIZE);
            attr.set(JAVA_LONG, BpfAttr.ProgLoad.INSNS, insns.address());
            attr.set(JAVA_LONG, BpfAttr.ProgLoad.LICENSE, arena.allocateFrom(spec.license()).address());
            attr.set(JAVA_INT, BpfAttr.ProgLoad.KERN_VERSION,
                    spec.kernelVersion() != 0 ? spec.kernelVersion() : KernelVersion.code());
            attr.set(JAVA_INT, BpfAttr.ProgLoad.PROG_FLAGS, spec.flags());
            if (spec.attachType() != null) {
                attr.set(JAVA_INT, BpfAttr.ProgLoad.EXPECTED_ATTACH_TYPE, spec.attachType().value());
            }
            attr.set(JAVA_INT, BpfAttr.ProgLoad.ATTACH_BTF_ID, request.attachBtfId());
            String name = kernelName(spec.name());
            if (!name.isEmpty()) Bpf.writeName(attr, BpfAttr.ProgLoad.PROG_NAME, name);
            ProgramSpec.BtfExtInfo ext = spec.btfExt();
            if (request.btfFd() != null) {
                attr.set(JAVA_INT, BpfAttr.ProgLoad.PROG_BTF_FD, request.btfFd().get());
                if (ext != null && ext.funcInfoCount() > 0) {
                    attr.set(JAVA_INT, BpfAttr.ProgLoad.FUNC_INFO_REC_SIZE, ext.funcInfoRecordSize());
                    attr.set(JAVA_LONG, BpfAttr.ProgLoad.FUNC_INFO, copy(arena, ext.funcInfo()).address());
                    attr.set(JAVA_INT, BpfAttr.ProgLoad.FUNC_INFO_CNT, ext.funcInfoCount());
                }
                if (ext != null && ext.lineInfoCount() > 0) {
                    attr.set(JAVA_INT, BpfAttr.ProgLoad.LINE_INFO_REC_SIZE, ext.lineInfoRecordSize());
                    attr.set(JAVA_LONG, BpfAttr.ProgLoad.LINE_INFO, copy(arena, ext.lineInfo()).address());
                    attr.set(JAVA_INT, BpfAttr.ProgLoad.LINE_INFO_CNT, ext.lineInfoCount());
                }
            }
            int level = request.logLevel();
            int size = request.logSize();
            String log = "";
            int firstErrno = 0;
            while (true) {
                MemorySegment buf = null;
                if (level > 0) {
                    buf = arena.allocate(size);
                    attr.set(JAVA_LONG, BpfAttr.ProgLoad.LOG_BUF, buf.address());
                    attr.set(JAVA_INT, BpfAttr.ProgLoad.LOG_SIZE, size);
                    attr.set(JAVA_INT, BpfAttr.ProgLoad.LOG_LEVEL, level);
                }
                long r = Bpf.progLoad(attr);
                if (r >= 0) return new FileDescriptor((int) r);
                int errno = (int) -r;
                if (buf != null) log = LogText.read(buf);
                if (firstErrno == 0) firstErrno = errno;
                if (level == 0) {
                    if (errno == Errno.EPERM.value() && log.isEmpty()) {
                        // Missing privileges or a program type locked down here: a log would be empty too.
                        throw new VerifierException(spec.name(), errno, "", "operation not permitted (no verifier log)");
                    }
                    level = 1; // reload with a log to say why
                    continue;
                }
                if (errno == Errno.ENOSPC.value() && size < MAX_LOG) {
                    size = Math.min(MAX_LOG, size * 4);
                    continue;
                }
                int reported = errno == Errno.ENOSPC.value() ? firstErrno : errno;
                throw new VerifierException(spec.name(), reported, log, request.explain().apply(failingInstruction(log)));
            }
        }
    }

    /** The index of the last instruction the verifier log shows ({@code "12: (85) call ..."}), or -1. */
    static int failingInstruction(String log) {
        List<String> lines = LogText.nonBlankLines(log);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i);
            int colon = l.indexOf(": (");
            if (colon > 0 && l.substring(0, colon).chars().allMatch(Character::isDigit)) {
                return Integer.parseInt(l.substring(0, colon));
            }
        }
        return -1;
    }

    private static MemorySegment copy(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length, 8);
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
        return s;
    }

    private static String kernelName(String name) {
        if (name.isEmpty() || !Features.supported(Features::haveObjectNames)) return "";
        return Bpf.sanitizeName(name);
    }
}
