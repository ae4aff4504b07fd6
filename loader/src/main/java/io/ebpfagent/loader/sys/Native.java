package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one place that binds libc through the FFM linker. Every call that can fail captures
 * {@code errno} into a per-thread buffer, so failing calls cost no allocation and concurrent
 * callers never see each other's errno.
 *
 * <p>Calls return the raw result; a negative value {@code -errno} signals failure. The
 * {@code check} variants turn failures into {@link SyscallException}s.
 */
public final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(
            MemoryLayout.PathElement.groupElement("errno")).withInvokeExactBehavior();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final MethodHandle SYSCALL = downcall("syscall", FunctionDescriptor.of(JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), true,
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), true);

    private Native() {
    }

    /**
     * Binds a libc function. With {@code captureErrno}, the handle takes the capture segment
     * as its first argument; use {@link #errnoSegment()} and {@link #lastErrno()}.
     */
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor, boolean captureErrno,
                                        Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        Linker.Option[] all = options;
        if (captureErrno) {
            all = java.util.Arrays.copyOf(options, options.length + 1);
            all[options.length] = CAPTURE_ERRNO;
        }
        return LINKER.downcallHandle(symbol, descriptor, all);
    }

    /** This thread's errno capture buffer, to pass as first argument of a capturing handle. */
    public static MemorySegment errnoSegment() {
        return CAPTURE.get();
    }

    /** The errno captured by this thread's last capturing call. */
    public static int lastErrno() {
        return (int) ERRNO.get(CAPTURE.get(), 0L);
    }

    /**
     * {@code syscall(nr, a1..a5)}: returns the result, or {@code -errno} on failure. Pointer
     * arguments are passed as {@link MemorySegment#address()}.
     */
    public static long syscall(long nr, long a1, long a2, long a3, long a4, long a5) {
        MemorySegment state = CAPTURE.get();
        long r;
        try {
            r = (long) SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, a5);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r == -1 ? -(int) ERRNO.get(state, 0L) : r;
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
        MemorySegment state = CAPTURE.get();
        int r;
        try {
            r = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r == -1 ? -(int) ERRNO.get(state, 0L) : r;
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
