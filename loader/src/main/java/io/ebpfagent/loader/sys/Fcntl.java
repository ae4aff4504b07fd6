package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** The {@code fcntl} operations the loader needs. */
final class Fcntl {
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final MethodHandle FCNTL = Native.downcall("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true, Linker.Option.firstVariadicArg(2));

    private Fcntl() {
    }

    static int dupCloexec(int fd) {
        MemorySegment state = Native.errnoSegment();
        int r;
        try {
            r = (int) FCNTL.invokeExact(state, fd, F_DUPFD_CLOEXEC, 3);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (r < 0) {
            throw SyscallException.of("fcntl(F_DUPFD_CLOEXEC)", Native.lastErrno());
        }
        return r;
    }
}
