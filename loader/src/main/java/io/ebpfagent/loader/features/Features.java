package io.ebpfagent.loader.features;

import static io.ebpfagent.loader.asm.Asm.R0;
import static io.ebpfagent.loader.asm.Asm.callHelper;
import static io.ebpfagent.loader.asm.Asm.exit;
import static io.ebpfagent.loader.asm.Asm.jumpImm;
import static io.ebpfagent.loader.asm.Asm.alu64;
import static io.ebpfagent.loader.asm.Asm.mov64;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.btf.BtfFeature;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.maps.MapFlags;
import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.ProgramType;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BtfLoadException;
import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.LogText;
import io.ebpfagent.loader.sys.Mmap;
import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.NotSupportedException;
import io.ebpfagent.loader.sys.SyscallException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the running kernel supports, found by trying it: each probe creates the smallest map,
 * program or BTF blob that needs the feature and interprets the kernel's answer (as cilium/ebpf's
 * {@code features} package does).
 *
 * <p>Every probe returns normally when the feature is available and throws a
 * {@link NotSupportedException} whose message says why not. Definite answers are cached for the
 * life of the JVM; unexpected failures (missing privileges, out of memory) are thrown as they are
 * and not cached, since they say nothing about the kernel.
 *
 * <p>Tests skip with {@code assumeTrue(Features.supported(Features::haveRingBuffer),
 * () -> Features.missing(Features::haveRingBuffer).orElse(""))}.
 */
public final class Features {
    /** Cached answers: empty string = supported, anything else = the reason it is not. */
    private static final ConcurrentHashMap<String, String> CACHE = new ConcurrentHashMap<>();
    private static final List<Instruction> RETURN_ZERO = List.of(mov64(R0, 0), exit());

    private Features() {
    }

    /** A probe to run for {@link #supported} and {@link #missing}. */
    @FunctionalInterface
    public interface Probe {
        void run();
    }

    /** True if the probe passes, false if it throws {@link NotSupportedException}. */
    public static boolean supported(Probe probe) {
        return missing(probe).isEmpty();
    }

    /** The reason the probe fails, empty if the feature is supported. */
    public static Optional<String> missing(Probe probe) {
        try {
            probe.run();
            return Optional.empty();
        } catch (NotSupportedException e) {
            return Optional.of(e.getMessage());
        }
    }

    // ------------------------------------------------------------------ program types and helpers

    /** The kernel can load programs of {@code type}. */
    public static void haveProgramType(ProgramType type) {
        cached("program type " + type, () -> {
            ProbeLoader.Outcome o = ProbeLoader.loadProgram(programRequest(type, RETURN_ZERO).withLog());
            return programTypeVerdict(type, o);
        });
    }

    private static String programTypeVerdict(ProgramType type, ProbeLoader.Outcome o) {
        if (o.ok()) {
            return "";
        }
        Errno e = Errno.of(o.errno());
        if (e == Errno.EPERM && requiresAttachBtf(type)) {
            return "program type " + type + ": BPF_PROG_LOAD returns EPERM with "
                    + (o.log().isBlank() ? "an empty log" : "log: " + LogText.tail(o.log(), 2))
                    + ": fentry/fexit/LSM are refused with EPERM on kernels with lockdown integrity" + lockdown();
        }
        if ((e == Errno.EINVAL || e == Errno.E2BIG) && o.log().isBlank()) {
            // Unknown types fail before the verifier starts, so without a log.
            return "program type " + type + ": unknown to this kernel (" + e + ")";
        }
        if (e == Errno.EINVAL || e == Errno.ENOTSUPP || e == Errno.EOPNOTSUPP || e == Errno.EACCES) {
            // The verifier ran: the type exists, the probe merely lacked what it needs to attach.
            return "";
        }
        throw SyscallException.of("BPF_PROG_LOAD probe of " + type, o.errno());
    }

