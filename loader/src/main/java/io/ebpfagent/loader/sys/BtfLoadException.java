package io.ebpfagent.loader.sys;

/**
 * The kernel refused a BTF blob ({@code BPF_BTF_LOAD}). Carries the kernel's BTF verifier log,
 * whose last lines say which type was wrong.
 */
public class BtfLoadException extends SyscallException {
    private static final long serialVersionUID = 1L;

    private final String log;

    public BtfLoadException(int errno, String log) {
        super("BPF_BTF_LOAD", errno, defaultMessage("BPF_BTF_LOAD", errno)
                + (log.isBlank() ? "" : ": " + LogText.tail(log, 5)));
        this.log = log;
    }

    /** The complete BTF verifier log (may be empty). */
    public String log() {
        return log;
    }
}
