package io.ebpfagent.loader.link;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.elf.ElfFile;
import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.Program;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfAttr;
import io.ebpfagent.loader.sys.Cpus;
import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.FileIo;
import io.ebpfagent.loader.sys.NotSupportedException;
import io.ebpfagent.loader.sys.PerfEvent;
import io.ebpfagent.loader.sys.PerfEventAttr;
import io.ebpfagent.loader.sys.PermissionDeniedException;
import io.ebpfagent.loader.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Attaches loaded programs (given by descriptor) to their hooks. Every method returns a
 * {@link Link} that detaches on close; on failure nothing stays attached.
 */
public final class Links {
    /** {@code BPF_F_KPROBE_MULTI_RETURN}, {@code BPF_F_UPROBE_MULTI_RETURN}. */
    static final int MULTI_RETURN = 1;

    private Links() {
    }

    // ---------------------------------------------------------------- Program overloads

    /** {@link #tracepoint(String, String, FileDescriptor)} of a loaded program. */
    public static Link tracepoint(String group, String name, Program program) {
        return tracepoint(group, name, program.fd(), 0);
    }

    /** {@link #rawTracepoint(String, FileDescriptor)} of a loaded program. */
    public static BpfLink rawTracepoint(String name, Program program) {
        return rawTracepoint(name, program.fd(), 0);
    }

    /** {@link #uprobe(Path, String, FileDescriptor, UprobeOptions)} of a loaded program. */
    public static Link uprobe(Path binary, String symbol, Program program, UprobeOptions options) {
        return uprobe(binary, symbol, program.fd(), options);
    }

    /** {@link #perfEvent(FileDescriptor, PerfEventSpec)} of a loaded program. */
    public static MultiLink perfEvent(Program program, PerfEventSpec spec) {
        return perfEvent(program.fd(), spec);
    }

    /** {@link #cgroup(Path, FileDescriptor, AttachType)} of a loaded program. */
    public static BpfLink cgroup(Path cgroupDir, Program program, AttachType attachType) {
        return cgroup(cgroupDir, program.fd(), attachType);
    }

    /** {@link #iter(FileDescriptor)} of a loaded program. */
    public static BpfLink iter(Program program) {
        return iter(program.fd());
    }

    // ---------------------------------------------------------------- perf event based

    /** A classic tracepoint ({@code tracepoint/<group>/<name>} programs). */
    public static Link tracepoint(String group, String name, FileDescriptor program) {
        return tracepoint(group, name, program, 0);
    }

    /** A classic tracepoint with a BPF cookie. */
    public static Link tracepoint(String group, String name, FileDescriptor program, long cookie) {
        int id = Tracefs.eventId(group, name);
        PerfEventAttr attr = PerfEventAttr.of(PerfEventAttr.TYPE_TRACEPOINT, id).withSampling(1, false).withWakeup(1, false);
        FileDescriptor event = PerfEvent.open(attr, -1, 0, -1, 0);
        return attachPerfEvent(event, program, cookie);
    }

