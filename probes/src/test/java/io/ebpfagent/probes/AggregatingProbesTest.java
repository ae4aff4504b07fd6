package io.ebpfagent.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.loader.sys.SyscallNumbers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Syscalls, I/O, faults and profile probes against what this JVM just did. */
class AggregatingProbesTest {
    @BeforeAll
    static void root() {
        KernelTests.assumeRoot();
    }

    @Test
    void syscallsCountsGetpidCallsOfTheThread() {
        try (SharedMaps shared = SharedMaps.create();
             SyscallsProbe probe = SyscallsProbe.start(SyscallsProbe.Config.defaults(), shared)) {
            int tid = KernelTests.gettid();
            int nr = (int) SyscallNumbers.GETPID;
            long before = probe.count(tid, nr);
            for (int i = 0; i < 1000; i++) {
                KernelTests.getpid();
            }
            assertEquals(before + 1000, probe.count(tid, nr), "getpid calls of this thread");
            long[] h = new long[64];
            assertTrue(probe.histogram(tid, nr, h));
            long total = 0;
            for (long v : h) {
                total += v;
            }
            assertEquals(before + 1000, total, "histogram holds every call");
            AtomicLong visited = new AtomicLong();
            probe.forEach((t, n, count, errors, totalNs, maxNs) -> {
                if (t == tid && n == nr) {
                    visited.set(count);
                }
            });
            assertEquals(before + 1000, visited.get());
        }
    }

