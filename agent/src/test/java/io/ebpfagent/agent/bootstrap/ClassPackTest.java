package io.ebpfagent.agent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassPackTest {
    @TempDir
    Path dir;

    @Test
    void everyPackedClassReadsBackAsWritten() throws IOException {
        Path root = dir.resolve("classes");
        Random random = new Random(42);
        byte[][] contents = new byte[300][];
        for (int i = 0; i < contents.length; i++) {
            // sizes from empty to larger than one inflate call's buffer, some compressible, some not
            contents[i] = new byte[i == 0 ? 0 : random.nextInt(40_000)];
            if (i % 2 == 0) {
                random.nextBytes(contents[i]);
            }
            write(root.resolve("p" + (i % 7) + "/q/C" + i + ".class"), contents[i]);
        }
        write(root.resolve("io/ebpfagent/agent/bootstrap/AgentPremain.class"), new byte[] {1});
        write(root.resolve("META-INF/versions/9/p0/q/C1.class"), new byte[] {2});
        write(root.resolve("module-info.class"), new byte[] {3});
        write(root.resolve("p0/q/resource.txt"), new byte[] {4});

        try (JarFile jar = jarWith(pack(root, "io/ebpfagent/agent/bootstrap/"), ZipEntry.STORED)) {
            ClassPack pack = ClassPack.open(jar);
            assertEquals(contents.length, pack.size(), "only class files outside META-INF and the excluded prefix");
            for (int i = 0; i < contents.length; i++) {
                assertArrayEquals(contents[i], pack.classBytes("p" + (i % 7) + ".q.C" + i), "class " + i);
            }
            assertNull(pack.classBytes("p0.q.Missing"));
            assertNull(pack.classBytes("io.ebpfagent.agent.bootstrap.AgentPremain"));
            assertNull(pack.classBytes("module-info"));
            assertNull(pack.classBytes("p0.q.resource"));
        }
    }

    @Test
    void namesWithTheSameHashAreToldApart() throws IOException {
        // "Aa" and "BB" have the same String.hashCode, and so do names that differ only in them
        assertEquals("p.AaBB".hashCode(), "p.BBAa".hashCode());
        assertEquals("p.AaBB".hashCode(), "p.AaAa".hashCode());
        Path root = dir.resolve("classes");
        write(root.resolve("p/AaBB.class"), "first".getBytes());
        write(root.resolve("p/BBAa.class"), "second".getBytes());
        write(root.resolve("p/BBBB.class"), "third".getBytes());
        try (JarFile jar = jarWith(pack(root), ZipEntry.STORED)) {
            ClassPack pack = ClassPack.open(jar);
            assertArrayEquals("first".getBytes(), pack.classBytes("p.AaBB"));
            assertArrayEquals("second".getBytes(), pack.classBytes("p.BBAa"));
            assertArrayEquals("third".getBytes(), pack.classBytes("p.BBBB"));
            assertNull(pack.classBytes("p.AaAa"), "same hash, no such class");
        }
    }

    @Test
    void theSameClassesGiveTheSamePack() throws IOException {
        Path root = dir.resolve("classes");
        for (int i = 0; i < 50; i++) {
            write(root.resolve("a/B" + i + ".class"), ("class " + i).getBytes());
        }
        assertArrayEquals(Files.readAllBytes(pack(root)), Files.readAllBytes(pack(root)));
    }

    @Test
    void theAgentLoaderDefinesPackedClassesAndServesTheirFiles() throws Exception {
        Class<?> sample = PackedSample.class;
        String path = sample.getName().replace('.', '/') + ".class";
        byte[] classFile;
        try (InputStream in = sample.getClassLoader().getResourceAsStream(path)) {
            classFile = in.readAllBytes();
        }
        Path root = dir.resolve("classes");
        write(root.resolve(path), classFile);
        Path jarPath = writeJar(pack(root), ZipEntry.STORED);
        try (JarFile jar = new JarFile(jarPath.toFile(), false)) {
            AgentClassLoader loader = new AgentClassLoader(jarPath.toFile(), jar, ClassLoader.getPlatformClassLoader());
            Class<?> packed = Class.forName(sample.getName(), true, loader);
            assertSame(loader, packed.getClassLoader(), "defined from the pack, not the test's class path");
            assertEquals("packed", packed.getMethod("name").invoke(null));
            try (InputStream in = loader.getResourceAsStream(path)) {
                assertArrayEquals(classFile, in.readAllBytes());
            }
            URL url = loader.getResource(path);
            assertNotNull(url);
            try (InputStream in = url.openStream()) {
                assertArrayEquals(classFile, in.readAllBytes());
            }
            assertNull(loader.getResource("no/such/Class.class"));
            assertThrows(ClassNotFoundException.class, () -> Class.forName("no.such.Class", false, loader));
        }
    }

    @Test
    void aJarWithoutAStoredPackIsRefusedWithTheReason() throws IOException {
        Path root = dir.resolve("classes");
        write(root.resolve("a/B.class"), new byte[100]);
        Path pack = pack(root);
        try (JarFile compressed = jarWith(pack, ZipEntry.DEFLATED)) {
            IOException e = assertThrows(IOException.class, () -> ClassPack.open(compressed));
            assertTrue(e.getMessage().contains("inst.classes is compressed"), e.getMessage());
        }
        Path empty = dir.resolve("empty.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(empty))) {
            out.putNextEntry(new ZipEntry("x.txt"));
        }
        try (JarFile jar = new JarFile(empty.toFile(), false)) {
            IOException e = assertThrows(IOException.class, () -> ClassPack.open(jar));
            assertTrue(e.getMessage().contains("has no inst.classes"), e.getMessage());
        }
    }

    @Test
    void aDamagedPackFailsWithTheReason() throws IOException {
        Path root = dir.resolve("classes");
        Random random = new Random(7);
        byte[] content = new byte[5000];
        random.nextBytes(content);
        write(root.resolve("a/B.class"), content);
        Path pack = pack(root);
        byte[] bytes = Files.readAllBytes(pack);
        bytes[bytes.length - 100] ^= 0x55; // inside the compressed class
        Files.write(pack, bytes);
        try (JarFile jar = jarWith(pack, ZipEntry.STORED)) {
            IOException e = assertThrows(IOException.class, () -> ClassPack.open(jar).classBytes("a.B"));
            assertTrue(e.getMessage().contains("class a.B is damaged"), e.getMessage());
        }
        byte[] hugeSize = bytes.clone();
        int record = 12 + 4 + 8; // after the header, one hash and two offsets: the record's size field
        hugeSize[record] = 0x7f;
        Files.write(pack, hugeSize);
        try (JarFile jar = jarWith(pack, ZipEntry.STORED)) {
            IOException e = assertThrows(IOException.class, () -> ClassPack.open(jar).classBytes("a.B"));
            assertTrue(e.getMessage().contains("class a.B is damaged (size"), e.getMessage());
        }
        Files.write(pack, java.util.Arrays.copyOf(bytes, 20)); // cut inside the index
        try (JarFile jar = jarWith(pack, ZipEntry.STORED)) {
            IOException e = assertThrows(IOException.class, () -> ClassPack.open(jar));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
        Files.write(pack, java.util.Arrays.copyOf(bytes, 5)); // cut inside the header
        try (JarFile jar = jarWith(pack, ZipEntry.STORED)) {
            IOException e = assertThrows(IOException.class, () -> ClassPack.open(jar));
            assertTrue(e.getMessage().contains("truncated (5 bytes)"), e.getMessage());
        }
        Files.write(pack, new byte[64]);
        try (JarFile jar = jarWith(pack, ZipEntry.STORED)) {
            IOException e = assertThrows(IOException.class, () -> ClassPack.open(jar));
            assertTrue(e.getMessage().contains("not a version 1 class pack"), e.getMessage());
        }
    }

    private Path pack(Path root, String... excluded) throws IOException {
        Path pack = Files.createTempFile(dir, "pack", ".classes");
        ClassPackWriter.write(root.toFile(), pack.toFile(), List.of(excluded));
        return pack;
    }

    private JarFile jarWith(Path pack, int method) throws IOException {
        return new JarFile(writeJar(pack, method).toFile(), false);
    }

    /** A jar holding {@code pack} as its {@code inst.classes} entry, stored or compressed. */
    private Path writeJar(Path pack, int method) throws IOException {
        byte[] bytes = Files.readAllBytes(pack);
        Path jar = dir.resolve("agent.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            ZipEntry entry = new ZipEntry(ClassPack.ENTRY);
            entry.setMethod(method);
            if (method == ZipEntry.STORED) {
                CRC32 crc = new CRC32();
                crc.update(bytes);
                entry.setSize(bytes.length);
                entry.setCompressedSize(bytes.length);
                entry.setCrc(crc.getValue());
            }
            out.putNextEntry(entry);
            out.write(bytes);
            out.closeEntry();
        }
        return jar;
    }

    private static void write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(content);
        }
    }
}