    /** A uprobe or uretprobe at {@code fileOffset} of {@code binary}. */
    public static Link uprobe(Path binary, long fileOffset, FileDescriptor program, UprobeOptions options) {
        ProbePmu pmu = ProbePmu.of("uprobe");
        FileDescriptor event;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom(binary.toAbsolutePath().toString());
            PerfEventAttr attr = uprobeAttr(pmu, path.address(), fileOffset, options);
            event = PerfEvent.open(attr, options.pid() > 0 ? options.pid() : -1, options.pid() > 0 ? -1 : 0, -1, 0);
        } catch (PermissionDeniedException e) {
            // measured on 6.18: the uprobe PMU wants CAP_SYS_ADMIN, CAP_BPF + CAP_PERFMON are not enough
            throw new PermissionDeniedException(e.operation(), e.errno(), e.operation() + ": permission denied ("
                    + e.errnoName() + "): a uprobe perf event needs root or CAP_SYS_ADMIN (a uprobe_multi link, "
                    + "Links.uprobeMulti, needs only CAP_BPF and CAP_PERFMON)");
        }
        return attachPerfEvent(event, program, options.cookie());
    }

    /** A uprobe on function {@code symbol} of {@code binary} (exact, mangled names for C++). */
    public static Link uprobe(Path binary, String symbol, FileDescriptor program, UprobeOptions options) {
        long offset = SymbolResolver.fileOffset(ElfFile.open(binary), symbol);
        return uprobe(binary, offset, program, options);
    }

    static PerfEventAttr uprobeAttr(ProbePmu pmu, long pathAddress, long fileOffset, UprobeOptions o) {
        return PerfEventAttr.of(pmu.type(), pmu.config(o.retprobe(), o.refCtrOffset()))
                .withSampling(1, false).withWakeup(1, false)
                .withConfig1(pathAddress).withConfig2(fileOffset);
    }

    /** A kprobe or kretprobe on kernel function {@code symbol} (+ {@code offset}) through the kprobe PMU. */
    public static Link kprobe(String symbol, long offset, boolean retprobe, FileDescriptor program, long cookie) {
        ProbePmu pmu = ProbePmu.of("kprobe");
        FileDescriptor event;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(symbol);
            event = PerfEvent.open(kprobeAttr(pmu, name.address(), offset, retprobe), -1, 0, -1, 0);
        }
        return attachPerfEvent(event, program, cookie);
    }

    static PerfEventAttr kprobeAttr(ProbePmu pmu, long symbolAddress, long offset, boolean retprobe) {
        return PerfEventAttr.of(pmu.type(), pmu.config(retprobe, 0)).withSampling(1, false).withWakeup(1, false)
                .withConfig1(symbolAddress).withConfig2(offset);
    }

    /**
     * A sampling program ({@code BPF_PROG_TYPE_PERF_EVENT}) on a software clock, all events
     * closed by the returned {@link MultiLink}. For all processes: one event per online CPU.
     * For one process: one event per existing thread (a pid given to perf_event_open names a
     * single thread), each inherited by the threads it creates when {@code inherit} is set.
     */
    public static MultiLink perfEvent(FileDescriptor program, PerfEventSpec spec) {
        long flags = spec.inherit() ? PerfEventAttr.FLAG_INHERIT : 0;
        PerfEventAttr attr = PerfEventAttr.of(PerfEventAttr.TYPE_SOFTWARE, spec.clock().config())
                .withFlags(flags).withSampling(spec.frequency(), true);
        List<Link> links = new ArrayList<>();
        try {
            if (spec.pid() < 0) {
                for (int cpu : Cpus.online()) {
                    FileDescriptor event = PerfEvent.open(attr, -1, cpu, -1, 0);
                    links.add(attachPerfEvent(event, program, spec.cookie()));
                }
            } else {
                for (int tid : threads(spec.pid())) {
                    FileDescriptor event;
                    try {
                        event = PerfEvent.open(attr, tid, -1, -1, 0);
                    } catch (SyscallException e) {
                        if (e.errno() == Errno.ESRCH.value()) {
                            continue; // the thread ended meanwhile
                        }
                        throw e;
                    }
                    links.add(attachPerfEvent(event, program, spec.cookie()));
                }
            }
        } catch (RuntimeException e) {
            new MultiLink(links).close();
            throw e;
        }
        return new MultiLink(links);
    }

    private static List<Integer> threads(int pid) {
        try (var tasks = java.nio.file.Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            return tasks.map(p -> Integer.parseInt(p.getFileName().toString())).sorted().toList();
        } catch (java.io.IOException e) {
            throw new io.ebpfagent.loader.LoaderException("cannot list the threads of process " + pid, e);
        }
    }

    /**
     * Attaches {@code program} to an open perf event, which the link then owns: through
     * {@code BPF_LINK_CREATE} where the kernel has perf event links, else with
     * {@code PERF_EVENT_IOC_SET_BPF} (no cookie possible then).
     */
    public static PerfEventLink attachPerfEvent(FileDescriptor event, FileDescriptor program, long cookie) {
        try {
            BpfLink link;
            try {
                link = new BpfLink(Bpf.linkCreatePerfEvent(program.get(), event.get(), AttachType.PERF_EVENT.value(), cookie));
            } catch (SyscallException e) {
                if (cookie != 0 || !(e instanceof NotSupportedException || e.errno() == Errno.EINVAL.value())) {
                    throw e;
                }
                link = null;
                PerfEvent.setBpf(event, program.get());
            }
            PerfEvent.enable(event);
            return new PerfEventLink(event, link);
        } catch (RuntimeException e) {
            event.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- BPF links

    /** A raw tracepoint ({@code raw_tracepoint/<name>} programs). */
    public static BpfLink rawTracepoint(String name, FileDescriptor program) {
        return rawTracepoint(name, program, 0);
    }

    /** A raw tracepoint with a BPF cookie (kernel 6.10+ for a non-zero cookie). */
    public static BpfLink rawTracepoint(String name, FileDescriptor program, long cookie) {
        return new BpfLink(Bpf.rawTracepointOpen(name, program.get(), cookie));
    }

    /**
     * A tracing program (tp_btf, fentry, fexit, fmod_ret, LSM) to the target given at load
     * ({@code attach_btf_id}); {@code attachType} is the program's expected attach type. Falls
     * back to {@code BPF_RAW_TRACEPOINT_OPEN} on kernels without tracing links (before 5.10).
     */
    public static BpfLink tracing(FileDescriptor program, AttachType attachType, long cookie) {
        try {
            return new BpfLink(Bpf.linkCreateTracing(program.get(), 0, attachType.value(), 0, cookie));
        } catch (SyscallException e) {
            if (cookie != 0 || e.errno() != Errno.EINVAL.value()) {
                throw e;
            }
            return new BpfLink(Bpf.rawTracepointOpen(null, program.get(), 0));
        }
    }

    /** A cgroup program on the cgroup v2 directory {@code cgroupDir} with a BPF link. */
    public static BpfLink cgroup(Path cgroupDir, FileDescriptor program, AttachType attachType) {
        try (FileDescriptor cg = FileIo.open(cgroupDir, FileIo.O_DIRECTORY_RDONLY)) {
            return new BpfLink(Bpf.linkCreate(program.get(), cg.get(), attachType.value(), 0));
        }
    }

    /** An iterator program; read it with {@link BpfIterator}. */
    public static BpfLink iter(FileDescriptor program) {
        return new BpfLink(Bpf.linkCreateIter(program.get(), AttachType.TRACE_ITER.value(), null));
    }

    /**
     * One link probing many locations of one binary ({@code BPF_TRACE_UPROBE_MULTI}, kernel
     * 6.6+); the program must have been loaded with that expected attach type.
     *
     * @param offsets       file offsets of the locations
     * @param cookies       one BPF cookie per location, or null
     * @param refCtrOffsets one semaphore offset per location, or null
     * @param pid           only this process, or -1
     */
    public static BpfLink uprobeMulti(Path binary, long[] offsets, long[] cookies, long[] refCtrOffsets, int pid,
                                      boolean retprobe, FileDescriptor program) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = uprobeMultiAttr(arena, program.get(), binary.toAbsolutePath().toString(), offsets,
                    cookies, refCtrOffsets, pid, retprobe);
            return new BpfLink(Bpf.linkCreate(attr));
        }
    }

    static MemorySegment uprobeMultiAttr(Arena arena, int progFd, String path, long[] offsets, long[] cookies,
                                         long[] refCtrOffsets, int pid, boolean retprobe) {
        checkLengths(offsets.length, cookies, refCtrOffsets);
        MemorySegment attr = arena.allocate(BpfAttr.LinkCreate.LAYOUT);
        attr.set(JAVA_INT, BpfAttr.LinkCreate.PROG_FD, progFd);
        attr.set(JAVA_INT, BpfAttr.LinkCreate.ATTACH_TYPE, AttachType.TRACE_UPROBE_MULTI.value());
        attr.set(JAVA_LONG, BpfAttr.LinkCreate.UPROBE_MULTI_PATH, arena.allocateFrom(path).address());
        attr.set(JAVA_LONG, BpfAttr.LinkCreate.UPROBE_MULTI_OFFSETS, arena.allocateFrom(JAVA_LONG, offsets).address());
        if (refCtrOffsets != null) {
            attr.set(JAVA_LONG, BpfAttr.LinkCreate.UPROBE_MULTI_REF_CTR_OFFSETS,
                    arena.allocateFrom(JAVA_LONG, refCtrOffsets).address());
        }
        if (cookies != null) {
            attr.set(JAVA_LONG, BpfAttr.LinkCreate.UPROBE_MULTI_COOKIES, arena.allocateFrom(JAVA_LONG, cookies).address());
        }
        attr.set(JAVA_INT, BpfAttr.LinkCreate.UPROBE_MULTI_CNT, offsets.length);
        attr.set(JAVA_INT, BpfAttr.LinkCreate.UPROBE_MULTI_FLAGS, retprobe ? MULTI_RETURN : 0);
        attr.set(JAVA_INT, BpfAttr.LinkCreate.UPROBE_MULTI_PID, Math.max(pid, 0));
        return attr;
    }

    /**
     * One link probing many kernel functions ({@code BPF_TRACE_KPROBE_MULTI}, kernel 5.18+ with
     * kprobes); the program must have been loaded with that expected attach type.
     */
    public static BpfLink kprobeMulti(String[] symbols, long[] cookies, boolean retprobe, FileDescriptor program) {
        try (Arena arena = Arena.ofConfined()) {
            return new BpfLink(Bpf.linkCreate(kprobeMultiAttr(arena, program.get(), symbols, cookies, retprobe)));
        }
    }

    static MemorySegment kprobeMultiAttr(Arena arena, int progFd, String[] symbols, long[] cookies, boolean retprobe) {
        checkLengths(symbols.length, cookies, null);
        MemorySegment syms = arena.allocate(ADDRESS, symbols.length);
        for (int i = 0; i < symbols.length; i++) {
            syms.setAtIndex(ADDRESS, i, arena.allocateFrom(symbols[i]));
        }
        MemorySegment attr = arena.allocate(BpfAttr.LinkCreate.LAYOUT);
        attr.set(JAVA_INT, BpfAttr.LinkCreate.PROG_FD, progFd);
        attr.set(JAVA_INT, BpfAttr.LinkCreate.ATTACH_TYPE, AttachType.TRACE_KPROBE_MULTI.value());
        attr.set(JAVA_INT, BpfAttr.LinkCreate.KPROBE_MULTI_FLAGS, retprobe ? MULTI_RETURN : 0);
        attr.set(JAVA_INT, BpfAttr.LinkCreate.KPROBE_MULTI_CNT, symbols.length);
        attr.set(JAVA_LONG, BpfAttr.LinkCreate.KPROBE_MULTI_SYMS, syms.address());
        if (cookies != null) {
            attr.set(JAVA_LONG, BpfAttr.LinkCreate.KPROBE_MULTI_COOKIES, arena.allocateFrom(JAVA_LONG, cookies).address());
        }
        return attr;
    }

    private static void checkLengths(int count, long[] cookies, long[] refCtr) {
        if (count == 0) {
            throw new IllegalArgumentException("no locations to probe");
        }
        if ((cookies != null && cookies.length != count) || (refCtr != null && refCtr.length != count)) {
            throw new IllegalArgumentException("cookies and reference counters need one entry per location");
        }
    }
}
