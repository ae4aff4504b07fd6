package io.ebpfagent.loader.sys;

/**
 * System call numbers of the running architecture. Every system call of the loader goes through
 * libc's {@code syscall(2)} with one of these numbers rather than through libc's wrapper of the
 * same name: each distinct FFM downcall handle costs a cold JVM ~12 ms of class spinning plus
 * JIT work on top, and {@code syscall} also covers the calls libc does not wrap (bpf,
 * perf_event_open, gettid on old glibc). Where arm64 lacks an old call, the newer one with the
 * same meaning is used on both architectures ({@code openat}, {@code epoll_pwait},
 * {@code eventfd2}).
 */
public final class SyscallNumbers {
    public static final long BPF;
    public static final long PERF_EVENT_OPEN;
    public static final long GETTID;
    public static final long GETPID;
    public static final long READ;
    public static final long WRITE;
    public static final long CLOSE;
    public static final long OPENAT;
    public static final long MMAP;
    public static final long MUNMAP;
    public static final long IOCTL;
    public static final long FCNTL;
    public static final long EPOLL_CREATE1;
    public static final long EPOLL_CTL;
    public static final long EPOLL_PWAIT;
    public static final long EVENTFD2;
    public static final long MOUNT;
    public static final long UNSHARE;
    public static final long SETPRIORITY;

    static {
        String arch = System.getProperty("os.arch");
        switch (arch) {
            case "amd64", "x86_64" -> {
                BPF = 321;
                PERF_EVENT_OPEN = 298;
                GETTID = 186;
                GETPID = 39;
                READ = 0;
                WRITE = 1;
                CLOSE = 3;
                OPENAT = 257;
                MMAP = 9;
                MUNMAP = 11;
                IOCTL = 16;
                FCNTL = 72;
                EPOLL_CREATE1 = 291;
                EPOLL_CTL = 233;
                EPOLL_PWAIT = 281;
                EVENTFD2 = 290;
                MOUNT = 165;
                UNSHARE = 272;
                SETPRIORITY = 141;
            }
            case "aarch64", "arm64" -> {
                BPF = 280;
                PERF_EVENT_OPEN = 241;
                GETTID = 178;
                GETPID = 172;
                READ = 63;
                WRITE = 64;
                CLOSE = 57;
                OPENAT = 56;
                MMAP = 222;
                MUNMAP = 215;
                IOCTL = 29;
                FCNTL = 25;
                EPOLL_CREATE1 = 20;
                EPOLL_CTL = 21;
                EPOLL_PWAIT = 22;
                EVENTFD2 = 19;
                MOUNT = 40;
                UNSHARE = 97;
                SETPRIORITY = 140;
            }
            default -> throw new UnsupportedOperationException("ebpf loader: unsupported architecture " + arch);
        }
    }

    private SyscallNumbers() {
    }
}
