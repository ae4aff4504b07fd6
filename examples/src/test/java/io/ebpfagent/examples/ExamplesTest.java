package io.ebpfagent.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.SyscallNumbers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each example against the running kernel (as root, with tracefs mounted: scripts/kernel-fs.sh). */
class ExamplesTest {
    private static final int PID = (int) ProcessHandle.current().pid();
    /** openat's dirfd for paths relative to the working directory, which Files uses for absolute ones too. */
    private static final int AT_FDCWD = -100;

    @TempDir
    Path dir;

    @Test
    void tracepointCountsTheOpensOfTheCallingThread() throws IOException {
        Path file = Files.writeString(dir.resolve("opened"), "x");
        int tid = (int) Native.syscall(SyscallNumbers.GETTID, 0, 0, 0, 0, 0);
        List<TracepointExample.ThreadOpens> opens = TracepointExample.countOpens(() -> {
            for (int i = 0; i < 20; i++) {
                try {
                    Files.readAllBytes(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
        assertThat(opens).filteredOn(t -> t.tid() == tid).singleElement().satisfies(t -> {
            assertThat(t.calls()).isGreaterThanOrEqualTo(20);
            assertThat(t.lastNanos()).isPositive();
            assertThat(t.lastDirFd()).isEqualTo(AT_FDCWD);
        });
    }

    @Test
    void ringBufferCarriesTheExecOfAChild() {
        AtomicLong child = new AtomicLong();
        List<RingBufferExample.Exec> execs = RingBufferExample.watchExecs(() -> {
            try {
                Process p = new ProcessBuilder("/bin/true").start();
                child.set(p.pid());
                p.waitFor();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, e -> e.comm().equals("true"), 30_000);
        assertThat(execs).filteredOn(e -> e.comm().equals("true")).singleElement().satisfies(e -> {
            assertThat(e.pid()).isEqualTo(child.get());
            assertThat(e.parentPid()).isEqualTo(PID);
            assertThat(e.nanos()).isPositive();
        });
    }

    @Test
    void uprobeAndUretprobeCountGetpidAndSeeItsResult() throws Throwable {
        UprobeExample.Counts counts = UprobeExample.countGetpid(25);
        // other threads of this JVM may call getpid too
        assertThat(counts.entered()).isGreaterThanOrEqualTo(25);
        assertThat(counts.returned()).isGreaterThanOrEqualTo(25);
        assertThat(counts.lastReturn()).isEqualTo(PID);
    }

    @Test
    void usdtReportsAThreadThisJvmStarts() {
        AtomicReference<Thread> started = new AtomicReference<>();
        AtomicInteger tid = new AtomicInteger();
        List<UsdtExample.ThreadStarted> threads = UsdtExample.watchThreads(() -> {
            Thread t = Thread.ofPlatform().name("usdt-example-test")
                    .start(() -> tid.set((int) Native.syscall(SyscallNumbers.GETTID, 0, 0, 0, 0, 0)));
            started.set(t);
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, t -> t.name().equals("usdt-example-test"), 60_000);
        assertThat(threads).filteredOn(t -> t.name().equals("usdt-example-test")).singleElement().satisfies(t -> {
            assertThat(t.javaId()).isEqualTo(started.get().threadId());
            assertThat(t.nativeId()).isEqualTo(tid.get());
            assertThat(t.tid()).isEqualTo(tid.get());
            assertThat(t.daemon()).isFalse();
        });
    }
}
