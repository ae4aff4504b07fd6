package io.ebpfagent.loader.programs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.Instructions;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.features.KernelVersion;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfAttr;
import io.ebpfagent.loader.sys.BpfCommand;
import io.ebpfagent.loader.sys.BpfInfo;
import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.LogText;
import io.ebpfagent.loader.sys.PermissionDeniedException;
import io.ebpfagent.loader.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A BPF program loaded into the kernel and verified, owned through its file descriptor. Attach
 * it with the {@code link} package; run it without attaching with {@link #testRun}.
 *
 * <h2>Loading and the verifier log</h2>
 * {@link #load(ProgramSpec, ProgramOptions)} first loads without a log, which is fastest. If the
 * kernel refuses, it loads again with the verifier log enabled (level 1, or the level asked),
 * growing the buffer on {@code ENOSPC}, and throws:
 * <ul>
 *   <li>{@link VerifierException} when there is a log: the verifier rejected the program
 *   ({@code EACCES}, {@code EINVAL}, ...); the message ends with the verifier's complaint.</li>
 *   <li>{@link PermissionDeniedException} for {@code EPERM} with an empty log: missing
 *   privileges or kernel lockdown (fentry/fexit/LSM under lockdown integrity).</li>
 *   <li>another {@link SyscallException} otherwise.</li>
 * </ul>
 *
 * <p>Instances are thread safe. {@link #close()} closes this descriptor; links, pins and program
 * arrays referring to the program keep it loaded.
 */
public final class Program implements AutoCloseable {
    private final FileDescriptor fd;
    private final String name;
    private final ProgramType type;
    private final String verifierLog;
    private volatile Path pinnedPath;

    private Program(FileDescriptor fd, String name, ProgramType type, String verifierLog) {
        this.fd = fd;
        this.name = name;
        this.type = type;
        this.verifierLog = verifierLog;
    }

    // ================================================================== loading

    /** Loads {@code spec} with {@link ProgramOptions#DEFAULT}. */
    public static Program load(ProgramSpec spec) {
        return load(spec, ProgramOptions.DEFAULT);
    }

    /**
     * Loads {@code spec}. Its instructions must be fully linked: every map, global and function
     * reference resolved (CO-RE relocations applied by the caller).
     *
     * @throws LoaderException naming the symbol of an unresolved reference
     * @throws VerifierException when the verifier rejects the program
     */
    public static Program load(ProgramSpec spec, ProgramOptions options) {
        checkResolved(spec);
        if (spec.instructions().isEmpty()) {
            throw new LoaderException("program '" + spec.name() + "' has no instructions");
        }
        byte[] code = Instructions.encode(spec.instructions());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.ProgLoad.LAYOUT);
            fill(attr, arena, spec, options, code);

            MemorySegment log = null;
            if (options.logLevel() > 0) {
                log = arena.allocate(options.logSizeStart());
                setLog(attr, log, options.logLevel());
            }
            long r = Bpf.progLoad(attr);
            if (r >= 0) {
                return new Program(new FileDescriptor((int) r), spec.name(), spec.type(),
                        log == null ? null : LogText.read(log));
            }
            int firstErrno = (int) -r;
            int level = Math.max(1, options.logLevel());
            long size = options.logSizeStart();
            while (true) {
                try (Arena logArena = Arena.ofConfined()) {
                    log = logArena.allocate(size);
                    setLog(attr, log, level);
                    attr.set(JAVA_INT, BpfAttr.ProgLoad.LOG_TRUE_SIZE, 0);
                    r = Bpf.progLoad(attr);
                    if (r >= 0) {
                        // Passed with a log although it failed without: keep it, the failure was transient.
                        return new Program(new FileDescriptor((int) r), spec.name(), spec.type(), LogText.read(log));
                    }
                    int errno = (int) -r;
                    String text = LogText.read(log);
                    if (errno == Errno.ENOSPC.value() && size < options.logSizeMax()) {
                        long trueSize = Integer.toUnsignedLong(attr.get(JAVA_INT, BpfAttr.ProgLoad.LOG_TRUE_SIZE));
                        size = Math.min(options.logSizeMax(), Math.max(size * 4, trueSize + 1));
                        continue;
                    }
                    boolean truncated = errno == Errno.ENOSPC.value();
                    throw loadError(spec, truncated ? firstErrno : errno, text, truncated);
                }
            }
        }
    }

    private static void fill(MemorySegment attr, Arena arena, ProgramSpec spec, ProgramOptions options, byte[] code) {
        MemorySegment insns = arena.allocate(code.length, 8);
        MemorySegment.copy(code, 0, insns, JAVA_BYTE, 0, code.length);
        attr.set(JAVA_INT, BpfAttr.ProgLoad.PROG_TYPE, spec.type().value());
        attr.set(JAVA_INT, BpfAttr.ProgLoad.INSN_CNT, code.length / Instruction.SLOT_SIZE);
        attr.set(JAVA_LONG, BpfAttr.ProgLoad.INSNS, insns.address());
        attr.set(JAVA_LONG, BpfAttr.ProgLoad.LICENSE, arena.allocateFrom(spec.license()).address());
        int kernVersion = options.kernVersion() != 0 ? options.kernVersion()
                : spec.kernelVersion() != 0 ? spec.kernelVersion() : KernelVersion.code();
        attr.set(JAVA_INT, BpfAttr.ProgLoad.KERN_VERSION, kernVersion);
        attr.set(JAVA_INT, BpfAttr.ProgLoad.PROG_FLAGS, spec.flags());
        String kernelName = kernelName(spec.name());
        if (!kernelName.isEmpty()) {
            Bpf.writeName(attr, BpfAttr.ProgLoad.PROG_NAME, kernelName);
        }
        if (spec.attachType() != null) {
            attr.set(JAVA_INT, BpfAttr.ProgLoad.EXPECTED_ATTACH_TYPE, spec.attachType().value());
        }
        if (options.btf() != null) {
            attr.set(JAVA_INT, BpfAttr.ProgLoad.PROG_BTF_FD, options.btf().get());
            ProgramSpec.BtfExtInfo ext = spec.btfExt();
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
        attr.set(JAVA_INT, BpfAttr.ProgLoad.ATTACH_BTF_ID, options.attachBtfId());
        if (options.attachProg() != null) {
            attr.set(JAVA_INT, BpfAttr.ProgLoad.ATTACH_PROG_FD, options.attachProg().get());
        } else if (options.attachBtfObj() != null) {
            attr.set(JAVA_INT, BpfAttr.ProgLoad.ATTACH_BTF_OBJ_FD, options.attachBtfObj().get());
        }
    }

    private static void setLog(MemorySegment attr, MemorySegment log, int level) {
        attr.set(JAVA_INT, BpfAttr.ProgLoad.LOG_LEVEL, level);
        attr.set(JAVA_INT, BpfAttr.ProgLoad.LOG_SIZE, (int) Math.min(Integer.MAX_VALUE, log.byteSize()));
        attr.set(JAVA_LONG, BpfAttr.ProgLoad.LOG_BUF, log.address());
    }

    private static MemorySegment copy(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(Math.max(1, bytes.length), 8);
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
        return s;
    }

    private static String kernelName(String name) {
        if (name.isEmpty() || !Features.supported(Features::haveObjectNames)) {
            return "";
        }
        String s = Bpf.sanitizeName(name);
        if (s.indexOf('.') >= 0 && !Features.supported(Features::haveObjectNamesWithDots)) {
            s = Bpf.sanitizeName(s.replace(".", ""));
        }
        return s;
    }

    private static RuntimeException loadError(ProgramSpec spec, int errno, String log, boolean truncated) {
        String what = "BPF_PROG_LOAD of program '" + spec.name() + "' (" + spec.type() + ")";
        Errno e = Errno.of(errno);
        if (!log.isBlank()) {
            return new VerifierException(spec.name(), errno, log, truncated);
        }
        if (e == Errno.EPERM) {
            boolean tracing = spec.type() == ProgramType.TRACING || spec.type() == ProgramType.LSM
                    || spec.type() == ProgramType.EXT;
            return new PermissionDeniedException(what, errno, what + ": operation not permitted (EPERM) with an"
                    + " empty verifier log: missing privileges (root, or CAP_BPF and CAP_PERFMON, CAP_NET_ADMIN for"
                    + " network hooks) or kernel lockdown"
                    + (tracing ? "; fentry/fexit/LSM are refused with EPERM on kernels with lockdown integrity" : ""));
        }
        if (e == Errno.EINVAL) {
            return new SyscallException(what, errno, what + ": invalid argument (EINVAL) before verification:"
                    + " the kernel refused the program type, expected attach type, flags or attach target"
                    + " (see Features.haveProgramType)");
        }
        return SyscallException.of(what, errno);
    }

    /**
     * Fails if an instruction still waits for the linker: a bpf-to-bpf call or function pointer
     * whose offset is unset ({@code -1}), or a 64-bit load that was never turned into a map,
     * global-data or BTF reference.
     */
    static void checkResolved(ProgramSpec spec) {
        List<Instruction> insns = spec.instructions();
        for (int i = 0; i < insns.size(); i++) {
            Instruction ins = insns.get(i);
            if (ins.reference() == null) {
                continue;
            }
            boolean unresolved;
            if (ins.isFunctionCall() || ins.isLoadOfFunctionPointer()) {
                unresolved = ins.constant() == -1;
            } else if (ins.isLoadImm64()) {
                unresolved = ins.src() == 0;
            } else if (ins.opcode() == OpCode.CALL && ins.src() == OpCode.PSEUDO_KFUNC_CALL) {
                unresolved = ins.constant() == -1 || ins.constant() == 0;
            } else {
                unresolved = false;
            }
            if (unresolved) {
                throw new LoaderException("program '" + spec.name() + "': instruction " + i + " (" + ins
                        + ") refers to '" + ins.reference() + "', which was never resolved: a map, global variable,"
                        + " kfunc or function the collection must link before loading");
            }
        }
    }

    // ================================================================== opening existing programs

    /** Opens the program pinned at {@code path}. */
    public static Program loadPinned(Path path) {
        Program p = fromDescriptor(Bpf.objGet(path.toString(), 0));
        p.pinnedPath = path;
        return p;
    }

    /** Opens the program with kernel id {@code id}. */
    public static Program fromId(int id) {
        return fromDescriptor(Bpf.getFdById(BpfCommand.PROG_GET_FD_BY_ID, id, 0));
    }

    /** Wraps an owned descriptor of a program, reading its type and name from the kernel. */
    public static Program fromDescriptor(FileDescriptor fd) {
        try {
            ProgramInfo info = infoOf(fd);
            return new Program(fd, info.name(), info.type(), null);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    // ================================================================== attributes

    /** The program's descriptor (still owned by this program). */
    public FileDescriptor fd() {
        return fd;
    }

    /** The name from the spec (or the kernel's name for opened programs). */
    public String name() {
        return name;
    }

    public ProgramType type() {
        return type;
    }

    /** The verifier log of the load, when it was loaded with {@link ProgramOptions#logLevel()} above 0. */
    public Optional<String> verifierLog() {
        return Optional.ofNullable(verifierLog);
    }

    /** The kernel's tag of the program: 16 hex digits, as {@code bpftool prog} shows it. */
    public String tag() {
        return info().tag();
    }

    /** What the kernel reports about this program now (statistics included). */
    public ProgramInfo info() {
        return infoOf(fd);
    }

    private static ProgramInfo infoOf(FileDescriptor fd) {
        try (Arena arena = Arena.ofConfined()) {
            int capacity = 64;
            while (true) {
                MemorySegment info = arena.allocate(BpfInfo.Prog.LAYOUT);
                MemorySegment ids = arena.allocate(JAVA_INT, capacity);
                info.set(JAVA_INT, BpfInfo.Prog.NR_MAP_IDS, capacity);
                info.set(JAVA_LONG, BpfInfo.Prog.MAP_IDS, ids.address());
                Bpf.objGetInfoByFd(fd.get(), info);
                int n = info.get(JAVA_INT, BpfInfo.Prog.NR_MAP_IDS);
                if (n > capacity) {
                    capacity = n;
                    continue;
                }
                List<Integer> mapIds = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    mapIds.add(ids.getAtIndex(JAVA_INT, i));
                }
                byte[] tag = info.asSlice(BpfInfo.Prog.TAG, 8).toArray(JAVA_BYTE);
                return new ProgramInfo(ProgramType.of(info.get(JAVA_INT, BpfInfo.Prog.TYPE)),
                        info.get(JAVA_INT, BpfInfo.Prog.ID), HexFormat.of().formatHex(tag),
                        Bpf.readName(info, BpfInfo.Prog.NAME), info.get(JAVA_LONG, BpfInfo.Prog.RUN_TIME_NS),
                        info.get(JAVA_LONG, BpfInfo.Prog.RUN_CNT), info.get(JAVA_LONG, BpfInfo.Prog.RECURSION_MISSES),
                        info.get(JAVA_INT, BpfInfo.Prog.VERIFIED_INSNS), mapIds, info.get(JAVA_INT, BpfInfo.Prog.BTF_ID),
                        info.get(JAVA_LONG, BpfInfo.Prog.LOAD_TIME), info.get(JAVA_INT, BpfInfo.Prog.CREATED_BY_UID),
                        info.get(JAVA_INT, BpfInfo.Prog.XLATED_PROG_LEN), info.get(JAVA_INT, BpfInfo.Prog.JITED_PROG_LEN),
                        (info.get(JAVA_INT, BpfInfo.Prog.GPL_COMPATIBLE) & 1) != 0);
            }
        }
    }

    // ================================================================== running

    /**
     * Runs the program once (or {@code repeat} times) in the kernel on the given input
     * ({@code BPF_PROG_TEST_RUN}), without attaching it. Supported for socket filters, XDP,
     * tc, flow dissector, raw tracepoints, tracing and syscall programs among others.
     */
    public TestRunResult testRun(TestRunOptions options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.TestRun.LAYOUT);
            MemorySegment dataOut = null;
            MemorySegment ctxOut = null;
            attr.set(JAVA_INT, BpfAttr.TestRun.PROG_FD, fd.get());
            if (options.data() != null) {
                attr.set(JAVA_INT, BpfAttr.TestRun.DATA_SIZE_IN, options.data().length);
                attr.set(JAVA_LONG, BpfAttr.TestRun.DATA_IN, copy(arena, options.data()).address());
            }
            if (options.dataOutSize() > 0) {
                dataOut = arena.allocate(options.dataOutSize(), 8);
                attr.set(JAVA_INT, BpfAttr.TestRun.DATA_SIZE_OUT, options.dataOutSize());
                attr.set(JAVA_LONG, BpfAttr.TestRun.DATA_OUT, dataOut.address());
            }
            if (options.context() != null) {
                attr.set(JAVA_INT, BpfAttr.TestRun.CTX_SIZE_IN, options.context().length);
                attr.set(JAVA_LONG, BpfAttr.TestRun.CTX_IN, copy(arena, options.context()).address());
            }
            if (options.contextOutSize() > 0) {
                ctxOut = arena.allocate(options.contextOutSize(), 8);
                attr.set(JAVA_INT, BpfAttr.TestRun.CTX_SIZE_OUT, options.contextOutSize());
                attr.set(JAVA_LONG, BpfAttr.TestRun.CTX_OUT, ctxOut.address());
            }
            attr.set(JAVA_INT, BpfAttr.TestRun.REPEAT, options.repeat());
            attr.set(JAVA_INT, BpfAttr.TestRun.FLAGS, options.flags());
            attr.set(JAVA_INT, BpfAttr.TestRun.CPU, options.cpu());
            long r;
            int attempts = 0;
            do {
                // A signal interrupts long repeated runs; the kernel asks to retry.
                r = Bpf.bpf(BpfCommand.PROG_TEST_RUN, attr);
            } while (r == -Errno.EINTR.value() && ++attempts < 10);
            if (r < 0) {
                throw SyscallException.of("BPF_PROG_TEST_RUN of program '" + name + "' (" + type + ")", (int) -r);
            }
            int dataLen = Math.min(options.dataOutSize(), attr.get(JAVA_INT, BpfAttr.TestRun.DATA_SIZE_OUT));
            int ctxLen = Math.min(options.contextOutSize(), attr.get(JAVA_INT, BpfAttr.TestRun.CTX_SIZE_OUT));
            return new TestRunResult(attr.get(JAVA_INT, BpfAttr.TestRun.RETVAL),
                    attr.get(JAVA_INT, BpfAttr.TestRun.DURATION),
                    dataOut == null ? new byte[0] : dataOut.asSlice(0, dataLen).toArray(JAVA_BYTE),
                    ctxOut == null ? new byte[0] : ctxOut.asSlice(0, ctxLen).toArray(JAVA_BYTE));
        }
    }

    // ================================================================== lifecycle

    /** Pins the program at {@code path} on a bpffs. */
    public void pin(Path path) {
        Bpf.objPin(fd.get(), path.toString(), 0);
        pinnedPath = path;
    }

    /** Removes the pin made by {@link #pin(Path)} or found by {@link #loadPinned(Path)}; no-op if none. */
    public void unpin() {
        Path p = pinnedPath;
        if (p == null) {
            return;
        }
        Bpf.removePin(p, "program '" + name + "'");
        pinnedPath = null;
    }

    /** Where the program is pinned, if this instance pinned or opened it by path. */
    public Optional<Path> pinnedPath() {
        return Optional.ofNullable(pinnedPath);
    }

    /** A second, independently closeable handle on the same program (a duplicated descriptor). */
    @Override
    public Program clone() {
        return new Program(fd.dup(), name, type, verifierLog);
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "Program(" + type + " '" + name + "', " + fd + ")";
    }
}
