package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The one place that binds libc through the FFM linker. Every system call goes through one
 * handle, libc's {@code syscall(2)} (see {@link SyscallNumbers} for why). Calls that can fail
 * capture {@code errno} into a per-thread buffer, so failing calls cost no allocation and
 * concurrent callers never see each other's errno.
 *
 * <p>Calls return the raw result; a negative value {@code -errno} signals failure. The
 * {@code check} variants turn failures into {@link SyscallException}s.
 */
public final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    // a plain offset, not a VarHandle: a var handle spins method handle classes at first use
    private static final long ERRNO_OFFSET = Structs.offset(CAPTURE_LAYOUT, "errno");
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final ThreadScratch CAPTURE = new ThreadScratch(CAPTURE_LAYOUT.byteSize());

    private static final MethodHandle SYSCALL = downcall("syscall", FunctionDescriptor.of(JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), true,
            Linker.Option.firstVariadicArg(1));

    private Native() {
    }

    /**
     * Binds a libc function. With {@code captureErrno}, the handle takes the capture segment
     * as its first argument; use {@link #errnoSegment()} and {@link #lastErrno()}. Each new
     * handle costs a cold JVM measurably (see {@link SyscallNumbers}): prefer {@link #syscall}.
     */
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor, boolean captureErrno,
                                        Linker.Option... options) {
        Optional<MemorySegment> symbol = LIBC.find(name);
        if (symbol.isEmpty()) {
            throw new UnsatisfiedLinkError("libc has no symbol " + name);
        }
        Linker.Option[] all = options;
        if (captureErrno) {
            all = java.util.Arrays.copyOf(options, options.length + 1);
            all[options.length] = CAPTURE_ERRNO;
        }
        return LINKER.downcallHandle(symbol.get(), descriptor, all);
    }

    /** This thread's errno capture buffer, to pass as first argument of a capturing handle. */
    public static MemorySegment errnoSegment() {
        return CAPTURE.get();
    }

    /** The errno captured by this thread's last capturing call. */
    public static int lastErrno() {
        return CAPTURE.get().get(JAVA_INT, ERRNO_OFFSET);
    }

    /**
     * {@code syscall(nr, a1..a5)}: returns the result, or {@code -errno} on failure. Pointer
     * arguments are passed as {@link MemorySegment#address()}.
     */
    public static long syscall(long nr, long a1, long a2, long a3, long a4, long a5) {
        // the body of syscall6 again rather than a call to it: one level of inlining less on the
        // map operations' path, where C2 must inline everything to remove their allocations
        MemorySegment state = CAPTURE.get();
        long r;
        try {
            r = (long) SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, a5, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r == -1 ? -state.get(JAVA_INT, ERRNO_OFFSET) : r;
    }

    /** {@link #syscall} with a sixth argument ({@code mmap}). */
    public static long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        MemorySegment state = CAPTURE.get();
        long r;
        try {
            r = (long) SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r == -1 ? -state.get(JAVA_INT, ERRNO_OFFSET) : r;
    }

    /** Like {@link #syscall} but throws a {@link SyscallException} naming {@code operation}. */
    public static long checkedSyscall(String operation, long nr, long a1, long a2, long a3, long a4, long a5) {
        long r = syscall(nr, a1, a2, a3, a4, a5);
        if (r < 0) {
            throw SyscallException.of(operation, (int) -r);
        }
        return r;
    }

    /** {@code close(fd)}; returns 0 or {@code -errno}. */
    public static int close(int fd) {
        return (int) syscall(SyscallNumbers.CLOSE, fd, 0, 0, 0, 0);
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