    /** The kernel lets programs of {@code type} call helper {@code helperId} ({@code BPF_FUNC_*}). */
    public static void haveProgramHelper(ProgramType type, int helperId) {
        haveProgramType(type);
        cached("helper " + helperId + " in " + type, () -> {
            List<Instruction> insns = List.of(callHelper(helperId), mov64(R0, 0), exit());
            ProbeLoader.Outcome o = ProbeLoader.loadProgram(programRequest(type, insns).withLog());
            String log = o.log();
            boolean unknown = log.contains("invalid func") || log.contains("unknown func")
                    || log.contains("cannot use helper") || log.contains("not supported");
            if (o.ok() || (o.errno() == Errno.EACCES.value() && !unknown)) {
                // EACCES: the helper exists; our probe just did not set up its arguments.
                return "";
            }
            if (o.errno() == Errno.EINVAL.value() || o.errno() == Errno.EACCES.value()) {
                return "helper " + helperId + " in " + type + ": "
                        + (log.isBlank() ? Errno.of(o.errno()).name() : LogText.tail(log, 1));
            }
            String typeAnswer = programTypeVerdict(type, o);
            if (!typeAnswer.isEmpty()) {
                return typeAnswer;
            }
            throw SyscallException.of("BPF_PROG_LOAD helper probe", o.errno());
        });
    }

    /** The verifier accepts bounded loops (5.3). */
    public static void haveBoundedLoops() {
        cached("bounded loops", () -> {
            List<Instruction> insns = List.of(mov64(R0, 10), alu64(OpCode.OP_SUB, R0, 1),
                    jumpImm(OpCode.OP_JNE, R0, 0, -2), exit());
            ProbeLoader.Outcome o = ProbeLoader.loadProgram(ProbeLoader.ProgramRequest.of(
                    ProgramType.SOCKET_FILTER.value(), insns).withLog());
            return o.ok() ? "" : verdictOf("bounded loops", o);
        });
    }

    /** Programs may have more than 4096 instructions (5.2). */
    public static void haveLargeInstructions() {
        cached("large instructions", () -> {
            List<Instruction> insns = new ArrayList<>(4097);
            for (int i = 0; i < 4096; i++) {
                insns.add(mov64(R0, 1));
            }
            insns.add(exit());
            ProbeLoader.Outcome o = ProbeLoader.loadProgram(ProbeLoader.ProgramRequest.of(
                    ProgramType.SOCKET_FILTER.value(), insns));
            return o.ok() ? "" : verdictOf("more than 4096 instructions", o);
        });
    }

    private static String verdictOf(String feature, ProbeLoader.Outcome o) {
        Errno e = Errno.of(o.errno());
        if (e == Errno.EINVAL || e == Errno.E2BIG || e == Errno.EACCES) {
            return feature + ": " + e + (o.log().isBlank() ? "" : ": " + LogText.tail(o.log(), 1));
        }
        throw SyscallException.of("BPF_PROG_LOAD probe of " + feature, o.errno());
    }

    // ------------------------------------------------------------------ maps

    /** The kernel can create maps of {@code type}. */
    public static void haveMapType(MapType type) {
        cached("map type " + type, () -> {
            int inner = 0;
            if (type.isMapOfMaps()) {
                inner = ProbeLoader.createMap(ProbeLoader.MapRequest.of(MapType.ARRAY.value(), 4, 4, 1, 0));
                if (inner < 0) {
                    throw SyscallException.of("BPF_MAP_CREATE inner map probe", -inner);
                }
            }
            try {
                int fd = ProbeLoader.createMap(mapRequest(type).withInnerMap(inner));
                if (fd >= 0) {
                    Native.close(fd);
                    return "";
                }
                Errno e = Errno.of(-fd);
                if (e == Errno.EBADF && isStorage(type)) {
                    // Storage maps check their BTF after the type: EBADF for our bogus BTF fd means the type exists.
                    return "";
                }
                if (type == MapType.STRUCT_OPS && (e == Errno.ENOTSUPP || e == Errno.EINVAL || e == Errno.ENOENT)) {
                    return e == Errno.EINVAL ? "map type STRUCT_OPS: unknown to this kernel (EINVAL)" : "";
                }
                if (e == Errno.EINVAL || e == Errno.E2BIG || e == Errno.EOPNOTSUPP || e == Errno.ENOTSUPP) {
                    return "map type " + type + ": unknown to this kernel (" + e + ")";
                }
                throw SyscallException.of("BPF_MAP_CREATE probe of " + type, -fd);
            } finally {
                if (inner > 0) {
                    Native.close(inner);
                }
            }
        });
    }

