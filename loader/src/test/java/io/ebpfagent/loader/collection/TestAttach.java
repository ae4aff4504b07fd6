package io.ebpfagent.loader.collection;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.SyscallException;
import io.ebpfagent.loader.sys.SyscallNumbers;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test-only attachment (the link API lives in its own package): a classic tracepoint through
 * {@code perf_event_open(PERF_TYPE_TRACEPOINT)} + {@code PERF_EVENT_IOC_SET_BPF}, and BTF
 * programs through {@code BPF_RAW_TRACEPOINT_OPEN}.
 */
final class TestAttach {
    private static final int PERF_TYPE_TRACEPOINT = 2;
    private static final long PERF_EVENT_IOC_ENABLE = 0x2400;
    private static final long PERF_EVENT_IOC_SET_BPF = 0x40042408L;
    private static final long PERF_FLAG_FD_CLOEXEC = 8;
    private static final MethodHandle IOCTL = Native.downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), true, Linker.Option.firstVariadicArg(2));

    private TestAttach() {
    }

    static boolean tracefsAvailable() {
        return Files.isDirectory(Path.of("/sys/kernel/tracing/events"));
    }

    /** Attaches {@code progFd} to {@code group/name}; closing the result detaches. */
    static FileDescriptor tracepoint(String group, String name, int progFd) throws IOException {
        long id = Long.parseLong(Files.readString(Path.of("/sys/kernel/tracing/events", group, name, "id")).trim());
        FileDescriptor pfd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(128, 8);
            attr.set(JAVA_INT, 0, PERF_TYPE_TRACEPOINT);
            attr.set(JAVA_INT, 4, 128);
            attr.set(JAVA_LONG, 8, id);
            attr.set(JAVA_LONG, 16, 1); // sample_period
            attr.set(JAVA_INT, 48, 1); // wakeup_events
            long fd = Native.checkedSyscall("perf_event_open", SyscallNumbers.PERF_EVENT_OPEN, attr.address(), -1, 0, -1,
                    PERF_FLAG_FD_CLOEXEC);
            pfd = new FileDescriptor((int) fd);
        }
        try {
            ioctl(pfd.get(), PERF_EVENT_IOC_SET_BPF, progFd);
            ioctl(pfd.get(), PERF_EVENT_IOC_ENABLE, 0);
            return pfd;
        } catch (RuntimeException e) {
            pfd.close();
            throw e;
        }
    }

    /** Attaches a tp_btf/fentry-style program to the target fixed at load time. */
    static FileDescriptor btfTracing(int progFd) {
        return Bpf.rawTracepointOpen(null, progFd, 0);
    }

    private static void ioctl(int fd, long request, long arg) {
        int r;
        try {
            r = (int) IOCTL.invokeExact(Native.errnoSegment(), fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) throw SyscallException.of("ioctl 0x" + Long.toHexString(request), Native.lastErrno());
    }

    /** Calls getpid {@code n} times from this thread. */
    static void getpid(int n) {
        for (int i = 0; i < n; i++) Native.syscall(SyscallNumbers.GETPID, 0, 0, 0, 0, 0);
    }

    /** This thread's kernel id. */
    static int gettid() {
        return (int) Native.syscall(SyscallNumbers.GETTID, 0, 0, 0, 0, 0);
    }
}
