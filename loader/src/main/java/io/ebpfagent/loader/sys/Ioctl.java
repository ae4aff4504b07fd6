package io.ebpfagent.loader.sys;

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

    private Ioctl() {
    }

    /** {@code ioctl(fd, request, arg)}: the result, or {@code -errno}. */
    public static int ioctl(int fd, long request, long arg) {
        return (int) Native.syscall(SyscallNumbers.IOCTL, fd, request, arg, 0, 0);
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
