package io.ebpfagent.loader.sys;

import io.ebpfagent.loader.LoaderException;

/**
 * A system call failed. The subclasses name the failures callers commonly handle
 * ({@link PermissionDeniedException}, {@link NotSupportedException}); {@link #of} picks the
 * right one for an errno.
 */
public class SyscallException extends LoaderException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;

    public SyscallException(String operation, int errno, String message) {
        super(message);
        this.operation = operation;
        this.errno = errno;
    }

    public SyscallException(String operation, int errno) {
        this(operation, errno, defaultMessage(operation, errno));
    }

    /** The operation that failed, e.g. {@code BPF_MAP_CREATE}. */
    public String operation() {
        return operation;
    }

    /** The raw errno. */
    public int errno() {
        return errno;
    }

    public Errno errnoName() {
        return Errno.of(errno);
    }

    static String defaultMessage(String operation, int errno) {
        Errno e = Errno.of(errno);
        String name = e == Errno.UNKNOWN ? "errno " + errno : e.name();
        return operation + ": " + e.description() + " (" + name + ")";
    }

    /** The most specific exception for {@code errno} returned by {@code operation}. */
    public static SyscallException of(String operation, int errno) {
        return switch (Errno.of(errno)) {
            case EPERM, EACCES -> new PermissionDeniedException(operation, errno);
            case EOPNOTSUPP, ENOTSUPP, ENOSYS -> new NotSupportedException(operation, errno,
                    defaultMessage(operation, errno));
            default -> new SyscallException(operation, errno);
        };
    }
}
