package io.ebpfagent.loader.sys;

/**
 * System call numbers of the running architecture. The loader calls a few system calls that
 * libc does not wrap (bpf, perf_event_open, gettid on old glibc), so it needs their numbers.
 */
public final class SyscallNumbers {
    public static final long BPF;
    public static final long PERF_EVENT_OPEN;
    public static final long GETTID;
    public static final long GETPID;

    static {
        String arch = System.getProperty("os.arch");
        switch (arch) {
            case "amd64", "x86_64" -> {
                BPF = 321;
                PERF_EVENT_OPEN = 298;
                GETTID = 186;
                GETPID = 39;
            }
            case "aarch64", "arm64" -> {
                BPF = 280;
                PERF_EVENT_OPEN = 241;
                GETTID = 178;
                GETPID = 172;
            }
            default -> throw new UnsupportedOperationException("ebpf loader: unsupported architecture " + arch);
        }
    }

    private SyscallNumbers() {
    }
}