    private static boolean isStorage(MapType type) {
        return type == MapType.SK_STORAGE || type == MapType.INODE_STORAGE || type == MapType.TASK_STORAGE
                || type == MapType.CGRP_STORAGE;
    }

    private static ProbeLoader.MapRequest mapRequest(MapType type) {
        int t = type.value();
        int page = (int) Mmap.pageSize();
        return switch (type) {
            case STACK_TRACE -> ProbeLoader.MapRequest.of(t, 4, 8, 1, 0);
            case LPM_TRIE -> ProbeLoader.MapRequest.of(t, 8, 4, 1, MapFlags.NO_PREALLOC);
            case CGROUP_STORAGE, PERCPU_CGROUP_STORAGE -> ProbeLoader.MapRequest.of(t, 8, 4, 0, 0);
            case QUEUE, STACK, BLOOM_FILTER -> ProbeLoader.MapRequest.of(t, 0, 4, 1, 0);
            case SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE ->
                    ProbeLoader.MapRequest.of(t, 4, 4, 0, MapFlags.NO_PREALLOC).withBtf(-1, 1, 1);
            case RINGBUF, USER_RINGBUF -> ProbeLoader.MapRequest.of(t, 0, 0, page, 0);
            case ARENA -> ProbeLoader.MapRequest.of(t, 0, 0, 1, MapFlags.MMAPABLE);
            case STRUCT_OPS -> ProbeLoader.MapRequest.of(t, 4, 4, 1, 0);
            case REUSEPORT_SOCKARRAY -> ProbeLoader.MapRequest.of(t, 4, 8, 1, 0);
            default -> ProbeLoader.MapRequest.of(t, 4, 4, 1, 0);
        };
    }

    /** {@code BPF_MAP_TYPE_RINGBUF} (5.8). */
    public static void haveRingBuffer() {
        haveMapType(MapType.RINGBUF);
    }

    /** Arrays with {@code BPF_F_MMAPABLE} can be mmapped (5.5). */
    public static void haveMmapableMaps() {
        if (unknown("mmapable maps")) {
            record("mmapable maps", mmapableVerdict());
        }
        require("mmapable maps");
    }

    private static String mmapableVerdict() {
        int fd = ProbeLoader.createMap(ProbeLoader.MapRequest.of(MapType.ARRAY.value(), 4, 4, 1,
                MapFlags.MMAPABLE));
        if (fd < 0) {
            Errno e = Errno.of(-fd);
            if (e == Errno.EINVAL) {
                return "mmapable maps: BPF_F_MMAPABLE unknown to this kernel (EINVAL)";
            }
            throw SyscallException.of("BPF_MAP_CREATE mmapable probe", -fd);
        }
        try (FileDescriptor owned = new FileDescriptor(fd); Arena arena = Arena.ofConfined()) {
            Mmap.map(arena, owned.get(), Mmap.pageSize(), Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_SHARED, 0);
            return "";
        } catch (SyscallException e) {
            return "mmapable maps: mmap of a BPF_F_MMAPABLE array failed: " + e.getMessage();
        }
    }

    /** Maps and programs can carry names (4.15). */
    public static void haveObjectNames() {
        if (unknown("object names")) {
            record("object names", nameVerdict("feature_test", "object names"));
        }
        require("object names");
    }

    /** Object names may contain dots, as in {@code .rodata} (5.2). */
    public static void haveObjectNamesWithDots() {
        haveObjectNames();
        if (unknown("object names with dots")) {
            record("object names with dots", nameVerdict(".test", "object names with dots"));
        }
        require("object names with dots");
    }

