package io.ebpfagent.agent.threads;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Checks the registry against the kernel: tids from gettid(2) in each thread. */
class ThreadRegistryTest {

    @Test
    void startupScanMapsRealTidsToJavaThreads() throws Exception {
        Assumptions.assumeTrue(NativeThreadId.available(), "FFM native access unavailable");
        int count = 4;
        CountDownLatch ready = new CountDownLatch(count);
        CountDownLatch release = new CountDownLatch(1);
        ConcurrentHashMap<String, Integer> tids = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Thread thread = new Thread(() -> {
                tids.put(Thread.currentThread().getName(), NativeThreadId.current());
                ready.countDown();
                await(release);
            }, "registry-test-" + i);
            thread.setDaemon(i % 2 == 0);
            thread.start();
            threads.add(thread);
        }
        ExecutorService pool = Executors.newFixedThreadPool(1);
        int poolTid = pool.submit(NativeThreadId::current).get();
        ready.await();
        tids.put("main-test", NativeThreadId.current());
        try {
            ThreadRegistry registry = new ThreadRegistry(new ThreadGroups(List.of(), 100));
            registry.rescan();
            for (int i = 0; i < count; i++) {
                Thread thread = threads.get(i);
                JavaThreadInfo info = registry.lookup(tids.get(thread.getName()));
                assertThat(info).as(thread.getName()).isNotNull();
                assertThat(info.name()).isEqualTo(thread.getName());
                assertThat(info.javaId()).isEqualTo(thread.threadId());
                assertThat(info.daemon()).isEqualTo(thread.isDaemon());
                assertThat(info.kind()).isEqualTo(ThreadKind.PLATFORM);
                assertThat(info.group()).isEqualTo("registry-test-*");
            }
            assertThat(registry.lookup(tids.get("main-test")).javaId()).isEqualTo(Thread.currentThread().threadId());
            assertThat(registry.lookup(poolTid).group()).matches("pool-\\d+-thread-\\*");
            assertThat(registry.snapshot()).anyMatch(t -> t.kind() == ThreadKind.JVM_INTERNAL);

            // Renames are picked up without a full dump.
            threads.get(0).setName("renamed-worker");
            registry.refreshNames();
            assertThat(registry.lookup(tids.get("registry-test-0")).name()).isEqualTo("renamed-worker");

            // Ended threads disappear on the next scan.
            release.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            // join() returns before HotSpot drops the thread from its list: poll the dump
            long deadline = System.nanoTime() + 10_000_000_000L;
            do {
                registry.rescan();
            } while (registry.lookup(tids.get("registry-test-1")) != null && System.nanoTime() < deadline
                    && sleepBriefly());
            assertThat(registry.lookup(tids.get("registry-test-1"))).isNull();
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void refreshDumpsOnlyForAThreadNoEventReportedAndNeverForNativeThreads() throws Exception {
        Assumptions.assumeTrue(NativeThreadId.available(), "FFM native access unavailable");
        java.util.concurrent.atomic.AtomicInteger dumps = new java.util.concurrent.atomic.AtomicInteger();
        // the process's tids as /proc lists them, limited to the ones the test knows of: the JVM may
        // start compiler or GC threads of its own meanwhile, which would rightly cost a dump
        java.util.Set<Integer> watched = ConcurrentHashMap.newKeySet();
        for (int tid : ProcTasks.liveTids()) {
            watched.add(tid);
        }
        ThreadRegistry registry = new ThreadRegistry(new ThreadGroups(List.of(), 100), () -> {
            dumps.incrementAndGet();
            return ThreadDumps.threadPrint();
        }, () -> java.util.Arrays.stream(ProcTasks.liveTids()).filter(watched::contains).toArray());
        CountDownLatch release = new CountDownLatch(1);
        try {
            registry.rescan();
            int pid = (int) ProcessHandle.current().pid();
            assertThat(watched).as("the launcher's thread is in /proc").contains(pid);
            assertThat(registry.lookup(pid)).as("but in no dump").isNull();
            JavaThreadInfo compiler = registry.snapshot().stream()
                    .filter(t -> t.name().matches("C[12] CompilerThread\\d+")).findFirst().orElseThrow();
            assertThat(compiler.javaId()).isNotNegative();
            for (int i = 0; i < 3; i++) {
                assertThat(registry.refresh(0)).isFalse();
            }
            assertThat(dumps).as("nothing missing: no dump after the first").hasValue(1);
            assertThat(registry.lookup(compiler.tid())).as("a compiler thread, which no enumeration lists, stays")
                    .isNotNull();

            int[] missed = new int[1];
            startWaiting("refresh-missed", missed, watched, release);
            assertThat(registry.refresh(0)).as("first seen: its start event may still be on the way").isFalse();
            assertThat(registry.refresh(0)).as("unknown twice: one dump").isTrue();
            assertThat(registry.lookup(missed[0]).name()).isEqualTo("refresh-missed");
            assertThat(registry.refresh(0)).isFalse();
            assertThat(dumps).hasValue(2);

            int[] reported = new int[1];
            Thread withEvent = startWaiting("refresh-reported", reported, watched, release);
            registry.onThreadStart(reported[0], withEvent.threadId(), "refresh-reported", false);
            assertThat(registry.refresh(0)).isFalse();
            assertThat(registry.refresh(0)).isFalse();
            assertThat(dumps).as("a thread its event reported costs no dump").hasValue(2);

            int[] held = new int[1];
            startWaiting("refresh-held-back", held, watched, release);
            assertThat(registry.refresh(Long.MAX_VALUE)).isFalse();
            assertThat(registry.refresh(Long.MAX_VALUE)).as("within the minimum interval: no dump").isFalse();
            assertThat(registry.lookup(held[0])).isNull();
            assertThat(registry.refresh(0)).as("once the interval allows it").isTrue();
            assertThat(registry.lookup(held[0]).name()).isEqualTo("refresh-held-back");
        } finally {
            release.countDown();
        }
    }

    @Test
    void eventsKeepTheRegistryCurrent() {
        List<String> events = new ArrayList<>();
        ThreadRegistry registry = new ThreadRegistry(new ThreadGroups(List.of(), 100), () -> "");
        registry.addListener(new ThreadRegistry.Listener() {
            @Override
            public void onAdded(JavaThreadInfo thread) {
                events.add("+" + thread.tid());
            }

            @Override
            public void onRemoved(JavaThreadInfo thread) {
                events.add("-" + thread.tid());
            }
        });
        for (int tid = 1000; tid > 900; tid -= 3) {
            registry.onThreadStart(tid, tid + 1, "worker-" + tid, false);
        }
        registry.onThreadStart(500, 77, "ForkJoinPool-1-worker-2", true);
        assertThat(registry.lookup(997).name()).isEqualTo("worker-997");
        assertThat(registry.lookup(998)).isNull();
        assertThat(registry.lookup(500).kind()).isEqualTo(ThreadKind.CARRIER);
        registry.onThreadStop(997);
        assertThat(registry.lookup(997)).isNull();
        assertThat(registry.lookup(1000)).isNotNull();
        assertThat(events).contains("+997", "-997");
    }

    @Test
    void gettidMatchesProcfs() throws Exception {
        Assumptions.assumeTrue(NativeThreadId.available(), "FFM native access unavailable");
        int[] tid = new int[1];
        Thread thread = new Thread(() -> tid[0] = NativeThreadId.current(), "procfs-check");
        thread.start();
        thread.join();
        int self = NativeThreadId.current();
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/comm")).strip())
                .isNotEmpty();
        assertThat(java.nio.file.Path.of("/proc/self/task/" + self)).exists();
        assertThat(tid[0]).isPositive().isNotEqualTo(self);
        assertThat(ProcessHandle.current().pid()).isNotEqualTo(tid[0]);
    }

    @Test
    void refreshNamesFollowsRenamesAndEndsWithoutAThreadDump() throws Exception {
        ThreadGroup nested = new ThreadGroup(new ThreadGroup("registry-outer"), "registry-inner");
        CountDownLatch release = new CountDownLatch(1);
        Thread renamed = new Thread(nested, () -> await(release), "refresh-a");
        Thread ending = new Thread(nested, () -> await(release), "refresh-b");
        renamed.start();
        ending.start();
        try {
            // tids are the registry's business only: any distinct values do here
            ThreadRegistry registry = new ThreadRegistry(new ThreadGroups(List.of(), 100), () -> "");
            registry.onThreadStart(900001, renamed.threadId(), "refresh-a", false);
            registry.onThreadStart(900002, ending.threadId(), "refresh-b", false);
            registry.onThreadStart(900003, -1, "VM Thread", false);
            ThreadRegistry.LiveThreads live = ThreadRegistry.LiveThreads.now();
            assertThat(live.nameOf(renamed.threadId())).isEqualTo("refresh-a");
            assertThat(live.nameOf(Thread.currentThread().threadId())).isEqualTo(Thread.currentThread().getName());

            renamed.setName("refresh-a-renamed");
            registry.refreshNames();
            assertThat(registry.lookup(900001).name()).isEqualTo("refresh-a-renamed");
            assertThat(registry.lookup(900002).name()).isEqualTo("refresh-b");

            // a thread the JVM no longer lists is dropped; JVM-internal threads (no Java id) stay
            ending.interrupt();
            ending.join();
            registry.refreshNames();
            assertThat(registry.lookup(900002)).isNull();
            assertThat(registry.lookup(900001)).isNotNull();
            assertThat(registry.lookup(900003)).isNotNull();
        } finally {
            release.countDown();
        }
    }

    /** Starts a thread that puts its tid into {@code tid} and {@code watched}, then waits for {@code release}. */
    private static Thread startWaiting(String name, int[] tid, java.util.Set<Integer> watched, CountDownLatch release)
            throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        Thread thread = new Thread(() -> {
            tid[0] = NativeThreadId.current();
            watched.add(tid[0]);
            started.countDown();
            await(release);
        }, name);
        thread.start();
        started.await();
        return thread;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean sleepBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
