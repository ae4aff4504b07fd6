package io.ebpfagent.loader.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
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
        long addr = Native.syscall6(SyscallNumbers.MMAP, 0L, length, prot, flags, fd, offset);
        if (addr < 0) {
            throw SyscallException.of("mmap(fd " + fd + ", " + length + " bytes)", (int) -addr);
        }
        return MemorySegment.ofAddress(addr).reinterpret(length, arena, new Unmap(addr, length));
    }

    /**
     * Maps {@code length} bytes of {@code fd} with a mapping owned by a fresh automatic arena:
     * it is removed once the returned segment is unreachable. Prefer
     * {@link #map(Arena, int, long, int, int, long)} when the owner has a lifecycle.
     */
    public static MemorySegment map(int fd, long length, int prot, int flags, long offset) {
        return map(Arena.ofAuto(), fd, length, prot, flags, offset);
    }

    /**
     * Maps the first {@code length} bytes of the file at {@code path} read-only and private;
     * unmapped when {@code arena} closes. The mapping keeps the file's pages, not its descriptor,
     * which is closed before this returns.
     */
    public static MemorySegment mapFile(Arena arena, Path path, long length) {
        try (FileDescriptor fd = FileIo.open(path, FileIo.O_RDONLY)) {
            return map(arena, fd.get(), length, PROT_READ, MAP_PRIVATE, 0);
        }
    }

    /** The cleanup of one mapping; a record rather than a lambda, which a cold JVM must spin. */
    private record Unmap(long addr, long length) implements Consumer<MemorySegment> {
        @Override
        public void accept(MemorySegment segment) {
            long r = Native.syscall(SyscallNumbers.MUNMAP, addr, length, 0, 0, 0);
            if (r != 0) {
                LOG.warn("munmap({}, {}) failed: errno {}", Long.toHexString(addr), length, -r);
            }
        }
    }

    /** The system page size. */
    public static long pageSize() {
        return PAGE_SIZE;
    }

    private static final long PAGE_SIZE = pageSizeOf();

    // AT_PAGESZ from the auxiliary vector, where sysconf(_SC_PAGESIZE) reads it too; a file read
    // instead of a downcall handle of its own (pairs of native-endian unsigned longs on 64 bits)
    private static long pageSizeOf() {
        try {
            ByteBuffer auxv = ByteBuffer.wrap(Files.readAllBytes(Path.of("/proc/self/auxv")))
                    .order(ByteOrder.nativeOrder());
            while (auxv.remaining() >= 16) {
                long type = auxv.getLong();
                long value = auxv.getLong();
                if (type == AT_PAGESZ && value > 0) {
                    return value;
                }
                if (type == AT_NULL) {
                    break;
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot read /proc/self/auxv ({}); assuming 4 KiB pages", e.toString());
        }
        return 4096;
    }

    private static final long AT_NULL = 0;
    private static final long AT_PAGESZ = 6;

}
