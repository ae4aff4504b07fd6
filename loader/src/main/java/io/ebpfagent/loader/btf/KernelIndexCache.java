package io.ebpfagent.loader.btf;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.ebpfagent.loader.sys.Mmap;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.CRC32;

/**
 * What a scan of the kernel's BTF finds, kept in a file for the next process on the same kernel:
 * where each type starts and the name index of the types other than functions. A fresh JVM
 * otherwise walks all ~130k types and hashes ~15k names before its first CO-RE lookup, mostly
 * interpreted, and then compiles that code; with the file it maps 1.5 MB and checks two checksums.
 *
 * <p>The file is named after the kernel BTF it describes (size and CRC-32 of all its bytes), so
 * another kernel never reads it; it carries a CRC-32 of its own content, so a torn or damaged
 * file is a miss. It is trusted only in a directory owned by this process's user that nobody else
 * may write to (the index decides which kernel types CO-RE relocates against). Any problem makes
 * the cache a miss: loading then scans as without it.
 */
final class KernelIndexCache {
    private static final int MAGIC = 0x58494245; // "EBIX" little-endian
    private static final int VERSION = 1;
    private static final int HEADER = 48;
    private static final String PREFIX = "kernel-btf-";
    private static final String SUFFIX = ".index";

    private final Path dir;

    private KernelIndexCache(Path dir) {
        this.dir = dir;
    }

    /**
     * The cache in {@code dir}, created (mode 0700) if missing.
     *
     * @throws IllegalStateException naming why the directory cannot be trusted or used
     */
    static KernelIndexCache in(Path dir) {
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            checkTrusted(dir, true);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException(dir + ": " + e, e);
        }
        return new KernelIndexCache(dir);
    }

    Path directory() {
        return dir;
    }

    /** What identifies one kernel's BTF and the shape of its sections. */
    record Key(long btfSize, int btfCrc, int typeBytes, int stringBytes, int typesStart) {
        /** The key of a whole BTF blob (its CRC over every byte) with the sections found in it. */
        static Key of(ByteBuffer blob, int typeBytes, int stringBytes, int typesStart) {
            CRC32 crc = new CRC32();
            // a direct buffer: zlib's crc32 over the mapping, also fast in an interpreted caller
            crc.update(blob.duplicate().clear());
            return new Key(blob.capacity(), (int) crc.getValue(), typeBytes, stringBytes, typesStart);
        }

        String fileName() {
            String hex = Integer.toHexString(btfCrc);
            return PREFIX + btfSize + "-" + "00000000".substring(hex.length()) + hex + SUFFIX;
        }
    }

    /**
     * A cached index, mapped: the type offsets (copied to the heap: they stay for the life of the
     * types) and the name index's tables (slices of the mapping, valid until {@code arena} closes).
     */
    record Entry(int[] offsets, MemorySegment heads, MemorySegment next, int mask, Arena arena) {}

    /** The cached index for {@code key}, or null if there is none or it does not check out. */
    Entry read(Key key) {
        Path file = dir.resolve(key.fileName());
        long size;
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return null;
            checkTrusted(file, false);
            size = Files.size(file);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (size < HEADER + 4 || size > Integer.MAX_VALUE) return null;
        Arena arena = Arena.ofShared();
        boolean keep = false;
        try {
            MemorySegment m = Mmap.mapFile(arena, file, size);
            ByteBuffer b = m.asByteBuffer().order(ByteOrder.nativeOrder());
            CRC32 crc = new CRC32();
            crc.update(b.slice(0, (int) size - 4));
            if ((int) crc.getValue() != b.getInt((int) size - 4)) return null;
            if (b.getInt(0) != MAGIC || b.getInt(4) != VERSION || b.getLong(8) != key.btfSize()
                    || b.getInt(16) != key.btfCrc() || b.getInt(20) != key.typeBytes()
                    || b.getInt(24) != key.stringBytes() || b.getInt(28) != key.typesStart()) {
                return null;
            }
            int n = b.getInt(32);
            int cap = b.getInt(36);
            if (n < 1 || n > key.typeBytes() / 12 + 1 || cap < 16 || Integer.bitCount(cap) != 1
                    || size != HEADER + 4L * n + 4L * cap + 4L * n + 4) {
                return null;
            }
            int[] offsets = new int[n];
            MemorySegment.copy(m, JAVA_INT, HEADER, offsets, 0, n);
            // the CRC-32 says it is the file this class wrote; every read through an offset is
            // bounds-checked anyway, so the last one is checked here and not all ~130k
            if (offsets[0] != 0 || offsets[n - 1] < 0 || offsets[n - 1] >= key.typeBytes()) return null;
            long headsAt = HEADER + 4L * n;
            MemorySegment heads = m.asSlice(headsAt, 4L * cap);
            MemorySegment next = m.asSlice(headsAt + 4L * cap, 4L * n);
            keep = true;
            return new Entry(offsets, heads, next, cap - 1, arena);
        } catch (RuntimeException e) {
            return null;
        } finally {
            if (!keep) arena.close();
        }
    }

    /**
     * Writes the index for {@code key} (atomically: a reader sees the old file, none, or the whole
     * new one) and removes the files of other kernels' BTF. Failures are the caller's to report.
     */
    void write(Key key, int[] offsets, int[] heads, int[] next) throws IOException {
        int n = offsets.length;
        long size = HEADER + 4L * n + 4L * heads.length + 4L * next.length + 4;
        if (next.length != n || size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("index tables do not match " + n + " types");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.nativeOrder());
        b.putInt(MAGIC).putInt(VERSION).putLong(key.btfSize()).putInt(key.btfCrc()).putInt(key.typeBytes())
                .putInt(key.stringBytes()).putInt(key.typesStart()).putInt(n).putInt(heads.length).putInt(0).putInt(0);
        b.asIntBuffer().put(offsets).put(heads).put(next);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, (int) size - 4);
        b.putInt((int) size - 4, (int) crc.getValue());
        Path file = dir.resolve(key.fileName());
        Path tmp = Files.createTempFile(dir, PREFIX, ".tmp");
        try {
            Files.write(tmp, b.array());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        // index files only: another JVM may be writing its temporary file at the same time
        try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            for (Path p : old) {
                if (!p.equals(file)) Files.deleteIfExists(p);
            }
        }
    }

    /** Owned by this process's user and writable by nobody else (mode bits, no symbolic link). */
    private static void checkTrusted(Path p, boolean directory) throws IOException {
        int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int me = effectiveUid();
        if (uid != me) {
            throw new IOException((directory ? "directory" : "file") + " owned by uid " + uid + ", not by this process's uid " + me);
        }
        if ((mode & 0022) != 0) {
            throw new IOException((directory ? "directory" : "file") + " writable by group or others (mode "
                    + Integer.toOctalString(mode & 07777) + ")");
        }
    }

    private static volatile int euid = -1;

    private static int effectiveUid() throws IOException {
        int u = euid;
        if (u < 0) {
            // the second field of /proc/self/status's Uid line: real, effective, saved, filesystem
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    java.util.StringTokenizer t = new java.util.StringTokenizer(line.substring(4));
                    t.nextToken();
                    euid = u = Integer.parseInt(t.nextToken());
                    break;
                }
            }
            if (u < 0) throw new IOException("/proc/self/status has no Uid line");
        }
        return u;
    }

    /** Number of bytes {@link #write} writes for these table sizes (tests). */
    static long fileSize(int types, int buckets) {
        return HEADER + 4L * types + 4L * buckets + 4L * types + 4;
    }
}
