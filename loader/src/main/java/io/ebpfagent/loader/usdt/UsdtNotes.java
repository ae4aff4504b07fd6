package io.ebpfagent.loader.usdt;

import io.ebpfagent.loader.elf.ElfFile;
import io.ebpfagent.loader.elf.ElfNote;
import io.ebpfagent.loader.elf.ElfSection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.Optional;

/**
 * Reads the USDT probes of a binary: every {@code stapsdt} note of {@code .note.stapsdt}.
 *
 * <p>Each note records the probe address, the link-time address of {@code .stapsdt.base}, and the
 * semaphore address. If the binary was prelinked after the notes were written, the section moved
 * and its real address differs from the recorded one: the probe and semaphore addresses move by
 * the same amount.
 */
public final class UsdtNotes {
    private static final String OWNER = "stapsdt";
    private static final int NT_STAPSDT = 3;

    private UsdtNotes() {
    }

    /** All probes of the binary, in note order. */
    public static List<UsdtProbe> read(ElfFile elf) {
        Optional<ElfSection> notes = elf.section(".note.stapsdt");
        if (notes.isEmpty()) {
            return List.of();
        }
        Optional<Long> baseAddress = elf.section(".stapsdt.base").map(ElfSection::address);
        List<UsdtProbe> probes = new ArrayList<>();
        for (ElfNote note : elf.notes(notes.get())) {
            if (note.type() == NT_STAPSDT && OWNER.equals(note.name())) {
                probes.add(decode(elf, note.descriptor(), baseAddress));
            }
        }
        return probes;
    }

    /** The probes of one provider and name (a probe usually has several sites). */
    public static List<UsdtProbe> find(ElfFile elf, String provider, String name) {
        return select(read(elf), provider, name);
    }

    /**
     * The probes of one provider and name in the binary at {@code path}. The binary's notes are
     * indexed by provider and name once, and a probe's notes decoded the first time it is asked
     * for, both kept while the file's size, modification time and inode stay the same: libjvm.so
     * holds 567 notes and a JVM probe attaches to 14 of them, at the JVM's start, where decoding
     * them all (their argument strings, their file offsets) was a tenth of the agent's startup.
     */
    public static List<UsdtProbe> find(Path path, String provider, String name) {
        return indexCached(path).probes(provider, name);
    }

    private static List<UsdtProbe> select(List<UsdtProbe> all, String provider, String name) {
        List<UsdtProbe> out = new ArrayList<>();
        for (UsdtProbe p : all) {
            if (p.provider().equals(provider) && p.name().equals(name)) out.add(p);
        }
        return List.copyOf(out);
    }

    /** Identifies one version of a file. */
    private record FileVersion(Path path, long size, long modifiedNanos, Object fileKey) {
        // written out: the generated equals links a bootstrap method (class spinning) in a cold JVM
        @Override
        public boolean equals(Object o) {
            return o instanceof FileVersion v && size == v.size && modifiedNanos == v.modifiedNanos
                    && path.equals(v.path) && java.util.Objects.equals(fileKey, v.fileKey);
        }

        @Override
        public int hashCode() {
            return path.hashCode() * 31 + Long.hashCode(size);
        }
    }

    /** The stapsdt notes of one binary by provider and name, each decoded when first asked for. */
    private static final class NoteIndex {
        private final ElfFile elf;
        private final Optional<Long> baseAddress;
        private final Map<String, List<byte[]>> descriptors = new HashMap<>();
        private final Map<String, List<UsdtProbe>> decoded = new HashMap<>();

        NoteIndex(ElfFile elf) {
            this.elf = elf;
            Optional<ElfSection> notes = elf.section(".note.stapsdt");
            this.baseAddress = elf.section(".stapsdt.base").map(ElfSection::address);
            if (notes.isEmpty()) {
                return;
            }
            for (ElfNote note : elf.notes(notes.get())) {
                if (note.type() == NT_STAPSDT && OWNER.equals(note.name())) {
                    String[] strings = strings(note.descriptor());
                    descriptors.computeIfAbsent(key(strings[0], strings[1]), k -> new ArrayList<>())
                            .add(note.descriptor());
                }
            }
        }

        synchronized List<UsdtProbe> probes(String provider, String name) {
            String key = key(provider, name);
            List<UsdtProbe> probes = decoded.get(key);
            if (probes == null) {
                List<UsdtProbe> out = new ArrayList<>();
                for (byte[] desc : descriptors.getOrDefault(key, List.of())) {
                    out.add(decode(elf, desc, baseAddress));
                }
                probes = List.copyOf(out);
                decoded.put(key, probes);
            }
            return probes;
        }

        private static String key(String provider, String name) {
            return provider + "\0" + name;
        }
    }

    private static final Map<Path, Map.Entry<FileVersion, NoteIndex>> CACHE = new HashMap<>();

    private static NoteIndex indexCached(Path path) {
        FileVersion version;
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            version = new FileVersion(path, a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.fileKey());
        } catch (IOException e) {
            return new NoteIndex(ElfFile.open(path)); // let the ELF reader report the problem
        }
        synchronized (CACHE) {
            Map.Entry<FileVersion, NoteIndex> hit = CACHE.get(path);
            if (hit != null && hit.getKey().equals(version)) return hit.getValue();
        }
        NoteIndex index = new NoteIndex(ElfFile.open(path));
        synchronized (CACHE) {
            if (CACHE.size() >= 8) CACHE.clear(); // a handful of binaries at most; never grow unbounded
            CACHE.put(path, Map.entry(version, index));
        }
        return index;
    }

    /** The provider, name and argument string of a stapsdt note's descriptor. */
    private static String[] strings(byte[] desc) {
        if (desc.length < 27) {
            throw new IllegalArgumentException("stapsdt note descriptor too short: " + desc.length + " bytes");
        }
        int pos = 24;
        String[] strings = new String[3];
        for (int i = 0; i < 3; i++) {
            int end = pos;
            while (end < desc.length && desc[end] != 0) {
                end++;
            }
            if (end >= desc.length) {
                throw new IllegalArgumentException("stapsdt note string " + i + " is not NUL-terminated");
            }
            strings[i] = new String(desc, pos, end - pos, StandardCharsets.UTF_8);
            pos = end + 1;
        }
        return strings;
    }

    static UsdtProbe decode(ElfFile elf, byte[] desc, Optional<Long> baseAddress) {
        String[] strings = strings(desc);
        ByteBuffer b = ByteBuffer.wrap(desc).order(ByteOrder.LITTLE_ENDIAN);
        long pc = b.getLong(0);
        long base = b.getLong(8);
        long semaphore = b.getLong(16);
        if (baseAddress.isPresent() && base != 0) {
            long delta = baseAddress.get() - base;
            pc += delta;
            if (semaphore != 0) {
                semaphore += delta;
            }
        }
        long fileOffset = elf.fileOffsetOf(pc);
        long semOffset = semaphore == 0 ? 0 : semaphoreFileOffset(elf, semaphore);
        return new UsdtProbe(strings[0], strings[1], pc, fileOffset, semaphore, semOffset, strings[2],
                UsdtArgumentParser.parse(strings[2]));
    }

    // the semaphore lives in .probes (writable data), which is file-backed like code
    private static long semaphoreFileOffset(ElfFile elf, long address) {
        return elf.fileOffsetOf(address);
    }
}
