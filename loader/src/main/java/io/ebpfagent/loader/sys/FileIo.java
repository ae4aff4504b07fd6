package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code read(2)} and {@code write(2)} on raw descriptors (eventfd, BPF iterators). */
public final class FileIo {
    private static final MethodHandle READ = Native.downcall("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), true);
    private static final MethodHandle WRITE = Native.downcall("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), true);

    private static final MethodHandle OPEN = Native.downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true, java.lang.foreign.Linker.Option.firstVariadicArg(2));
    /** {@code O_RDONLY | O_DIRECTORY | O_CLOEXEC}. */
    public static final int O_DIRECTORY_RDONLY = 0x10000 | 0x80000;
    /** {@code O_RDONLY | O_CLOEXEC}. */
    public static final int O_RDONLY = 0x80000;

    private FileIo() {
    }

    /** Reads up to {@code buffer.byteSize()} bytes: the count, 0 at end of file, or {@code -errno}. */
    public static long read(int fd, MemorySegment buffer) {
        MemorySegment state = Native.errnoSegment();
        long r;
        try {
            r = (long) READ.invokeExact(state, fd, buffer, buffer.byteSize());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return r == -1 ? -Native.lastErrno() : r;
    }

    /** Writes {@code buffer}: the count written, or {@code -errno}. */
    public static long write(int fd, MemorySegment buffer) {
        MemorySegment state = Native.errnoSegment();
        long r;
        try {
            r = (long) WRITE.invokeExact(state, fd, buffer, buffer.byteSize());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return r == -1 ? -Native.lastErrno() : r;
    }

    /** {@code open(path, flags)} as an owned descriptor. */
    public static FileDescriptor open(java.nio.file.Path path, int flags) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            int r = (int) OPEN.invokeExact(Native.errnoSegment(), arena.allocateFrom(path.toString()), flags);
            if (r < 0) {
                throw SyscallException.of("open " + path, Native.lastErrno());
            }
            return new FileDescriptor(r);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
