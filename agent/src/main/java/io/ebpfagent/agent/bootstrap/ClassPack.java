package io.ebpfagent.agent.bootstrap;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.ArrayDeque;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipEntry;

/**
 * The agent's classes, all in one stored entry of the agent jar ({@value #ENTRY}) instead of one
 * jar entry each. Every JVM that runs the agent reads the jar's central directory twice before
 * the application's {@code main} (natively for the manifest, then in Java for the class path),
 * hashing and checking every entry name, and keeps the directory on its heap: with the agent's
 * ~12,000 classes as entries that was ~20 ms of the application's main thread and 1.7 MB.
 * The pack's index is read once, with one read and two bulk copies: the classes' name hashes,
 * sorted, and where each class's record starts. A lookup is a binary search in an {@code int[]}
 * (cheap even interpreted, which is how a starting JVM runs it) and one positioned read.
 *
 * <p>Layout (big-endian): magic, version, count ({@value #HEADER} bytes); {@code count} name
 * hashes ({@link String#hashCode}, stable across JVMs by specification), ascending; {@code count
 * + 1} offsets of the data records from the first one's start (the last one: where they end);
 * then the data records in the same order, each the class file's size, the name's length, the
 * name in UTF-8 and the class file compressed with zlib. {@link ClassPackWriter} writes it at
 * build time. Java 8 API only, as the rest of this package.
 */
final class ClassPack {
    static final String ENTRY = "inst.classes";
    static final int MAGIC = 0x45415043; // "EAPC"
    static final int VERSION = 1;
    static final int HEADER = 12;
    /** Bytes before a data record's name: the class file's size and the name's length. */
    static final int RECORD_HEADER = 8;
    static final Charset UTF_8 = Charset.forName("UTF-8");
    private static final int MAX_POOLED_INFLATERS = 4;
    /** Larger than any class file of the agent by far; a damaged size must not become an allocation. */
    private static final int MAX_CLASS_BYTES = 1 << 26;

    private final JarFile jar;
    private final JarEntry entry;
    private final int[] hashes;
    /** Where each class's data record starts, from the first one's start; one more: where they end. */
    private final int[] offsets;
    private final long dataStart;
    /** Inflaters for reuse: as many as threads have loaded classes at once, up to a few. */
    private final ArrayDeque<Inflater> inflaters = new ArrayDeque<Inflater>();

    private ClassPack(JarFile jar, JarEntry entry, int[] hashes, int[] offsets) {
        this.jar = jar;
        this.entry = entry;
        this.hashes = hashes;
        this.offsets = offsets;
        this.dataStart = HEADER + 8L * hashes.length + 4;
    }

    /** Reads the pack's index from {@code jar}; fails naming what is wrong with the jar. */
    static ClassPack open(JarFile jar) throws IOException {
        JarEntry entry = jar.getJarEntry(ENTRY);
        if (entry == null) {
            throw new IOException(jar.getName() + " has no " + ENTRY + ": not a complete ebpf-agent jar");
        }
        if (entry.getMethod() != ZipEntry.STORED) {
            // a compressed pack would be inflated from its start for every class
            throw new IOException(jar.getName() + ": " + ENTRY + " is compressed; the agent jar must store it as is");
        }
        if (entry.getSize() < HEADER) {
            throw new IOException(jar.getName() + ": " + ENTRY + " is truncated (" + entry.getSize() + " bytes)");
        }
        DataInputStream in = new DataInputStream(jar.getInputStream(entry));
        try {
            byte[] header = new byte[HEADER];
            in.readFully(header);
            ByteBuffer fields = ByteBuffer.wrap(header);
            int magic = fields.getInt();
            int version = fields.getInt();
            int count = fields.getInt();
            if (magic != MAGIC || version != VERSION) {
                throw new IOException(jar.getName() + ": " + ENTRY + " is not a version " + VERSION + " class pack");
            }
            if (count < 0 || count > (Integer.MAX_VALUE - 4) / 8 || HEADER + 8L * count + 4 > entry.getSize()) {
                throw new IOException(jar.getName() + ": " + ENTRY + " is truncated (" + count + " classes in "
                        + entry.getSize() + " bytes)");
            }
            byte[] index = new byte[8 * count + 4];
            in.readFully(index);
            int[] hashes = new int[count];
            int[] offsets = new int[count + 1];
            ByteBuffer.wrap(index, 0, 4 * count).asIntBuffer().get(hashes);
            ByteBuffer.wrap(index, 4 * count, 4 * count + 4).asIntBuffer().get(offsets);
            return new ClassPack(jar, entry, hashes, offsets);
        } finally {
            in.close();
        }
    }