    private static String nameVerdict(String name, String feature) {
        int fd = ProbeLoader.createMap(ProbeLoader.MapRequest.of(MapType.ARRAY.value(), 4, 4, 1, 0).withName(name));
        if (fd >= 0) {
            Native.close(fd);
            return "";
        }
        if (fd == -Errno.EINVAL.value()) {
            return feature + ": refused by this kernel (EINVAL)";
        }
        throw SyscallException.of("BPF_MAP_CREATE name probe", -fd);
    }

    // ------------------------------------------------------------------ BTF

    /** The kernel loads BTF ({@code BPF_BTF_LOAD}, 4.18). */
    public static void haveBtf() {
        if (unknown("BTF")) {
            record("BTF", btfVerdict("BTF", new TinyBtf().int32("int")
                    .type("s", TinyBtf.KIND_STRUCT, 1, false, 4).word(0).word(1).word(0)));
        }
        require("BTF");
    }

    /** BTF {@code FUNC} and {@code FUNC_PROTO} kinds (5.0). */
    public static void haveBtfFunc() {
        haveBtf();
        if (unknown("BTF func")) {
            record("BTF func", btfVerdict("BTF func", new TinyBtf().int32("int")
                    .type(null, TinyBtf.KIND_FUNC_PROTO, 0, false, 1)
                    .type("a", TinyBtf.KIND_FUNC, 0, false, 2)));
        }
        require("BTF func");
    }

    /** BTF {@code FUNC} with global linkage (5.6). */
    public static void haveBtfGlobalFunc() {
        haveBtfFunc();
        if (unknown("BTF global func")) {
            record("BTF global func", btfVerdict("BTF global func", new TinyBtf().int32("int")
                    .type(null, TinyBtf.KIND_FUNC_PROTO, 0, false, 1)
                    .type("a", TinyBtf.KIND_FUNC, 1, false, 2)));
        }
        require("BTF global func");
    }

    /**
     * The BTF features this kernel supports, for {@code Btf.sanitized(Set)}: an empty set when the
     * kernel loads no BTF at all.
     */
    public static Set<BtfFeature> supportedBtfFeatures() {
        EnumSet<BtfFeature> out =
                EnumSet.noneOf(BtfFeature.class);
        if (!isSupported("BTF")) {
            return out;
        }
        // each probe called, then its cached answer read: no method reference per feature
        // (each is a class to spin at a cold start, and this runs at every object's first load)
        addIf(out, BtfFeature.FUNC, "BTF func");
        addIf(out, BtfFeature.GLOBAL_FUNC, "BTF global func");
        addIf(out, BtfFeature.DATASEC, "BTF datasec");
        addIf(out, BtfFeature.FLOAT, "BTF float");
        addIf(out, BtfFeature.DECL_TAG, "BTF decl tag");
        addIf(out, BtfFeature.TYPE_TAG, "BTF type tag");
        addIf(out, BtfFeature.ENUM64, "BTF enum64");
        return out;
    }

    private static void addIf(Set<BtfFeature> set, BtfFeature feature, String key) {
        if (isSupported(key)) {
            set.add(feature);
        }
    }

    /** Runs the BTF probe cached under {@code key} (if not yet) and tells whether it passed. */
    private static boolean isSupported(String key) {
        try {
            switch (key) {
                case "BTF" -> haveBtf();
                case "BTF func" -> haveBtfFunc();
                case "BTF global func" -> haveBtfGlobalFunc();
                case "BTF datasec" -> haveBtfDatasec();
                case "BTF float" -> haveBtfFloat();
                case "BTF decl tag" -> haveBtfDeclTag();
                case "BTF type tag" -> haveBtfTypeTag();
                case "BTF enum64" -> haveBtfEnum64();
                default -> throw new IllegalArgumentException(key);
            }
            return true;
        } catch (NotSupportedException e) {
            return false;
        }
    }

