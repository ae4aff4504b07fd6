package io.ebpfagent.loader.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.file.Path;

/** {@code read(2)}, {@code write(2)} and {@code open(2)} on raw descriptors (eventfd, BPF iterators). */
public final class FileIo {
    /** {@code O_RDONLY | O_DIRECTORY | O_CLOEXEC}. */
    public static final int O_DIRECTORY_RDONLY = 0x10000 | 0x80000;
    /** {@code O_RDONLY | O_CLOEXEC}. */
    public static final int O_RDONLY = 0x80000;
    private static final int AT_FDCWD = -100;

    private FileIo() {
    }

    /**
     * Reads up to {@code buffer.byteSize()} bytes into a native segment: the count, 0 at end of
     * file, or {@code -errno}.
     */
    public static long read(int fd, MemorySegment buffer) {
        long r = Native.syscall(SyscallNumbers.READ, fd, nativeAddress(buffer), buffer.byteSize(), 0, 0);
        // the kernel writes through the raw address: the segment's memory must outlive the call
        Reference.reachabilityFence(buffer);
        return r;
    }

    /** Writes a native segment: the count written, or {@code -errno}. */
    public static long write(int fd, MemorySegment buffer) {
        long r = Native.syscall(SyscallNumbers.WRITE, fd, nativeAddress(buffer), buffer.byteSize(), 0, 0);
        Reference.reachabilityFence(buffer);
        return r;
    }

    /** {@code open(path, flags)} as an owned descriptor. */
    public static FileDescriptor open(Path path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            long r = Native.syscall(SyscallNumbers.OPENAT, AT_FDCWD, arena.allocateFrom(path.toString()).address(),
                    flags, 0, 0);
            if (r < 0) {
                throw SyscallException.of("open " + path, (int) -r);
            }
            return new FileDescriptor((int) r);
        }
    }

    /**
     * The segment's address for the kernel. A downcall taking the segment itself would check that
     * it is native, alive and accessible from this thread; the raw address does not, so this
     * does (reading its first byte: a closed or foreign-thread segment throws as it did).
     */
    private static long nativeAddress(MemorySegment buffer) {
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("not a native segment: " + buffer);
        }
        if (buffer.byteSize() > 0) {
            buffer.get(ValueLayout.JAVA_BYTE, 0);
        }
        return buffer.address();
    }
}
