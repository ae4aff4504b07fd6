package io.ebpfagent.loader.btf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel BTF index kept between processes: a process that finds it answers every lookup
 * as one that scanned the types itself, and anything wrong with the file or its directory
 * makes it a miss (scan as without it), never a wrong answer.
 */
class KernelIndexCacheTest {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private static final List<String> NAMES = List.of("task_struct", "cfs_rq", "rq", "sched_info", "sock",
            "btf_trace_sched_switch", "trace_event_raw_sys_enter", "mm_struct", "no_such_type_anywhere");

    @TempDir
    Path tmp;
    private Path dir;

    @BeforeEach
    void requireKernelBtf() throws Exception {
        assumeTrue(Files.isReadable(VMLINUX), "kernel has no BTF at " + VMLINUX);
        dir = tmp.resolve("cache");
    }

    @Test
    void aSecondProcessMapsTheIndexAndResolvesEveryRelocationAsTheEagerParse() throws Exception {
        Btf first = Btf.load(VMLINUX, dir);
        assertNull(first.indexCacheStatus(), "nothing read or written before the first lookup");
        first.findId("task_struct", Type.Struct.class);
        assertTrue(first.indexCacheStatus().startsWith("written to " + dir.resolve("kernel-btf-")), first.indexCacheStatus());
        assertEquals(1, files().size());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));

        Btf second = Btf.load(VMLINUX, dir);
        assertTrue(second.indexCacheStatus().startsWith("read from "), second.indexCacheStatus());
        Btf eager = Btf.parse(Files.readAllBytes(VMLINUX));
        int relocations = KernelBtfCoreLookupTest.checkAgainstEager(eager, second,
                () -> ((LazyTypes) second.types()).release());
        assertTrue(relocations > 100, "only " + relocations + " relocations checked");
        assertEquals(eager.typeCount(), second.typeCount());
        // after the release the index was mapped again, not rebuilt and written
        assertTrue(second.indexCacheStatus().startsWith("read from "), second.indexCacheStatus());
    }

    @Test
    void aDamagedOrTruncatedFileIsAMissAndIsWrittenAgain() throws Exception {
        Btf scanned = Btf.load(VMLINUX, null);
        warm(Btf.load(VMLINUX, dir));
        Path file = files().get(0);
        byte[] good = Files.readAllBytes(file);

        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x40;
        Files.write(file, flipped);
        Btf afterFlip = Btf.load(VMLINUX, dir);
        assertNull(afterFlip.indexCacheStatus(), "a damaged file must not be read");
        sameAnswers(scanned, afterFlip);
        assertTrue(afterFlip.indexCacheStatus().startsWith("written to "), afterFlip.indexCacheStatus());
        assertArrayEquals(good, Files.readAllBytes(file), "the index written again is the one written first");

        Files.write(file, java.util.Arrays.copyOf(good, good.length - 4096));
        Btf afterTruncation = Btf.load(VMLINUX, dir);
        assertNull(afterTruncation.indexCacheStatus());
        sameAnswers(scanned, afterTruncation);
        assertArrayEquals(good, Files.readAllBytes(file));
    }

    @Test
    void anotherKernelsBtfGetsAFileOfItsOwnAndTheOldOneGoes() throws Exception {
        warm(Btf.load(VMLINUX, dir));
        Path old = files().get(0);
        // the same types with one byte of one name changed: valid BTF, another kernel as far as the key goes
        byte[] bytes = Files.readAllBytes(VMLINUX);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int hdr = b.getInt(4);
        int strOff = b.getInt(16);
        int strLen = b.getInt(20);
        int at = hdr + strOff + strLen - 2; // last character of the last string
        assertNotEquals(0, bytes[at]);
        bytes[at] = (byte) (bytes[at] == 'x' ? 'y' : 'x');
        Path other = tmp.resolve("other-vmlinux");
        Files.write(other, bytes);

        Btf foreign = Btf.load(other, dir);
        assertNull(foreign.indexCacheStatus(), "another kernel's index must not be read");
        warm(foreign);
        assertTrue(foreign.indexCacheStatus().startsWith("written to "), foreign.indexCacheStatus());
        List<Path> now = files();
        assertEquals(1, now.size(), now.toString());
        assertNotEquals(old, now.get(0));
        sameAnswers(Btf.load(other, null), foreign);
    }

    @Test
    void aDirectoryOthersMayWriteToIsNotUsed() throws Exception {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Btf btf = Btf.load(VMLINUX, dir);
        assertTrue(btf.indexCacheStatus().startsWith("not used: ") && btf.indexCacheStatus().contains("writable by group or others"),
                btf.indexCacheStatus());
        sameAnswers(Btf.load(VMLINUX, null), btf);
        assertEquals(List.of(), files());
    }

    @Test
    void aFileOthersMayWriteToIsAMiss() throws Exception {
        warm(Btf.load(VMLINUX, dir));
        Path file = files().get(0);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        Btf btf = Btf.load(VMLINUX, dir);
        assertNull(btf.indexCacheStatus());
        sameAnswers(Btf.load(VMLINUX, null), btf);
    }

    private static void warm(Btf btf) {
        btf.findId("task_struct", Type.Struct.class);
    }

    private static void sameAnswers(Btf expected, Btf actual) {
        for (String name : NAMES) {
            assertArrayEquals(expected.idsByName(name), actual.idsByName(name), name);
            assertArrayEquals(expected.idsByEssentialName(name), actual.idsByEssentialName(name), name);
        }
    }

    private List<Path> files() throws Exception {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
