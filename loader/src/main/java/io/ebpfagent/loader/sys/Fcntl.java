package io.ebpfagent.loader.sys;

/** The {@code fcntl} operations the loader needs. */
final class Fcntl {
    private static final int F_DUPFD_CLOEXEC = 1030;

    private Fcntl() {
    }

    static int dupCloexec(int fd) {
        long r = Native.syscall(SyscallNumbers.FCNTL, fd, F_DUPFD_CLOEXEC, 3, 0, 0);
        if (r < 0) {
            throw SyscallException.of("fcntl(F_DUPFD_CLOEXEC)", (int) -r);
        }
        return (int) r;
    }
}