    @Test
    void syscallsOfShortLivedThreadsAreCountedAndNoCallIsTimedFromBeforeTheAttach() throws Exception {
        // The call in flight lives in task-local storage, made at a thread's first call and freed
        // with the thread: every thread starts clean, and a call that began before the probe
        // has no entry and is not timed from some earlier call's start.
        int[] sleeperTid = new int[1];
        CountDownLatch asleep = new CountDownLatch(1);
        Thread sleeper = Thread.ofPlatform().name("attach-sleeper").start(() -> {
            sleeperTid[0] = KernelTests.gettid();
            asleep.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // woken by the test
            }
        });
        assertTrue(asleep.await(60, TimeUnit.SECONDS));
        Thread.sleep(500); // blocked in the kernel before the attach
        try (SharedMaps shared = SharedMaps.create();
             SyscallsProbe probe = SyscallsProbe.start(SyscallsProbe.Config.defaults(), shared)) {
            long attached = System.nanoTime();
            int threads = 300;
            int calls = 20;
            int[] tids = new int[threads];
            for (int i = 0; i < threads; i++) {
                int index = i;
                Thread t = Thread.ofPlatform().name("short-" + i).start(() -> {
                    tids[index] = KernelTests.gettid();
                    for (int c = 0; c < calls; c++) {
                        KernelTests.getpid();
                    }
                });
                t.join();
            }
            int nr = (int) SyscallNumbers.GETPID;
            for (int i = 0; i < threads; i++) {
                assertEquals(calls, probe.count(tids[i], nr), "getpid calls of short-lived thread " + i);
            }
            sleeper.interrupt();
            sleeper.join();
            long sinceAttach = System.nanoTime() - attached;
            long[] longest = new long[1];
            probe.forEach((t, n, count, errors, totalNs, maxNs) -> {
                if (t == sleeperTid[0]) {
                    longest[0] = Math.max(longest[0], maxNs);
                }
            });
            assertTrue(longest[0] <= sinceAttach, "a call of the sleeper timed " + longest[0]
                    + " ns, longer than the probe has been attached (" + sinceAttach + " ns)");
        }
    }

    @Test
    void ioCountsRegularFileBytes() throws Exception {
        Path file = Files.createTempFile("probes-io", ".bin");
        int n = 3 * 65536 + 123;
        try (SharedMaps shared = SharedMaps.create()) {
            // once before the probe: the classes of the I/O path are loaded (read from jars) now
            writeAndRead(file, n);
            try (IoProbe probe = IoProbe.start(IoProbe.Config.defaults(), shared)) {
                // a fresh thread: its counters hold only this I/O
                int tid = KernelTests.runNamed("io-test", () -> {
                    try {
                        writeAndRead(file, n);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                assertEquals(n, probe.bytes(tid, IoProbe.OP_WRITE, IoProbe.FT_REG), "bytes written");
                assertEquals(n, probe.bytes(tid, IoProbe.OP_READ, IoProbe.FT_REG), "bytes read");
                assertTrue(probe.calls(tid, IoProbe.OP_READ, IoProbe.FT_REG) >= 1);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Each timed call lands under its operation class and the file type of its descriptor: opens,
     * fsync and fdatasync of a regular file, bytes through a pipe and through a loopback socket.
     * The probe switches on the call number in one pair of raw system-call hooks, so a wrong number
     * or argument shows up here as a call in the wrong class or a wrong byte count.
     */
    @Test
    void ioClassifiesOpensSyncsPipesAndSocketsByCallAndFileType() throws Exception {
        Path file = Files.createTempFile("probes-io-kinds", ".bin");
        try (SharedMaps shared = SharedMaps.create();
             java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open()
                     .bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
            ioKinds(file, server); // the classes of every path are loaded (read from jars) now
            try (IoProbe probe = IoProbe.start(IoProbe.Config.defaults(), shared)) {
                int tid = KernelTests.runNamed("io-kinds", () -> {
                    try {
                        ioKinds(file, server);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                assertEquals(3, probe.calls(tid, IoProbe.OP_OPEN, IoProbe.FT_REG), "openat of the file");
                assertEquals(2, probe.calls(tid, IoProbe.OP_FSYNC, IoProbe.FT_REG), "fsync + fdatasync");
                assertEquals(1000, probe.bytes(tid, IoProbe.OP_WRITE, IoProbe.FT_PIPE), "bytes into the pipe");
                assertEquals(1000, probe.bytes(tid, IoProbe.OP_READ, IoProbe.FT_PIPE), "bytes out of the pipe");
                assertEquals(777, probe.bytes(tid, IoProbe.OP_WRITE, IoProbe.FT_SOCK), "bytes sent");
                assertEquals(777, probe.bytes(tid, IoProbe.OP_READ, IoProbe.FT_SOCK), "bytes received");
                assertEquals(16, probe.bytes(tid, IoProbe.OP_WRITE, IoProbe.FT_REG), "bytes written to the file");
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void ioKinds(Path file, java.nio.channels.ServerSocketChannel server) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.allocate(16));
            ch.force(true);
            ch.force(false);
        }
        try (FileChannel a = FileChannel.open(file, StandardOpenOption.READ);
             FileChannel b = FileChannel.open(file, StandardOpenOption.READ)) {
            // opened twice more, nothing read
        }
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        try (var sink = pipe.sink(); var source = pipe.source()) {
            transfer(sink, source, 1000);
        }
        try (var client = java.nio.channels.SocketChannel.open(server.getLocalAddress());
             var accepted = server.accept()) {
            transfer(client, accepted, 777);
        }
    }

    /** Writes {@code bytes} into {@code out}, then reads as many from {@code in}. */
    private static void transfer(java.nio.channels.WritableByteChannel out, java.nio.channels.ReadableByteChannel in,
                                 int bytes) throws IOException {
        ByteBuffer written = ByteBuffer.allocateDirect(bytes);
        while (written.hasRemaining()) {
            out.write(written);
        }
        ByteBuffer read = ByteBuffer.allocateDirect(bytes);
        while (read.hasRemaining()) {
            in.read(read);
        }
    }

    @Test
    void ioCountsExactlyOneMebibyteWrittenByTheThread() throws Exception {
        Path file = Files.createTempFile("probes-io-1m", ".bin");
        int mib = 1 << 20;
        try (SharedMaps shared = SharedMaps.create()) {
            writeAndRead(file, 4096); // loads the classes of the I/O path before the probe
            try (IoProbe probe = IoProbe.start(IoProbe.Config.defaults(), shared)) {
                long[] written = new long[1];
                int tid = KernelTests.runNamed("io-1mib", () -> written[0] = overwrite(file, mib));
                assertEquals(mib, written[0]);
                assertEquals(mib, Files.size(file));
                assertEquals(mib, probe.bytes(tid, IoProbe.OP_WRITE, IoProbe.FT_REG), "bytes written by the thread");
                long calls = probe.calls(tid, IoProbe.OP_WRITE, IoProbe.FT_REG);
                assertTrue(calls >= 1 && calls <= 256, "write calls " + calls);
                assertEquals(0, probe.bytes(tid, IoProbe.OP_READ, IoProbe.FT_REG), "nothing read");
                long[] h = new long[64];
                assertTrue(probe.histogram(tid, IoProbe.OP_WRITE, IoProbe.FT_REG, h));
                assertEquals(calls, java.util.Arrays.stream(h).sum(), "every write in the latency histogram");
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Truncates {@code file} and writes {@code size} bytes to it with write(2); answers the bytes written. */
    private static long overwrite(Path file, int size) {
        ByteBuffer buf = ByteBuffer.allocateDirect(size);
        long written = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buf.hasRemaining()) {
                written += ch.write(buf);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return written;
    }

    /**
     * With the syscalls probe running, the io probe's system-call programs run from its programs
     * (a tail call) instead of on hooks of their own: both count exactly what each counts alone,
     * and closing the io probe takes its programs out again while the syscalls probe goes on.
     */
    @Test
    void ioChainedToTheSyscallsProbeCountsEveryByteAndCallAsAlone() throws Exception {
        Path file = Files.createTempFile("probes-io-chained", ".bin");
        int mib = 1 << 20;
        try (SharedMaps shared = SharedMaps.create();
             SyscallsProbe syscalls = SyscallsProbe.start(SyscallsProbe.Config.defaults(), shared)) {
            writeAndRead(file, 4096);
            int getpidNr = (int) SyscallNumbers.GETPID;
            try (IoProbe io = IoProbe.start(IoProbe.Config.defaults(), shared, syscalls)) {
                assertTrue(io.chained() && syscalls.chained(), "chained");
                long[] written = new long[1];
                long[] getpids = new long[1];
                int tid = KernelTests.runNamed("io-chained", () -> {
                    for (int i = 0; i < 500; i++) {
                        KernelTests.getpid();
                    }
                    written[0] = overwrite(file, mib);
                    getpids[0] = 500;
                });
                assertEquals(mib, written[0]);
                assertEquals(mib, io.bytes(tid, IoProbe.OP_WRITE, IoProbe.FT_REG), "bytes written by the thread");
                long calls = io.calls(tid, IoProbe.OP_WRITE, IoProbe.FT_REG);
                assertTrue(calls >= 1 && calls <= 256, "write calls " + calls);
                assertEquals(calls, syscalls.count(tid, (int) SyscallNumbers.WRITE), "the same writes in both probes");
                assertEquals(getpids[0], syscalls.count(tid, getpidNr), "getpid calls of the thread");
                // the io programs time each call with the clock the syscalls programs read: the same durations
                long[] ioNs = new long[1];
                long[] syscallsNs = new long[1];
                io.forEach((t, op, ft, c, bytes, errors, totalNs, maxNs) -> {
                    if (t == tid && op == IoProbe.OP_WRITE && ft == IoProbe.FT_REG) {
                        ioNs[0] = totalNs;
                    }
                });
                syscalls.forEach((t, nr, count, errors, totalNs, maxNs) -> {
                    if (t == tid && nr == (int) SyscallNumbers.WRITE) {
                        syscallsNs[0] = totalNs;
                    }
                });
                assertTrue(ioNs[0] > 0, "write time counted");
                assertEquals(syscallsNs[0], ioNs[0], "the writes' time in both probes");
            }
            assertTrue(!syscalls.chained(), "the closed io probe's programs were taken out");
            int tid = KernelTests.gettid();
            long before = syscalls.count(tid, getpidNr);
            for (int i = 0; i < 100; i++) {
                KernelTests.getpid();
            }
            assertEquals(before + 100, syscalls.count(tid, getpidNr), "the syscalls probe goes on alone");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Storage bytes at the block layer, against the kernel's own per-thread accounting in
     * /proc/thread-self/io: O_DIRECT transfers bypass the page cache, so every byte is a bio the
     * thread submits. read_bytes is accounted where the bio is submitted (equal); write_bytes
     * for O_DIRECT where the transfer starts (equal but for file-system metadata).
     */
    @Test
    void storageBytesOfTheThreadMatchProcReadAndWriteBytes() throws Exception {
        Path file = Files.createTempFile("probes-io-direct", ".bin");
        Path warmUp = Files.createTempFile("probes-io-direct-warm-up", ".bin");
        int size = 4 << 20;
        try (SharedMaps shared = SharedMaps.create();
             IoProbe probe = IoProbe.start(IoProbe.Config.defaults(), shared)) {
            long[] proc = new long[2];
            long[] counted = new long[3];
            KernelTests.runNamed("io-direct", () -> {
                try {
                    ByteBuffer raw = ByteBuffer.allocateDirect((1 << 20) + 4096);
                    ByteBuffer buf = raw.alignedSlice(4096).limit(1 << 20);
                    // the same calls once before the window: on a fresh machine one run's thread read
                    // 4.5 MB more from storage than the transfer (the first use of this code), which
                    // both counts see alike but which is not the O_DIRECT transfer under test
                    writeThenReadDirect(warmUp, 1 << 20, buf);
                    int self = KernelTests.gettid();
                    long[] before = procIo();
                    long readBefore = probe.bytes(self, IoProbe.OP_DISK_READ, IoProbe.FT_OTHER);
                    long writtenBefore = probe.bytes(self, IoProbe.OP_DISK_WRITE, IoProbe.FT_OTHER);
                    long biosBefore = probe.calls(self, IoProbe.OP_DISK_READ, IoProbe.FT_OTHER);
                    writeThenReadDirect(file, size, buf);
                    long[] after = procIo();
                    proc[0] = after[0] - before[0];
                    proc[1] = after[1] - before[1];
                    counted[0] = probe.bytes(self, IoProbe.OP_DISK_READ, IoProbe.FT_OTHER) - readBefore;
                    counted[1] = probe.bytes(self, IoProbe.OP_DISK_WRITE, IoProbe.FT_OTHER) - writtenBefore;
                    counted[2] = probe.calls(self, IoProbe.OP_DISK_READ, IoProbe.FT_OTHER) - biosBefore;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long read = counted[0];
            long written = counted[1];
            // The O_DIRECT reads reach the storage in full; the thread may read a few pages more on
            // its own (a CI run: 12 KiB, class data faulted in on the first use of these classes),
            // which the kernel counts in read_bytes and the probe counts alike.
            assertTrue(proc[0] >= size && proc[0] <= size + 256 * 1024,
                    "precondition: /proc read_bytes of the O_DIRECT reads, 4 MiB and at most a few pages more: "
                            + proc[0]);
            assertEquals(proc[0], read, "storage bytes read vs /proc read_bytes");
            assertTrue(proc[1] >= size, "precondition: /proc write_bytes " + proc[1]);
            assertTrue(written >= size && written <= proc[1] + 64 * 1024 && written >= proc[1] - 64 * 1024,
                    "storage bytes written " + written + " vs /proc write_bytes " + proc[1]);
            assertTrue(counted[2] >= size / (1 << 20), "read bios");
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(warmUp);
        }
    }

    /** Writes {@code size} bytes to {@code file} with O_DIRECT, then reads them back the same way. */
    private static void writeThenReadDirect(Path file, int size, ByteBuffer buf) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
            for (long pos = 0; pos < size; pos += 1 << 20) {
                buf.clear();
                while (buf.hasRemaining()) {
                    ch.write(buf, pos + buf.position());
                }
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
            for (long pos = 0; pos < size; pos += 1 << 20) {
                buf.clear();
                while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) > 0) {
                    // until the MiB is in
                }
            }
        }
    }

    /** read_bytes and write_bytes of the calling thread. */
    private static long[] procIo() throws IOException {
        long[] v = new long[2];
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/io"))) {
            if (line.startsWith("read_bytes:")) {
                v[0] = Long.parseLong(line.substring(11).strip());
            } else if (line.startsWith("write_bytes:")) {
                v[1] = Long.parseLong(line.substring(12).strip());
            }
        }
        return v;
    }

    private static void writeAndRead(Path file, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(n);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
        buf.clear();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // until every byte is back
            }
        }
    }

    @Test
    void withoutTheMinorFaultEventOnlyTheMajorFaultProgramIsLoaded() {
        try (SharedMaps shared = SharedMaps.create();
             FaultsProbe probe = FaultsProbe.start(FaultsProbe.Config.defaults().withMinorPeriod(0), shared)) {
            assertTrue(!probe.programs().containsKey("on_minor_fault"), "no program on every minor fault of the machine");
            assertTrue(probe.programs().containsKey("on_major_fault"), "major faults still hooked");
        }
    }

    @Test
    void faultsAllocatesItsStackMapsOnlyWhenCapturingStacks() {
        try (SharedMaps shared = SharedMaps.create();
             FaultsProbe probe = FaultsProbe.start(FaultsProbe.Config.defaults(), shared)) {
            assertEquals(1, probe.loaded.map("stacks").maxEntries());
            assertEquals(1, probe.loaded.map("fault_stacks").maxEntries());
        }
        FaultsProbe.Config d = FaultsProbe.Config.defaults();
        try (SharedMaps shared = SharedMaps.create();
             FaultsProbe probe = FaultsProbe.start(new FaultsProbe.Config(d.targetTgid(), d.minorPeriod(),
                     d.majorPeriod(), true), shared)) {
            assertEquals(4096, probe.loaded.map("stacks").maxEntries());
            assertEquals(16384, probe.loaded.map("fault_stacks").maxEntries());
        }
    }

    @Test
    void faultsCountsMinorFaultsOfFreshPages() {
        try (SharedMaps shared = SharedMaps.create();
             FaultsProbe probe = FaultsProbe.start(FaultsProbe.Config.defaults(), shared)) {
            int tid = KernelTests.gettid();
            long before = probe.minorFaults(tid);
            int pages = 2048;
            KernelTests.touchFreshPages(pages);
            long grew = probe.minorFaults(tid) - before;
            assertTrue(grew >= pages, "minor faults grew by " + grew + " for " + pages + " fresh pages");
        }
    }

    /** Faults /proc may count after a thread's last fault with a perf event (see FaultsProbe). */
    private static final long KERNEL_ONLY_FAULTS = 8;

    @Test
    void faultsOfAThreadCountFromItsStartAsProcDoes() throws Exception {
        var faulted = new java.util.concurrent.CountDownLatch(1);
        var attached = new java.util.concurrent.CountDownLatch(1);
        var done = new java.util.concurrent.CountDownLatch(1);
        var tidBox = new java.util.concurrent.atomic.AtomicInteger();
        int pages = 2048;
        Thread early = Thread.ofPlatform().name("faults-early").start(() -> {
            tidBox.set(KernelTests.gettid());
            try {
                KernelTests.touchFreshPages(pages);
                faulted.countDown();
                attached.await();
                // fresh pages after the attach: the probe runs and copies the thread's counters
                KernelTests.touchFreshPages(64);
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            faulted.await();
            int tid = tidBox.get();
            long[] beforeAttach = KernelTests.procCounters(tid);
            assertTrue(beforeAttach[3] >= pages / 2, "precondition: the thread faulted " + beforeAttach[3]);
            try (SharedMaps shared = SharedMaps.create();
                 FaultsProbe probe = FaultsProbe.start(FaultsProbe.Config.defaults(), shared)) {
                attached.countDown();
                long minor = 0;
                long[] proc = null;
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline) {
                    long[] p1 = KernelTests.procCounters(tid);
                    minor = probe.minorFaults(tid);
                    long[] p2 = KernelTests.procCounters(tid);
                    proc = p2;
                    if (p1[3] == p2[3] && minor > beforeAttach[3] + 32 && p1[3] - minor <= KERNEL_ONLY_FAULTS) {
                        break;
                    }
                    Thread.sleep(20);
                }
                assertTrue(minor > beforeAttach[3] + 32, "faults after the attach are counted: " + minor + " vs "
                        + beforeAttach[3] + " before");
                // the values are the thread's own counters as of its last fault with a perf event;
                // a fault taken for get_user_pages (a futex wait, say) counts there without one
                assertTrue(minor <= proc[3] && proc[3] - minor <= KERNEL_ONLY_FAULTS,
                        "minor faults since the thread started " + minor + ", /proc: " + proc[3]);
                assertTrue(probe.majorFaults(tid) <= proc[4], "major faults within /proc's " + proc[4]);
            }
        } finally {
            attached.countDown();
            done.countDown();
            early.join();
        }
    }

    @Test
    void profileSamplesTheBurningThread() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             ProfileProbe probe = ProfileProbe.start(new ProfileProbe.Config(Probe.currentPid(), 199, true, true),
                     shared)) {
            int burner = KernelTests.runNamed("profile-burner", () -> KernelTests.burn(500));
            AtomicLong samples = new AtomicLong();
            probe.forEachSample((tid, user, kernel, count) -> {
                if (tid == burner) {
                    samples.addAndGet(count);
                }
            }, false);
            // 500 ms of CPU at 199 Hz is ~100 samples
            assertTrue(samples.get() >= 40, "samples of the burning thread: " + samples.get());
        }
    }
}