    /** Number of classes in the pack. */
    int size() {
        return hashes.length;
    }

    /** The class file of the class with binary name {@code className}, or null if the pack has none. */
    byte[] classBytes(String className) throws IOException {
        int hash = className.hashCode();
        byte[] name = null;
        // names are compared because different names may have the same hash
        for (int i = leftmost(hash); i < hashes.length && hashes[i] == hash; i++) {
            byte[] record = record(i);
            if (name == null) {
                name = className.getBytes(UTF_8);
            }
            if (nameLength(record) == name.length && RECORD_HEADER + name.length <= record.length
                    && regionEquals(record, name)) {
                return inflate(record, className);
            }
        }
        return null;
    }

    /** The first index record whose hash is not below {@code hash}. */
    private int leftmost(int hash) {
        int low = 0;
        int high = hashes.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (hashes[mid] < hash) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return low;
    }

    private static int nameLength(byte[] record) {
        return ByteBuffer.wrap(record).getInt(4);
    }

    private static boolean regionEquals(byte[] record, byte[] name) {
        for (int i = 0; i < name.length; i++) {
            if (record[RECORD_HEADER + i] != name[i]) {
                return false;
            }
        }
        return true;
    }

    private byte[] inflate(byte[] record, String className) throws IOException {
        int nameEnd = RECORD_HEADER + nameLength(record);
        int size = ByteBuffer.wrap(record).getInt(0);
        if (size < 0 || size > MAX_CLASS_BYTES) {
            throw new IOException(ENTRY + ": class " + className + " is damaged (size " + size + ")");
        }
        byte[] bytes = new byte[size];
        byte[] out = size == 0 ? new byte[1] : bytes; // room to see a stream longer than it should be
        Inflater inflater = inflater();
        try {
            inflater.setInput(record, nameEnd, record.length - nameEnd);
            int n = 0;
            while (!inflater.finished() && n < out.length) {
                int r = inflater.inflate(out, n, out.length - n);
                if (r == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += r;
            }
            if (n != size || !inflater.finished()) {
                throw new IOException(ENTRY + ": class " + className + " is damaged (" + n + " of " + size + " bytes)");
            }
            return bytes;
        } catch (DataFormatException e) {
            throw new IOException(ENTRY + ": class " + className + " is damaged: " + e.getMessage(), e);
        } finally {
            release(inflater);
        }
    }

    /**
     * An inflater from the pool, or a new one. Reused because each new one allocates zlib's
     * window and registers a cleaner, for each of the thousands of classes the agent loads.
     */
    private Inflater inflater() {
        synchronized (inflaters) {
            Inflater reused = inflaters.poll();
            if (reused != null) {
                return reused;
            }
        }
        return new Inflater();
    }

    private void release(Inflater inflater) {
        inflater.reset();
        synchronized (inflaters) {
            if (inflaters.size() < MAX_POOLED_INFLATERS) {
                inflaters.push(inflater);
                return;
            }
        }
        inflater.end();
    }

    /** The data record of class {@code i}. */
    private byte[] record(int i) throws IOException {
        long offset = dataStart + (offsets[i] & 0xffffffffL);
        long length = (offsets[i + 1] & 0xffffffffL) - (offsets[i] & 0xffffffffL);
        if (length < RECORD_HEADER || offset + length > entry.getSize()) {
            throw new IOException(ENTRY + ": record " + i + " lies past the end of the pack");
        }
        InputStream in = jar.getInputStream(entry);
        try {
            skipFully(in, offset);
            byte[] record = new byte[(int) length];
            new DataInputStream(in).readFully(record);
            return record;
        } finally {
            in.close();
        }
    }

    /** Skips by moving the position: a stored entry's stream reads nothing to skip. */
    private static void skipFully(InputStream in, long n) throws IOException {
        long left = n;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException(ENTRY + " ends before offset " + n);
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }
}
