package io.ebpfagent.loader.sys;

/**
 * EPERM or EACCES from a BPF or perf system call. Almost always missing privileges, so the
 * message says which ones are needed rather than just "operation not permitted". (EACCES from
 * {@code BPF_PROG_LOAD} is a verifier rejection instead; the program loader reports that as a
 * verifier error with its log.)
 */
public class PermissionDeniedException extends SyscallException {
    private static final long serialVersionUID = 1L;

    public PermissionDeniedException(String operation, int errno) {
        super(operation, errno, defaultMessage(operation, errno)
                + ": needs root, or CAP_BPF and CAP_PERFMON (CAP_NET_ADMIN for network hooks,"
                + " CAP_SYS_ADMIN on kernels before 5.8); also check kernel.unprivileged_bpf_disabled"
                + " and lockdown");
    }

    /** With a message of the caller's (when the errno has a more specific explanation). */
    public PermissionDeniedException(String operation, int errno, String message) {
        super(operation, errno, message);
    }
}
