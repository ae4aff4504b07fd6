package io.ebpfagent.agent.bootstrap;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.zip.Deflater;

/**
 * Writes a {@link ClassPack} at build time: every {@code .class} file under a directory (the
 * unpacked shaded jar), except those under the given path prefixes and {@code META-INF/}.
 * Arguments: {@code <classes directory> <pack file> [<excluded path prefix>...]}; prints the
 * number of classes packed.
 */
public final class ClassPackWriter {
    private ClassPackWriter() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: ClassPackWriter <classes directory> <pack file> [<excluded prefix>...]");
        }
        List<String> excluded = new ArrayList<String>();
        for (int i = 2; i < args.length; i++) {
            excluded.add(args[i]);
        }
        int n = write(new File(args[0]), new File(args[1]), excluded);
        System.out.println("packed " + n + " classes into " + args[1]);
    }

    /** Packs the classes under {@code root} into {@code pack}; returns how many. */
    static int write(File root, File pack, List<String> excludedPrefixes) throws IOException {
        if (!root.isDirectory()) {
            throw new IOException(root + " is not a directory");
        }
        List<Entry> entries = new ArrayList<Entry>();
        collect(root, "", excludedPrefixes, entries);
        Collections.sort(entries, new Comparator<Entry>() {
            @Override
            public int compare(Entry a, Entry b) {
                int byHash = a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0;
                return byHash != 0 ? byHash : a.name.compareTo(b.name); // a reproducible order
            }
        });
        long offset = 0;
        for (Entry e : entries) {
            e.offset = offset;
            offset += ClassPack.RECORD_HEADER + e.utf8Name.length + e.compressed.length;
        }
        if (offset > 0xffffffffL) {
            throw new IOException("the classes take " + offset + " bytes packed; a pack holds at most 4 GiB");
        }
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(pack), 1 << 16));
        try {
            out.writeInt(ClassPack.MAGIC);
            out.writeInt(ClassPack.VERSION);
            out.writeInt(entries.size());
            for (Entry e : entries) {
                out.writeInt(e.hash);
            }
            for (Entry e : entries) {
                out.writeInt((int) e.offset);
            }
            out.writeInt((int) offset);
            for (Entry e : entries) {
                out.writeInt(e.size);
                out.writeInt(e.utf8Name.length);
                out.write(e.utf8Name);
                out.write(e.compressed);
            }
        } finally {
            out.close();
        }
        return entries.size();
    }

    private static void collect(File dir, String path, List<String> excludedPrefixes, List<Entry> out)
            throws IOException {
        File[] children = dir.listFiles();
        if (children == null) {
            throw new IOException("cannot list " + dir);
        }
        for (File child : children) {
            String childPath = path + child.getName();
            if (child.isDirectory()) {
                collect(child, childPath + "/", excludedPrefixes, out);
                continue;
            }
            if (!childPath.endsWith(".class") || childPath.startsWith("META-INF/")
                    || child.getName().equals("module-info.class") || excluded(childPath, excludedPrefixes)) {
                continue;
            }
            String name = childPath.substring(0, childPath.length() - ".class".length()).replace('/', '.');
            byte[] bytes = read(child);
            out.add(new Entry(name, bytes.length, deflate(bytes)));
        }
    }

    private static boolean excluded(String path, List<String> prefixes) {
        for (String prefix : prefixes) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] read(File file) throws IOException {
        RandomAccessFile in = new RandomAccessFile(file, "r");
        try {
            byte[] bytes = new byte[(int) in.length()];
            in.readFully(bytes);
            return bytes;
        } finally {
            in.close();
        }
    }

    private static byte[] deflate(byte[] bytes) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            deflater.setInput(bytes);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2 + 64);
            byte[] buffer = new byte[8192];
            while (!deflater.finished()) {
                int n = deflater.deflate(buffer);
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private static final class Entry {
        final String name;
        final byte[] utf8Name;
        final int hash;
        final int size;
        final byte[] compressed;
        long offset;

        Entry(String name, int size, byte[] compressed) {
            this.name = name;
            this.utf8Name = name.getBytes(ClassPack.UTF_8);
            this.hash = name.hashCode();
            this.size = size;
            this.compressed = compressed;
        }
    }
}
