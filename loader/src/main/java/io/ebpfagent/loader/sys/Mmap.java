package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mmap(2)} of a kernel object's descriptor (BPF maps with {@code BPF_F_MMAPABLE}, ring
 * buffers, perf event buffers) into a {@link MemorySegment} whose lifetime is an {@link Arena}:
 * the mapping is removed ({@code munmap}) when that arena closes, and accessing the segment after
 * that fails instead of touching unmapped memory.
 *
 * <p>The mapping holds its own reference to the kernel object: closing the descriptor it came
 * from does not invalidate it.
 */
public final class Mmap {
    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;

    private static final Logger LOG = LoggerFactory.getLogger(Mmap.class);
    private static final MethodHandle MMAP = Native.downcall("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), true);
    private static final MethodHandle MUNMAP = Native.downcall("munmap",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), true);

    private Mmap() {
    }

    /**
     * Maps {@code length} bytes of {@code fd} at {@code offset}; unmapped when {@code arena} closes.
     *
     * @param prot  {@link #PROT_READ} | {@link #PROT_WRITE}
     * @param flags {@link #MAP_SHARED} for kernel objects
     */
    public static MemorySegment map(Arena arena, int fd, long length, int prot, int flags, long offset) {
        if (length <= 0) {
            throw new IllegalArgumentException("mmap length must be positive: " + length);
        }
        long addr;
        try {
            addr = (long) MMAP.invokeExact(Native.errnoSegment(), 0L, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (addr == -1L) {
            throw SyscallException.of("mmap(fd " + fd + ", " + length + " bytes)", Native.lastErrno());
        }
        return MemorySegment.ofAddress(addr).reinterpret(length, arena, segment -> unmap(addr, length));
    }

    /**
     * Maps {@code length} bytes of {@code fd} with a mapping owned by a fresh automatic arena:
     * it is removed once the returned segment is unreachable. Prefer
     * {@link #map(Arena, int, long, int, int, long)} when the owner has a lifecycle.
     */
    public static MemorySegment map(int fd, long length, int prot, int flags, long offset) {
        return map(Arena.ofAuto(), fd, length, prot, flags, offset);
    }

    private static void unmap(long addr, long length) {
        try {
            int r = (int) MUNMAP.invokeExact(Native.errnoSegment(), addr, length);
            if (r != 0) {
                LOG.warn("munmap({}, {}) failed: errno {}", Long.toHexString(addr), length, Native.lastErrno());
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The system page size. */
    public static long pageSize() {
        return PAGE_SIZE;
    }

    private static final long PAGE_SIZE = pageSizeOf();

    private static long pageSizeOf() {
        MethodHandle sysconf = Native.downcall("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT), false);
        try {
            long r = (long) sysconf.invokeExact(30 /* _SC_PAGESIZE */);
            return r > 0 ? r : 4096;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

}