    /** BTF {@code VAR} and {@code DATASEC} kinds (5.2). */
    public static void haveBtfDatasec() {
        haveBtf();
        if (unknown("BTF datasec")) {
            record("BTF datasec", btfVerdict("BTF datasec", new TinyBtf().int32("int")
                    .type("a", TinyBtf.KIND_VAR, 0, false, 1).word(1)
                    .type(".data", TinyBtf.KIND_DATASEC, 1, false, 4).word(2).word(0).word(4)));
        }
        require("BTF datasec");
    }

    /** BTF {@code FLOAT} kind (5.13). */
    public static void haveBtfFloat() {
        haveBtf();
        if (unknown("BTF float")) {
            record("BTF float", btfVerdict("BTF float", new TinyBtf()
                    .type("float", TinyBtf.KIND_FLOAT, 0, false, 4)));
        }
        require("BTF float");
    }

    /** BTF {@code DECL_TAG} kind (5.16). */
    public static void haveBtfDeclTag() {
        haveBtf();
        if (unknown("BTF decl tag")) {
            record("BTF decl tag", btfVerdict("BTF decl tag", new TinyBtf().int32("int")
                    .type("t", TinyBtf.KIND_TYPEDEF, 0, false, 1)
                    .type("tag", TinyBtf.KIND_DECL_TAG, 0, false, 2).word(-1)));
        }
        require("BTF decl tag");
    }

    /** BTF {@code TYPE_TAG} kind (5.17). */
    public static void haveBtfTypeTag() {
        haveBtf();
        if (unknown("BTF type tag")) {
            record("BTF type tag", btfVerdict("BTF type tag", new TinyBtf().int32("int")
                    .type("tag", TinyBtf.KIND_TYPE_TAG, 0, false, 1)
                    .type(null, TinyBtf.KIND_PTR, 0, false, 2)));
        }
        require("BTF type tag");
    }

    /** BTF {@code ENUM64} kind (6.0). */
    public static void haveBtfEnum64() {
        haveBtf();
        if (unknown("BTF enum64")) {
            TinyBtf btf = new TinyBtf();
            int valueName = btf.string("A");
            record("BTF enum64", btfVerdict("BTF enum64", btf.type("e", TinyBtf.KIND_ENUM64, 1, false, 8)
                    .word(valueName).word(1).word(0)));
        }
        require("BTF enum64");
    }

