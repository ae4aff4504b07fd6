package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PerfEpollTest {

    @Test
    void perfEventAttrMatchesTheKernelLayout() {
        assertThat(PerfEventAttr.LAYOUT.byteSize()).isEqualTo(136);
        assertThat(PerfEventAttr.LAYOUT.byteOffset(PathElement.groupElement("config1"))).isEqualTo(56);
        assertThat(PerfEventAttr.LAYOUT.byteOffset(PathElement.groupElement("config3"))).isEqualTo(128);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = PerfEventAttr.of(PerfEventAttr.TYPE_SOFTWARE, PerfEventAttr.COUNT_SW_CPU_CLOCK)
                    .withSampling(99, true).withWakeup(4096, true).withFlags(PerfEventAttr.FLAG_DISABLED)
                    .encode(arena);
            assertThat(s.get(JAVA_INT, 4)).isEqualTo(136);
            assertThat(s.get(JAVA_LONG, 16)).isEqualTo(99);
            // withFlags replaces the word: freq and watermark were set before it
            assertThat(s.get(JAVA_LONG, 40)).isEqualTo(PerfEventAttr.FLAG_DISABLED);
            assertThat(s.get(JAVA_INT, 48)).isEqualTo(4096);
        }
    }

    @Test
    void softwareCounterCountsAndReportsItsId() {
        PerfEventAttr attr = PerfEventAttr.of(PerfEventAttr.TYPE_SOFTWARE, PerfEventAttr.COUNT_SW_TASK_CLOCK)
                .withFlags(PerfEventAttr.FLAG_DISABLED);
        try (FileDescriptor fd = PerfEvent.open(attr, 0, -1, -1, 0)) {
            PerfEvent.enable(fd);
            assertThat(PerfEvent.id(fd)).isPositive();
            PerfEvent.disable(fd);
        }
    }

    @Test
    void epollWakeupEndsAWaitFromAnotherThread() throws Exception {
        try (Epoll epoll = new Epoll(4)) {
            assertThat(epoll.waitReady(0)).isZero();
            long start = System.nanoTime();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                epoll.wakeup();
            });
            assertThat(epoll.waitReady(10_000)).isZero();
            assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
            t.join();
            // the wake-up was consumed: the next wait times out
            assertThat(epoll.waitReady(10)).isZero();
        }
    }

    @Test
    void closeFromAnotherThreadEndsAWaitBeforeFreeingItsBuffer() throws Exception {
        Epoll epoll = new Epoll(4);
        CompletableFuture<Integer> waited = new CompletableFuture<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                waited.complete(epoll.waitReady(-1));
            } catch (RuntimeException e) {
                waited.completeExceptionally(e);
            }
        });
        Thread.sleep(100); // most likely blocked in epoll_pwait by now; close must work either way
        epoll.close();
        waiter.join(10_000);
        assertThat(waiter.isAlive()).isFalse();
        // the wait ended through the wake-up (0) or, if it started after the close, on the closed descriptor
        assertThat(waited.handle((n, e) -> e != null ? e.getClass() : n).get())
                .isIn(0, IllegalStateException.class);
        assertThat(epoll.fd().isClosed()).isTrue();
    }

    @Test
    void mountTableLookup() {
        assertThat(Mount.typeAt(Path.of("/proc"))).hasValue("proc");
        assertThat(Mount.typeAt(Path.of("/no/such/mount"))).isEmpty();
    }
}
