package io.ebpfagent.loader.sys;

/**
 * The running kernel does not support what was asked: a missing program or map type, helper,
 * attach point, or a kernel built without the needed option. Feature probes throw it with a
 * message naming the feature, so tests and the agent can skip with the reason.
 */
public class NotSupportedException extends SyscallException {
    private static final long serialVersionUID = 1L;

    public NotSupportedException(String operation, int errno, String message) {
        super(operation, errno, message);
    }

    /** A feature is missing for a reason found without a failing system call. */
    public NotSupportedException(String feature) {
        super(feature, Errno.EOPNOTSUPP.value(), feature + ": not supported by this kernel");
    }
}