    private static String btfVerdict(String feature, TinyBtf btf) {
        try (FileDescriptor fd = Bpf.btfLoad(btf.build())) {
            return "";
        } catch (BtfLoadException e) {
            if (e.errno() == Errno.EINVAL.value() || e.errno() == Errno.E2BIG.value()) {
                return feature + ": refused by this kernel: " + e.getMessage();
            }
            throw e;
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOSYS.value() || e.errno() == Errno.EINVAL.value()) {
                return feature + ": " + e.getMessage();
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------ attach points

    static final Path KPROBE_PMU_TYPE = Path.of("/sys/bus/event_source/devices/kprobe/type");
    static final Path KPROBE_EVENTS = Path.of("/sys/kernel/tracing/kprobe_events");

    /**
     * Kprobes can be created: the kprobe PMU exists and a kprobe perf event on {@code vfs_read}
     * opens (with the legacy tracefs {@code kprobe_events} interface as the fallback answer).
     */
    public static void haveKprobes() {
        cached("kprobes", () -> {
            if (!Files.exists(KPROBE_PMU_TYPE)) {
                return "kprobes: no kprobe PMU (" + KPROBE_PMU_TYPE + " is missing)"
                        + (Files.exists(KPROBE_EVENTS) ? "" : " and no tracefs " + KPROBE_EVENTS)
                        + ": kernel built without CONFIG_KPROBES/CONFIG_KPROBE_EVENTS";
            }
            int pmuType;
            try {
                pmuType = Integer.parseInt(Files.readString(KPROBE_PMU_TYPE).trim());
            } catch (IOException | NumberFormatException e) {
                return "kprobes: cannot read " + KPROBE_PMU_TYPE + ": " + e.getMessage();
            }
            int errno = KprobeProbe.open(pmuType, "vfs_read");
            if (errno == 0) {
                return "";
            }
            if (errno == Errno.EPERM.value() || errno == Errno.EACCES.value()) {
                throw SyscallException.of("perf_event_open(kprobe vfs_read)", errno);
            }
            return "kprobes: perf_event_open of a kprobe on vfs_read failed with " + Errno.of(errno);
        });
    }

    /** {@code BPF_FUNC_get_attach_cookie}. */
    private static final int GET_ATTACH_COOKIE = 174;

    /**
     * Programs can read the cookie given at attach time ({@code bpf_get_attach_cookie}), libbpf's
     * {@code FEAT_BPF_COOKIE}: a kprobe-type program calling the helper loads. This is the value
     * of the virtual kconfig extern {@code LINUX_HAS_BPF_COOKIE}.
     */
    public static void haveBpfCookie() {
        if (unknown("bpf cookie")) {
            List<Instruction> insns = List.of(callHelper(GET_ATTACH_COOKIE), exit());
            ProbeLoader.Outcome o = ProbeLoader.loadProgram(programRequest(ProgramType.KPROBE, insns));
            // as libbpf: only a load that succeeds counts
            record("bpf cookie", o.ok() ? "" : "bpf cookie: a kprobe program calling bpf_get_attach_cookie does not load ("
                    + Errno.of(o.errno()) + ")");
        }
        require("bpf cookie");
    }

    /**
     * System calls enter the kernel through architecture wrappers ({@code __x64_sys_bpf}) that a
     * kprobe can attach to, libbpf's {@code FEAT_SYSCALL_WRAPPER}: a kprobe perf event on the
     * wrapper of {@code bpf(2)} opens. As libbpf's probe, this needs working kprobes: a kernel
     * without them answers no. This is the value of the virtual kconfig extern
     * {@code LINUX_HAS_SYSCALL_WRAPPER}.
     */
    public static void haveSyscallWrapper() {
        cached("syscall wrapper", () -> {
            String prefix = syscallPrefix();
            if (prefix == null) return "syscall wrapper: unknown for architecture " + System.getProperty("os.arch");
            String symbol = "__" + prefix + "_sys_bpf";
            if (!Files.exists(KPROBE_PMU_TYPE)) return "syscall wrapper: cannot tell without the kprobe PMU (" + KPROBE_PMU_TYPE + ")";
            int pmuType;
            try {
                pmuType = Integer.parseInt(Files.readString(KPROBE_PMU_TYPE).trim());
            } catch (IOException | NumberFormatException e) {
                return "syscall wrapper: cannot read " + KPROBE_PMU_TYPE + ": " + e.getMessage();
            }
            int errno = KprobeProbe.open(pmuType, symbol);
            return errno == 0 ? "" : "syscall wrapper: a kprobe on " + symbol + " does not open (" + Errno.of(errno) + ")";
        });
    }

    /** The prefix of the kernel's syscall wrapper symbols on this architecture (libbpf's list), or null. */
    static String syscallPrefix() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x64";
            case "x86", "i386", "i686" -> "ia32";
            case "aarch64" -> "arm64";
            case "arm" -> "arm";
            case "s390x", "s390" -> "s390";
            case "ppc64", "ppc64le", "ppc" -> "powerpc";
            case "riscv64" -> "riscv";
            case "loongarch64" -> "loongarch";
            default -> null;
        };
    }

