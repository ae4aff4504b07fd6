package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** {@code perf_event_open(2)} and the perf ioctls the loader uses. */
public final class PerfEvent {
    /** {@code PERF_FLAG_FD_CLOEXEC}. */
    public static final int FLAG_FD_CLOEXEC = 8;

    private PerfEvent() {
    }

    /**
     * Opens a perf event. {@code pid == -1} with {@code cpu >= 0} counts every process on that
     * CPU; {@code pid >= 0} with {@code cpu == -1} follows one process on every CPU. The
     * descriptor is always opened close-on-exec.
     */
    public static FileDescriptor open(PerfEventAttr attr, int pid, int cpu, int groupFd, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = attr.encode(arena);
            long r = Native.syscall(SyscallNumbers.PERF_EVENT_OPEN, a.address(), pid, cpu, groupFd,
                    flags | FLAG_FD_CLOEXEC);
            if (r < 0) {
                throw SyscallException.of("perf_event_open(type=" + attr.type() + ", config=" + attr.config()
                        + ", pid=" + pid + ", cpu=" + cpu + ")", (int) -r);
            }
            return new FileDescriptor((int) r);
        }
    }

    public static void enable(FileDescriptor fd) {
        Ioctl.checked("PERF_EVENT_IOC_ENABLE", fd.get(), Ioctl.PERF_EVENT_IOC_ENABLE, 0);
    }

    public static void disable(FileDescriptor fd) {
        Ioctl.checked("PERF_EVENT_IOC_DISABLE", fd.get(), Ioctl.PERF_EVENT_IOC_DISABLE, 0);
    }

    /** Attaches a BPF program to the event (the pre-5.15 way, without a BPF link). */
    public static void setBpf(FileDescriptor fd, int programFd) {
        Ioctl.checked("PERF_EVENT_IOC_SET_BPF", fd.get(), Ioctl.PERF_EVENT_IOC_SET_BPF, programFd);
    }

    /** The event's kernel id, as found in {@code PERF_RECORD_LOST} and sample ids. */
    public static long id(FileDescriptor fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            Ioctl.checked("PERF_EVENT_IOC_ID", fd.get(), Ioctl.PERF_EVENT_IOC_ID, out.address());
            return out.get(JAVA_LONG, 0);
        }
    }
}
