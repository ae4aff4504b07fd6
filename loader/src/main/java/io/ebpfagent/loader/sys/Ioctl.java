package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code ioctl(2)} with a scalar or pointer argument, and the request numbers the loader uses. */
public final class Ioctl {
    /** {@code _IO('$', 0)}. */
    public static final long PERF_EVENT_IOC_ENABLE = 0x2400;
    /** {@code _IO('$', 1)}. */
    public static final long PERF_EVENT_IOC_DISABLE = 0x2401;
    /** {@code _IOR('$', 7, __u64 *)}. */
    public static final long PERF_EVENT_IOC_ID = 0x80082407L;
    /** {@code _IOW('$', 8, __u32)}. */
    public static final long PERF_EVENT_IOC_SET_BPF = 0x40042408L;

    private static final MethodHandle IOCTL = Native.downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), true, Linker.Option.firstVariadicArg(2));

    private Ioctl() {
    }

    /** {@code ioctl(fd, request, arg)}: the result, or {@code -errno}. */
    public static int ioctl(int fd, long request, long arg) {
        MemorySegment state = Native.errnoSegment();
        int r;
        try {
            r = (int) IOCTL.invokeExact(state, fd, request, arg);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return r == -1 ? -Native.lastErrno() : r;
    }

    /** Like {@link #ioctl} but throws a {@link SyscallException} naming {@code operation}. */
    public static int checked(String operation, int fd, long request, long arg) {
        int r = ioctl(fd, request, arg);
        if (r < 0) {
            throw SyscallException.of(operation, -r);
        }
        return r;
    }
}
