package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.sys.Mmap;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The bytes of a file in native memory that can be given back and read again on demand.
 *
 * <p>For the kernel's BTF (megabytes, needed while programs load, then rarely): on the Java
 * heap it would be live across the young collections of the loading phase and be promoted, and
 * an old generation keeps its pages resident until a full collection that may never come. Native
 * memory is returned to the system the moment {@link #release()} runs.
 */
final class NativeBlob {
    private final Path path;
    private final long size;
    private Arena arena;
    /** The first read's arena is closed on release; a re-read's belongs to the garbage collector. */
    private boolean closable = true;
    private ByteBuffer bytes;

    private NativeBlob(Path path, long size, Arena arena, ByteBuffer bytes) {
        this.path = path;
        this.size = size;
        this.arena = arena;
        this.bytes = bytes;
    }

    static NativeBlob read(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            ByteBuffer bytes = readInto(path, arena);
            return new NativeBlob(path, bytes.capacity(), arena, bytes);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The whole file, from position 0; read again if it was released. A copy read again is
     * left to the garbage collector: whoever still uses a released blob is not told when to stop.
     */
    synchronized ByteBuffer bytes() {
        if (bytes == null) {
            Arena fresh = Arena.ofAuto();
            try {
                ByteBuffer b = readInto(path, fresh);
                if (b.capacity() != size) {
                    throw new BtfException(path + " changed size since it was first read (" + size + " -> "
                            + b.capacity() + " bytes)");
                }
                arena = fresh;
                bytes = b;
            } catch (IOException e) {
                throw new BtfException("cannot read " + path + " again: " + e, e);
            }
        }
        return bytes.duplicate();
    }

    /** Gives the memory back; buffers handed out before must no longer be used. */
    synchronized void release() {
        if (arena != null) {
            bytes = null;
            if (closable) {
                arena.close();
            }
            arena = null;
            closable = false;
        }
    }

    /**
     * The file mapped read-only and private, or null where it cannot be. Since Linux 6.16 the
     * kernel's BTF can be mapped (only so): no copy, no allocation, pages shared with the kernel.
     * Older kernels refuse it; reading works everywhere.
     */
    private static ByteBuffer map(Path path, long size, Arena arena) {
        try {
            return Mmap.mapFile(arena, path, size).asByteBuffer().asReadOnlyBuffer();
        } catch (RuntimeException e) {
            return null; // SyscallException (EPERM, EINVAL, ENODEV) on kernels without it
        }
    }

    private static ByteBuffer readInto(Path path, Arena arena) throws IOException {
        long known = Files.size(path);
        ByteBuffer mapped = known > 0 && known <= Integer.MAX_VALUE ? map(path, known, arena) : null;
        if (mapped != null) {
            return mapped;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size <= 0 || size > Integer.MAX_VALUE) {
                // pseudo files may report no size: read them the ordinary way
                byte[] all = Files.readAllBytes(path);
                MemorySegment seg = arena.allocate(Math.max(1, all.length));
                MemorySegment.copy(MemorySegment.ofArray(all), 0, seg, 0, all.length);
                return seg.asSlice(0, all.length).asByteBuffer();
            }
            MemorySegment seg = arena.allocate(size);
            ByteBuffer buf = seg.asByteBuffer();
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    throw new IOException(path + " ended after " + buf.position() + " of " + size + " bytes");
                }
            }
            return buf.clear();
        }
    }
}
