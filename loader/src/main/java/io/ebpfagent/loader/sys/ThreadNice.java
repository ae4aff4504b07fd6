package io.ebpfagent.loader.sys;

/**
 * The scheduling niceness of the calling thread. Linux keeps a nice value per thread (a task), and
 * {@code setpriority(PRIO_PROCESS, tid, n)} changes only that thread's, not the process's; threads
 * it creates afterwards inherit it. Raising one's own nice value needs no privilege; lowering it
 * again needs {@code CAP_SYS_NICE} (or {@code RLIMIT_NICE}), so code that must run at the
 * process's priority afterwards should not run on a thread that raised it.
 */
public final class ThreadNice {
    private static final int PRIO_PROCESS = 0;

    private ThreadNice() {
    }

    /**
     * Sets the calling thread's nice value to {@code nice} (-20 .. 19; higher yields the CPU to
     * others). Returns 0 or {@code -errno} ({@code EACCES} when lowering it without the privilege).
     */
    public static int set(int nice) {
        if (nice < -20 || nice > 19) {
            throw new IllegalArgumentException("nice value " + nice + " outside -20..19");
        }
        long tid = Native.syscall(SyscallNumbers.GETTID, 0, 0, 0, 0, 0);
        return (int) Native.syscall(SyscallNumbers.SETPRIORITY, PRIO_PROCESS, tid, nice, 0, 0);
    }
}
