package io.ebpfagent.loader.sys;

/**
 * The Linux x86_64/arm64 errno values the loader meets, with their symbolic names, so that
 * error messages say {@code ENOENT} rather than {@code 2}.
 */
public enum Errno {
    EPERM(1, "operation not permitted"),
    ENOENT(2, "no such file or directory / key"),
    ESRCH(3, "no such process"),
    EINTR(4, "interrupted system call"),
    EIO(5, "input/output error"),
    ENXIO(6, "no such device or address"),
    E2BIG(7, "argument list too long"),
    EBADF(9, "bad file descriptor"),
    EAGAIN(11, "resource temporarily unavailable"),
    ENOMEM(12, "cannot allocate memory"),
    EACCES(13, "permission denied"),
    EFAULT(14, "bad address"),
    EBUSY(16, "device or resource busy"),
    EEXIST(17, "file exists / key exists"),
    EXDEV(18, "invalid cross-device link"),
    ENODEV(19, "no such device"),
    ENOTDIR(20, "not a directory"),
    EINVAL(22, "invalid argument"),
    EMFILE(24, "too many open files"),
    ENOTTY(25, "inappropriate ioctl for device"),
    EFBIG(27, "file too large"),
    ENOSPC(28, "no space left on device"),
    ESPIPE(29, "illegal seek"),
    EROFS(30, "read-only file system"),
    ERANGE(34, "numerical result out of range"),
    EDEADLK(35, "resource deadlock avoided"),
    ENAMETOOLONG(36, "file name too long"),
    ENOSYS(38, "function not implemented"),
    ELOOP(40, "too many levels of symbolic links"),
    ENODATA(61, "no data available"),
    EOVERFLOW(75, "value too large for defined data type"),
    EBADFD(77, "file descriptor in bad state"),
    EOPNOTSUPP(95, "operation not supported"),
    EAFNOSUPPORT(97, "address family not supported"),
    EADDRINUSE(98, "address already in use"),
    ETIMEDOUT(110, "connection timed out"),
    /** Kernel-internal "not supported" that leaks to user space from BPF code paths. */
    ENOTSUPP(524, "operation not supported (kernel)"),
    UNKNOWN(-1, "unknown error");

    private final int value;
    private final String description;

    Errno(int value, String description) {
        this.value = value;
        this.description = description;
    }

    public int value() {
        return value;
    }

    public String description() {
        return description;
    }

    private static final Errno[] BY_VALUE = new Errno[525];

    static {
        for (Errno e : values()) {
            if (e.value > 0) {
                BY_VALUE[e.value] = e;
            }
        }
    }

    /** The errno with the given number, {@link #UNKNOWN} for numbers outside the table. */
    public static Errno of(int value) {
        Errno e = value > 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
        return e == null ? UNKNOWN : e;
    }
}