    /**
     * fentry programs load: a tracing program attached (by BTF id) to a kernel function. On
     * kernels with lockdown in integrity mode this fails with EPERM and an empty log.
     */
    public static void haveFentry() {
        cached("fentry", () -> {
            OptionalInt id = fentryTarget();
            if (id.isEmpty()) {
                return "fentry: no vmlinux BTF (" + VmlinuxBtf.VMLINUX + ") or none of its functions found";
            }
            ProbeLoader.Outcome o = ProbeLoader.loadProgram(ProbeLoader.ProgramRequest.of(
                    ProgramType.TRACING.value(), RETURN_ZERO)
                    .withAttach(AttachType.TRACE_FENTRY.value(), id.getAsInt()).withLog());
            if (o.ok()) {
                return "";
            }
            if (o.errno() == Errno.EPERM.value()) {
                return "fentry: BPF_PROG_LOAD returns EPERM with "
                        + (o.log().isBlank() ? "an empty log" : "log: " + LogText.tail(o.log(), 2))
                        + ": fentry/fexit/LSM are refused with EPERM on kernels with lockdown integrity" + lockdown();
            }
            return "fentry: BPF_PROG_LOAD failed with " + Errno.of(o.errno())
                    + (o.log().isBlank() ? "" : ": " + LogText.tail(o.log(), 2));
        });
    }

    private static OptionalInt fentryTarget() {
        try {
            if (!Files.exists(VmlinuxBtf.VMLINUX)) {
                return OptionalInt.empty();
            }
            byte[] btf = Files.readAllBytes(VmlinuxBtf.VMLINUX);
            for (String fn : List.of("bpf_fentry_test1", "bpf_prog_put", "vfs_read")) {
                OptionalInt id = VmlinuxBtf.find(btf, TinyBtf.KIND_FUNC, fn);
                if (id.isPresent()) {
                    return id;
                }
            }
            return OptionalInt.empty();
        } catch (IOException e) {
            return OptionalInt.empty();
        }
    }

    private static String lockdown() {
        try {
            String s = Files.readString(Path.of("/sys/kernel/security/lockdown")).trim();
            return " (lockdown: " + s + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    // ------------------------------------------------------------------ plumbing

    private static boolean requiresAttachBtf(ProgramType type) {
        return type == ProgramType.TRACING || type == ProgramType.LSM || type == ProgramType.EXT;
    }

    private static ProbeLoader.ProgramRequest programRequest(ProgramType type, List<Instruction> insns) {
        ProbeLoader.ProgramRequest r = ProbeLoader.ProgramRequest.of(type.value(), insns);
        return switch (type) {
            case CGROUP_SOCK_ADDR -> r.withAttach(AttachType.CGROUP_INET4_CONNECT.value(), 0);
            case NETFILTER -> r.withAttach(AttachType.NETFILTER.value(), 0);
            case TRACING -> r.withAttach(AttachType.TRACE_FENTRY.value(), fentryTarget().orElse(0));
            case LSM -> r.withAttach(AttachType.LSM_MAC.value(), lsmTarget());
            default -> r;
        };
    }

    private static int lsmTarget() {
        try {
            return Files.exists(VmlinuxBtf.VMLINUX)
                    ? VmlinuxBtf.findInVmlinux(TinyBtf.KIND_FUNC, "bpf_lsm_file_mprotect").orElse(0) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private interface Check {
        /** "" when supported, else the reason; throws for answers that are not about the kernel. */
        String run();
    }

    private static void cached(String key, Check check) {
        if (unknown(key)) {
            record(key, check.run());
        }
        require(key);
    }

    // The features a load probes every time (BTF kinds, object names, mmapable maps, BPF cookie)
    // use these three directly instead of cached(key, lambda): each lambda is a class that a cold
    // JVM must spin before the first load.

    /** True if {@code key} was not probed yet. */
    private static boolean unknown(String key) {
        return !CACHE.containsKey(key);
    }

    /** Caches a probe's answer: "" when supported, else the reason (the first answer stays). */
    private static void record(String key, String reason) {
        CACHE.putIfAbsent(key, reason);
    }

    /** Throws {@link NotSupportedException} if the cached answer for {@code key} is a reason. */
    private static void require(String key) {
        String reason = CACHE.get(key);
        if (!reason.isEmpty()) {
            throw new NotSupportedException(key, Errno.EOPNOTSUPP.value(), reason);
        }
    }
}
