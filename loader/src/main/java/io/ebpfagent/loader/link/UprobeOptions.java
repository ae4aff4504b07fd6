package io.ebpfagent.loader.link;

/**
 * Options of a uprobe.
 *
 * @param pid          only this process (-1: every process running the binary)
 * @param retprobe     fire on return instead of entry
 * @param refCtrOffset file offset of a USDT semaphore the kernel increments while attached, 0 for none
 * @param cookie       BPF cookie ({@code bpf_get_attach_cookie})
 */
public record UprobeOptions(int pid, boolean retprobe, long refCtrOffset, long cookie) {
    /** Entry probe in every process, no semaphore, no cookie. */
    public static final UprobeOptions DEFAULT = new UprobeOptions(-1, false, 0, 0);

    public UprobeOptions withPid(int value) {
        return new UprobeOptions(value, retprobe, refCtrOffset, cookie);
    }

    public UprobeOptions withRetprobe(boolean value) {
        return new UprobeOptions(pid, value, refCtrOffset, cookie);
    }

    public UprobeOptions withRefCtrOffset(long value) {
        return new UprobeOptions(pid, retprobe, value, cookie);
    }

    public UprobeOptions withCookie(long value) {
        return new UprobeOptions(pid, retprobe, refCtrOffset, value);
    }
}
