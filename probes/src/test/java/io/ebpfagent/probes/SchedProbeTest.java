package io.ebpfagent.probes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.probes.events.EventListener;
import io.ebpfagent.probes.events.OffCpuEvent;
import io.ebpfagent.probes.events.ProbeEvents;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SchedProbeTest {
    @BeforeAll
    static void root() {
        KernelTests.assumeRoot();
    }

    record OffCpu(int tid, long durationNs, boolean hasSpan, long traceHi, long traceLo, long spanId, int flags,
                  int reason) {
    }

    @Test
    void onCpuAndOffCpuPerThreadAndOffCpuEventsCarryTheSpanContext() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults().withOffcpuThresholdNs(20_000_000L), shared)) {
            var events = new CopyOnWriteArrayList<OffCpu>();
            try (ProbeEvents pe = offCpuEventsInto(events).add(probe)) {
                int burner = KernelTests.runNamed("sched-burner", () -> KernelTests.burn(300));
                int slot = 7;
                AtomicInteger sleeperTid = new AtomicInteger();
                int sleeper = KernelTests.runNamed("sched-sleeper", () -> {
                    int tid = KernelTests.gettid();
                    sleeperTid.set(tid);
                    shared.bindThread(tid, slot);
                    shared.publish(slot, 0x0102030405060708L, 0x1112131415161718L, 0x2122232425262728L, 1);
                    try {
                        Thread.sleep(150);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    shared.clear(slot);
                });
                shared.unbindThread(sleeper);

                // join() returns before the kernel threads exit: read until both are marked exited
                Map<Integer, long[]> seen = new ConcurrentHashMap<>();
                long exitDeadline = System.nanoTime() + 60_000_000_000L;
                do {
                    probe.forEachThread((tid, on, offVol, offInvol, runq, vs, is, wakeups, migr, exited) -> {
                        if ((tid == burner || tid == sleeper) && (exited || !seen.containsKey(tid) || seen.get(tid)[3] == 0)) {
                            seen.put(tid, new long[] {on, offVol, offInvol, exited ? 1 : 0, vs, is, runq, wakeups, migr});
                        }
                    });
                    if (exitedBoth(seen, burner, sleeper)) {
                        break;
                    }
                    Thread.sleep(5);
                } while (System.nanoTime() < exitDeadline);
                long[] b = seen.get(burner);
                long[] s = seen.get(sleeper);
                assertTrue(b != null && s != null, "both threads in sched_stats: " + seen.keySet());
                assertTrue(b[0] >= 270_000_000L, "burner on CPU >= 270 ms of 300: " + b[0]);
                // the whole entry on failure: [on, offVol, offInvol, exited, vs, is, runq, wakeups, migrations]
                assertTrue(s[1] >= 140_000_000L, "sleeper voluntarily off CPU >= its sleep: " + java.util.Arrays.toString(s)
                        + ", burner " + java.util.Arrays.toString(b) + ", off-CPU events " + events);
                assertTrue(s[0] < 100_000_000L, "sleeper barely on CPU: " + s[0]);
                assertTrue(b[0] > s[0], "burner on CPU longer than the sleeper");
                assertEquals(1, s[3], "the sleeper exited");

                // exited threads were removed after that read
                AtomicInteger again = new AtomicInteger();
                probe.forEachThread((tid, on, offVol, offInvol, runq, vs, is, w, m, exited) -> {
                    if (tid == burner || tid == sleeper) {
                        again.incrementAndGet();
                    }
                });
                assertEquals(0, again.get(), "exited threads removed");

                long deadline = System.nanoTime() + 60_000_000_000L; // generous: a loaded machine delays the batch
                OffCpu found = null;
                while (found == null && System.nanoTime() < deadline) {
                    for (OffCpu e : events) {
                        if (e.tid() == sleeper && e.durationNs() >= 140_000_000L) {
                            found = e;
                        }
                    }
                    Thread.sleep(20);
                }
                assertTrue(found != null, "off-CPU event of the sleeper: " + events);
                assertEquals(OffCpuEvent.VOLUNTARY, found.reason());
                assertTrue(found.hasSpan(), "span context attached");
                assertArrayEquals(new long[] {0x0102030405060708L, 0x1112131415161718L, 0x2122232425262728L, 1},
                        new long[] {found.traceHi(), found.traceLo(), found.spanId(), found.flags()});
                assertEquals(0, pe.malformedRecords());
            }
        }
    }

    @Test
    void aThreadSwitchingInAfterItsSlotWasGivenToAnotherLeavesTheNewOwnersTimesAlone() throws Exception {
        // A thread switches out holding a slot; user space gives the slot to another thread
        // (the first one's Java thread ended while its OS thread lived on); the first thread's
        // next switch-in must not start a slice or add its blocked time in the new owner's entry.
        try (SharedMaps shared = SharedMaps.create(); SchedProbe probe = SchedProbe.start(spanTimesConfig(), shared);
             Parker first = new Parker("slot-first"); Parker owner = new Parker("slot-owner")) {
            probe.setSpanTimes(true);
            MemorySegment times = probe.spanTimes();
            int slot = 5;
            long base = slot * 128L;
            first.awaitRound(1);
            owner.awaitRound(1); // stays off CPU while the test looks at its entry
            // the first thread holds the slot and switches out with it
            times.asSlice(base, 128).fill((byte) 0);
            times.set(JAVA_INT, base + 112, first.tid());
            shared.bindThread(first.tid(), slot);
            first.runOnce(2);
            // the slot goes to another thread, its slice "running" since a known time
            shared.unbindThread(first.tid());
            times.asSlice(base, 128).fill((byte) 0);
            times.set(JAVA_INT, base + 112, owner.tid());
            long since = 123_456_789L;
            times.set(JAVA_LONG, base + 8, since);
            shared.bindThread(owner.tid(), slot);
            Thread.sleep(50); // the first thread's next off-CPU interval: 50 ms blocked
            first.runOnce(3);
            assertEntryUntouched(times, base, since, 9);
        }
    }

    @Test
    void aThreadSwitchingOutWithASlotGivenToAnotherLeavesTheNewOwnersTimesAlone() throws Exception {
        // The slot went to another thread while the kernel still maps the first thread to it (its
        // OS thread outlived its Java thread, and user space had not yet removed the mapping): the
        // first thread's switch-outs must not end the new owner's running slice, add to its CPU
        // time or replace its I/O counters with the first thread's.
        try (SharedMaps shared = SharedMaps.create(); SchedProbe probe = SchedProbe.start(spanTimesConfig(), shared);
             Parker first = new Parker("slot-stale")) {
            probe.setSpanTimes(true);
            MemorySegment times = probe.spanTimes();
            int slot = 6;
            long base = slot * 128L;
            first.awaitRound(1);
            times.asSlice(base, 128).fill((byte) 0);
            times.set(JAVA_INT, base + 112, first.tid() + 1_000_000); // another thread's
            long since = 123_456_789L;
            times.set(JAVA_LONG, base + 8, since);
            shared.bindThread(first.tid(), slot);
            try {
                for (int round = 2; round <= 4; round++) {
                    first.runOnce(round);
                }
                assertEntryUntouched(times, base, since, 14);
            } finally {
                shared.unbindThread(first.tid());
            }
        }
    }

    @Test
    void switchInsTheProgramDidNotRunForAreReplayedFromTheKernelsAccounting() throws Exception {
        // The kernel does not always run the program at a switch-in (on this 6.18 guest about once
        // per 25 s of a busy test JVM, a thread resuming after a preemption): the interval before
        // it and the slice after it went missing from the thread's span. The probe here ignores
        // every other switch-in of one thread; its slot must still hold what the kernel counted.
        ReplayRun r = runWithSkippedSwitchIns(false);
        assertTrue(r.replayed >= 20, "about half of some 80 switch-ins were skipped: " + r);
        assertWithinNs("CPU", r.slotCpu, r.cpu, Math.max(2_000_000L, r.cpu / 20), r);
        assertWithinNs("run queue", r.slotRunq, r.runDelay, Math.max(2_000_000L, r.runDelay / 10), r);
        // the 40 sleeps are all the thread blocked for in the window
        assertWithinNs("sleep", r.slotSleep, r.blocked, Math.max(3_000_000L, r.blocked / 10), r);
    }

    @Test
    void aReplayedSwitchInLeavesTheIntervalOutWhenTheThreadReadItsSlotMeanwhile() throws Exception {
        // The agent reads a thread's slot at every scope open and close; one that finds no slice
        // running on its own slot starts one. The interval before a switch-in replayed after such a
        // read lies before it (before the scope that opened there): it must not be added to the slot
        // then, and the slice counts from the read on. Here every switch-in of the thread is
        // skipped and each of its sleeps is followed by such a read: no sleep may reach the slot,
        // and its CPU time is still all there (but the few microseconds from each wake-up to the read).
        ReplayRun r = runWithSkippedSwitchIns(true);
        assertTrue(r.replayed >= 40, "every switch-in was skipped, 40 sleeps among them: " + r);
        assertWithinNs("CPU", r.slotCpu, r.cpu, Math.max(2_000_000L, r.cpu / 20), r);
        assertTrue(r.slotSleep < r.blocked / 10, "the sleeps are left out: " + r);
    }

    /** What the slot and the thread's own schedstat counted over a run with every other switch-in skipped. */
    private record ReplayRun(long slotCpu, long slotRunq, long slotSleep, long cpu, long runDelay, long blocked,
                             long replayed) {
        @Override
        public String toString() {
            return String.format("slot: cpu %.2f ms, run queue %.2f, sleep %.2f; the thread's schedstat: cpu %.2f ms,"
                    + " run_delay %.2f, wall - cpu - run_delay %.2f; %d switch-ins replayed", slotCpu / 1e6,
                    slotRunq / 1e6, slotSleep / 1e6, cpu / 1e6, runDelay / 1e6, blocked / 1e6, replayed);
        }
    }

    /**
     * A thread burning 2 ms and sleeping 2 ms 40 times beside as many burners as CPUs, with a
     * span-context slot, under a probe that ignores every other one of its switch-ins;
     * {@code readsOwnSlot}: the probe ignores all of them, and after each sleep the thread reads its
     * slot as the agent does (a slice found not running is started).
     */
    private static ReplayRun runWithSkippedSwitchIns(boolean readsOwnSlot) throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch measured = new CountDownLatch(1);
        AtomicInteger tid = new AtomicInteger();
        MemorySegment[] slotOfWorker = new MemorySegment[1];
        long[] proc = new long[6]; // schedstat on-CPU and run_delay, and wall time: start, end
        Thread worker = Thread.ofPlatform().name("sched-replayed").start(() -> {
            tid.set(KernelTests.gettid());
            try {
                go.await();
                readSchedstat(proc, 0);
                for (int i = 0; i < 40; i++) {
                    KernelTests.burn(2);
                    KernelTests.sleep(2);
                    if (readsOwnSlot && slotOfWorker[0].get(JAVA_LONG, 8) == 0) {
                        SINCE.compareAndSet(slotOfWorker[0], 8L, 0L, System.nanoTime());
                    }
                }
                readSchedstat(proc, 3);
                done.countDown();
                measured.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        while (tid.get() == 0) {
            Thread.sleep(1);
        }
        int slot = 7;
        long base = slot * 128L;
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.startSkippingSwitchInsOf(spanTimesConfig(), shared, tid.get(), readsOwnSlot)) {
            MemorySegment times = probe.spanTimes();
            times.asSlice(base, 128).fill((byte) 0);
            times.set(JAVA_INT, base + 112, tid.get());
            slotOfWorker[0] = times.asSlice(base, 128);
            shared.bindThread(tid.get(), slot);
            awaitParked(worker, null, 0);
            long[] before = slotTimes(times, base);
            long replayedBefore = probe.switchInsReplayed();
            // competition for the CPUs: preemptions as well as sleeps
            Thread[] burners = new Thread[cpus];
            for (int i = 0; i < burners.length; i++) {
                burners[i] = Thread.ofPlatform().start(() -> KernelTests.burn(250));
            }
            go.countDown();
            assertTrue(done.await(60, java.util.concurrent.TimeUnit.SECONDS), "the worker's 40 rounds ended");
            awaitParked(worker, null, 0);
            long[] after = slotTimes(times, base);
            long replayed = probe.switchInsReplayed() - replayedBefore;
            measured.countDown();
            worker.join();
            for (Thread b : burners) {
                b.join();
            }
            long cpu = proc[3] - proc[0];
            long runDelay = proc[4] - proc[1];
            return new ReplayRun(after[0] - before[0], after[1] - before[1], after[2] - before[2], cpu, runDelay,
                    (proc[5] - proc[2]) - cpu - runDelay, replayed);
        } finally {
            measured.countDown();
            go.countDown();
            worker.join();
        }
    }

    private static final java.lang.invoke.VarHandle SINCE = JAVA_LONG.varHandle();

    /** Reads /proc/thread-self/schedstat's on-CPU time and run_delay, and the time, into {@code into[at..at+3)}. */
    private static void readSchedstat(long[] into, int at) {
        long[] schedstat = ownSchedstat();
        into[at] = schedstat[0];
        into[at + 1] = schedstat[1];
        into[at + 2] = System.nanoTime();
    }

    /** The calling thread's /proc/thread-self/schedstat: on-CPU ns, run_delay ns, slices (pcount). */
    private static long[] ownSchedstat() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/schedstat")).trim()
                    .split(" ");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A span_times entry's on-CPU, run-queue (both kinds) and sleep nanoseconds. */
    private static long[] slotTimes(MemorySegment times, long base) {
        return new long[] {times.get(JAVA_LONG, base), times.get(JAVA_LONG, base + 16), times.get(JAVA_LONG, base + 48)};
    }

    private static void assertWithinNs(String what, long actual, long expected, long tolerance, Object all) {
        assertTrue(Math.abs(actual - expected) <= tolerance, what + ": " + actual + " ns against " + expected + " ± "
                + tolerance + ": " + all);
    }

    /** The sched probe with the per-span split on and no stack capture. */
    private static SchedProbe.Config spanTimesConfig() {
        SchedProbe.Config d = SchedProbe.Config.defaults();
        return new SchedProbe.Config(d.targetTgid(), d.offcpuThresholdNs(), d.involuntaryEvents(), false,
                d.runqHistograms(), d.eventsNeedSpan(), true, d.trackWakeups(), d.runqFromWakeups());
    }

    /** The new owner's entry: its slice start as user space left it, its first {@code fields} longs but that one 0. */
    private static void assertEntryUntouched(MemorySegment times, long base, long since, int fields) {
        assertEquals(since, times.get(JAVA_LONG, base + 8), "the new owner's running slice start");
        for (int field = 0; field < fields; field++) {
            if (field != 1) {
                assertEquals(0, times.get(JAVA_LONG, base + field * 8L), "field " + field + " of the new owner's entry");
            }
        }
    }

    /** A thread that parks over and over, counting its rounds: each unpark is one switch-in and one switch-out. */
    private static final class Parker implements AutoCloseable {
        private final AtomicInteger rounds = new AtomicInteger();
        private final AtomicInteger tid = new AtomicInteger();
        private final Thread thread;

        Parker(String name) {
            thread = Thread.ofPlatform().name(name).start(() -> {
                tid.set(KernelTests.gettid());
                while (!Thread.currentThread().isInterrupted()) {
                    rounds.incrementAndGet();
                    LockSupport.park();
                }
            });
        }

        int tid() {
            return tid.get();
        }

        /** Waits until the thread parked in round {@code round} (or later). */
        void awaitRound(int round) throws InterruptedException {
            awaitParked(thread, rounds, round);
        }

        /** Lets the thread run once and waits until it parked again, in round {@code round}. */
        void runOnce(int round) throws InterruptedException {
            LockSupport.unpark(thread);
            awaitRound(round);
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            LockSupport.unpark(thread);
            thread.join();
        }
    }

    /** Waits (generously) until {@code t} is parked, after {@code rounds} reached {@code atLeast}. */
    private static void awaitParked(Thread t, AtomicInteger rounds, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if ((rounds == null || rounds.get() >= atLeast) && t.getState() == Thread.State.WAITING) {
                Thread.sleep(5); // parked in the kernel, not only in the JVM's state
                if (t.getState() == Thread.State.WAITING) {
                    return;
                }
            }
            Thread.sleep(1);
        }
        throw new AssertionError(t.getName() + " did not park");
    }

    @Test
    void withEventsNeedSpanOnlyThreadsInsideASpanReportOffCpuIntervals() throws Exception {
        SchedProbe.Config config = SchedProbe.Config.defaults().withOffcpuThresholdNs(20_000_000L).withEventsNeedSpan(true);
        try (SharedMaps shared = SharedMaps.create(); SchedProbe probe = SchedProbe.start(config, shared)) {
            var events = new CopyOnWriteArrayList<OffCpu>();
            try (ProbeEvents pe = offCpuEventsInto(events).add(probe)) {
                int slot = 9;
                int plain = KernelTests.runNamed("sched-nospan", () -> KernelTests.sleep(100));
                int traced = KernelTests.runNamed("sched-inspan", () -> {
                    shared.bindThread(KernelTests.gettid(), slot);
                    shared.publish(slot, 0x0A0B0C0D0E0F1011L, 0x1213141516171819L, 0x2A2B2C2D2E2F3031L, 1);
                    KernelTests.sleep(100);
                    shared.clear(slot);
                    // a sleep after the span ended is outside any span again
                    KernelTests.sleep(100);
                });
                shared.unbindThread(traced);

                long deadline = System.nanoTime() + 60_000_000_000L; // generous: a loaded machine delays the batch
                while (events.stream().noneMatch(e -> e.tid() == traced) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                Thread.sleep(200); // the batch of anything else that was submitted
                long[] offCpu = new long[2];
                probe.forEachThread((tid, on, offVol, offInvol, runq, vs, is, w, m, exited) -> {
                    if (tid == traced) {
                        offCpu[0] = offVol;
                        offCpu[1] = vs;
                    }
                });
                assertTrue(events.stream().anyMatch(e -> e.tid() == traced && e.hasSpan()
                        && e.spanId() == 0x2A2B2C2D2E2F3031L && e.durationNs() >= 90_000_000L),
                        "the sleep inside the span is reported: " + events + "; the probe's voluntary off-CPU time"
                        + " of the traced thread " + offCpu[0] + " ns over " + offCpu[1] + " voluntary switches, events"
                        + " dropped " + probe.droppedEvents());
                assertEquals(0, events.stream().filter(e -> e.tid() == plain).count(),
                        "no event for the thread without a span: " + events);
                assertTrue(events.stream().filter(e -> e.tid() == traced).allMatch(OffCpu::hasSpan),
                        "the sleep after the span ended is not reported: " + events);
                assertTrue(events.stream().allMatch(OffCpu::hasSpan), "every reported interval has a span: " + events);
            }
        }
    }

    /**
     * The kernel side wakes the event thread only for a record that comes 50 ms or more after the
     * previous wakeup (or per batch): one that follows sooner is still delivered, without another
     * record to carry it, and once nothing can be pending the thread sleeps until woken.
     */
    @Test
    void aRecordThatWokeNobodyIsDeliveredAndTheQuietEventThreadSleeps() throws Exception {
        SchedProbe.Config config = SchedProbe.Config.defaults().withOffcpuThresholdNs(10_000_000L).withEventsNeedSpan(true);
        try (SharedMaps shared = SharedMaps.create(); SchedProbe probe = SchedProbe.start(config, shared)) {
            var events = new CopyOnWriteArrayList<OffCpu>();
            try (ProbeEvents pe = offCpuEventsInto(events).add(probe)) {
                int slot = 11;
                int traced = KernelTests.runNamed("sched-unwoken", () -> {
                    shared.bindThread(KernelTests.gettid(), slot);
                    shared.publish(slot, 0x0A0B0C0D0E0F1011L, 0x1213141516171819L, 0x3A3B3C3D3E3F3031L, 1);
                    // the first interval's record wakes the reader; the second follows it by ~25 ms
                    // (less than the 50 ms the kernel side waits before waking it again)
                    KernelTests.sleep(30);
                    KernelTests.sleep(25);
                    shared.clear(slot);
                });
                shared.unbindThread(traced);
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (events.stream().filter(e -> e.tid() == traced).count() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(2, events.stream().filter(e -> e.tid() == traced).count(),
                        "both sleeps reported, the second without a record after it: " + events + "; records decoded "
                        + pe.records() + ", dropped " + probe.droppedEvents());

                int reader = threadNamed("ebpf-agent-even");
                Thread.sleep(300); // past the last due time: nothing can be pending now
                long before = voluntarySwitches(reader);
                Thread.sleep(3000);
                long woken = voluntarySwitches(reader) - before;
                assertTrue(woken <= 1, "the event thread woke " + woken + " times in 3 s without a record");
            }
        }
    }

    private static int threadNamed(String comm) throws java.io.IOException {
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (var t : (Iterable<java.nio.file.Path>) tasks::iterator) {
                if (java.nio.file.Files.readString(t.resolve("comm")).trim().equals(comm)) {
                    return Integer.parseInt(t.getFileName().toString());
                }
            }
        }
        throw new AssertionError("no thread " + comm);
    }

    private static long voluntarySwitches(int tid) throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/task/" + tid + "/status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no voluntary_ctxt_switches for " + tid);
    }

    @Test
    void theStackMapIsSizedOnlyWhenStacksAreCapturedAndThenHoldsTheStackOfASleep() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults(), shared)) {
            assertEquals(1, probe.stacks().maxEntries(), "no stack map allocated when stacks are off");
        }
        SchedProbe.Config d = SchedProbe.Config.defaults().withOffcpuThresholdNs(20_000_000L);
        SchedProbe.Config capturing = new SchedProbe.Config(d.targetTgid(), d.offcpuThresholdNs(), d.involuntaryEvents(),
                true, d.runqHistograms(), d.eventsNeedSpan(), d.spanTimes(), d.trackWakeups(), d.runqFromWakeups());
        try (SharedMaps shared = SharedMaps.create(); SchedProbe probe = SchedProbe.start(capturing, shared)) {
            assertEquals(4096, probe.stacks().maxEntries());
            var stackIds = new ConcurrentHashMap<Integer, Integer>();
            try (ProbeEvents pe = new ProbeEvents(new EventListener() {
                @Override
                public void offCpu(OffCpuEvent e) {
                    stackIds.putIfAbsent(e.tid(), e.stackId());
                }
            }).add(probe)) {
                int tid = KernelTests.runNamed("sched-stack", () -> KernelTests.sleep(100));
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!stackIds.containsKey(tid) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                Integer id = stackIds.get(tid);
                assertTrue(id != null && id >= 0, "the sleep's user stack was recorded: " + id);
                try (var arena = java.lang.foreign.Arena.ofConfined()) {
                    var key = arena.allocate(java.lang.foreign.ValueLayout.JAVA_INT);
                    key.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, id);
                    var ips = arena.allocate(probe.stacks().valueSize(), 8);
                    assertTrue(probe.stacks().lookup(key, ips), "stack " + id + " in the map");
                    assertTrue(ips.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) != 0, "a user address at its top");
                }
            }
        }
    }

    /** Events of the probes added to it, with every off-CPU interval copied into {@code events}. */
    private static ProbeEvents offCpuEventsInto(java.util.List<OffCpu> events) {
        return new ProbeEvents(new EventListener() {
            @Override
            public void offCpu(OffCpuEvent e) {
                events.add(new OffCpu(e.tid(), e.durationNs(), e.hasSpan(), e.traceIdHigh(), e.traceIdLow(),
                        e.spanId(), e.traceFlags(), e.reason()));
            }
        });
    }

    /** One thread's cumulative sched_stats: {on-CPU, voluntary off-CPU, involuntary off-CPU}. */
    private static boolean exitedBoth(Map<Integer, long[]> seen, int a, int b) {
        return seen.containsKey(a) && seen.get(a)[3] == 1 && seen.containsKey(b) && seen.get(b)[3] == 1;
    }

    /**
     * The thread's final statistics: join() returns before the kernel thread exits, so wait
     * until the probe marked it exited (that read also removes the entry).
     */
    private static long[] statsOf(SchedProbe probe, int tid) throws InterruptedException {
        long[][] found = new long[1][];
        boolean[] done = new boolean[1];
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!done[0] && System.nanoTime() < deadline) {
            probe.forEachThread((t, on, offVol, offInvol, runq, vs, is, wakeups, migr, exited) -> {
                if (t == tid) {
                    found[0] = new long[] {on, offVol, offInvol};
                    done[0] = exited;
                }
            });
            if (!done[0]) {
                Thread.sleep(5);
            }
        }
        assertTrue(found[0] != null, "thread " + tid + " in sched_stats");
        return found[0];
    }

    @Test
    void aThreadSleeping200MsIsVoluntarilyOffCpuForAtLeast190Ms() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults(), shared)) {
            long[] sleptNs = new long[1];
            long born = System.nanoTime();
            int tid = KernelTests.runNamed("sched-sleep200", () -> {
                long t0 = System.nanoTime();
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sleptNs[0] = System.nanoTime() - t0;
            });
            long[] s = statsOf(probe, tid);
            // the kernel thread outlives join(): bound by the time of the read instead
            long lifeNs = System.nanoTime() - born;
            assertTrue(sleptNs[0] >= 200_000_000L, "slept " + sleptNs[0]);
            assertTrue(s[1] >= 190_000_000L, "voluntary off-CPU >= 190 ms of a 200 ms sleep: " + s[1]);
            // a hard bound: not longer than the thread lived
            assertTrue(s[1] <= lifeNs, "voluntary off-CPU " + s[1] + " within the thread's life " + lifeNs);
        }
    }

    @Test
    void pageFaultsOfAThreadAreItsOwnCountersAsProcPrintsThem() throws Exception {
        int pages = 4096;
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults(), shared)) {
            long[] procMinor = new long[1];
            int tid = KernelTests.runNamed("sched-faults", () -> {
                try {
                    KernelTests.touchFreshPages(pages);
                    String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/stat"));
                    procMinor[0] = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[10 - 3]);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // the kernel thread outlives join(): its final switch-out comes when its task is gone
            for (int i = 0; i < 1000 && java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/task/" + tid)); i++) {
                Thread.sleep(10);
            }
            long[] faults = new long[2];
            assertTrue(probe.pageFaults(tid, faults), "an entry for the thread");
            // the copy at the thread's last switch-out: at least what /proc printed before it exited,
            // and at least the pages it touched
            assertTrue(faults[0] >= procMinor[0], "minor " + faults[0] + " >= /proc's " + procMinor[0]);
            assertTrue(faults[0] <= procMinor[0] + 256, "minor " + faults[0] + " close to /proc's " + procMinor[0]);
            assertTrue(faults[0] >= pages, "minor " + faults[0] + " >= " + pages + " fresh pages");
        }
    }

    @Test
    void aThreadSpinning300MsOfCpuIsOnCpuForWhatTheJvmMeasured() throws Exception {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults(), shared)) {
            long[] cpuNs = new long[1];
            long[] sink = new long[1];
            long born = System.nanoTime();
            int tid = KernelTests.runNamed("sched-spin300", () -> {
                // the thread's own CPU time (the machine is shared: wall time would overstate it)
                sink[0] = KernelTests.burn(300);
                cpuNs[0] = mx.getCurrentThreadCpuTime();
            });
            long[] s = statsOf(probe, tid);
            // the kernel thread outlives join(): bound by the time of the read instead
            long lifeNs = System.nanoTime() - born;
            assertTrue(cpuNs[0] >= 300_000_000L, "thread CPU time " + cpuNs[0] + " (sink " + sink[0] + ")");
            assertTrue(s[0] >= 250_000_000L, "on-CPU >= 250 ms: " + s[0]);
            assertTrue(s[0] >= (long) (0.85 * cpuNs[0]), "on-CPU " + s[0] + " >= 0.85 x thread CPU " + cpuNs[0]);
            // a hard bound (on-CPU also holds steal time of this VM, so not the CPU time itself)
            assertTrue(s[0] + s[1] + s[2] <= lifeNs, "on + off CPU " + (s[0] + s[1] + s[2]) + " within life " + lifeNs);
        }
    }

    @Test
    void aRunQueueWaitPerSliceAndRunQueueTimeWithinTheKernelsCount() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults(), shared)) {
            // competition for the CPUs, so that the thread also waits on a run queue
            int cpus = Runtime.getRuntime().availableProcessors();
            Thread[] burners = new Thread[cpus + 1];
            for (int i = 0; i < burners.length; i++) {
                burners[i] = Thread.ofPlatform().start(() -> KernelTests.burn(400));
            }
            long[] own = new long[2];
            int tid = KernelTests.runNamed("sched-runq", () -> {
                for (int i = 0; i < 40; i++) {
                    KernelTests.burn(2);
                    KernelTests.sleep(2);
                }
                long[] schedstat = ownSchedstat();
                own[0] = schedstat[1];
                own[1] = schedstat[2];
            });
            for (Thread b : burners) {
                b.join();
            }
            long[] seen = null;
            long[] hist = new long[64];
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (seen == null && System.nanoTime() < deadline) {
                long[][] box = new long[1][];
                probe.forEachThread((t, on, offVol, offInvol, runq, vs, is, w, m, exited) -> {
                    if (t == tid && exited) {
                        box[0] = new long[] {runq, w, probe.runqUnknown(t)};
                        probe.runqHistogram(t, hist);
                    }
                });
                seen = box[0];
                if (seen == null) {
                    Thread.sleep(5);
                }
            }
            assertTrue(seen != null, "the thread was marked exited");
            long waits = java.util.Arrays.stream(hist).sum();
            String all = "probe runq " + seen[0] + " ns in " + waits + " waits, " + seen[2] + " unknown, " + seen[1]
                    + " wakeups; the thread's schedstat before its end: run_delay " + own[0] + " ns, " + own[1]
                    + " slices";
            assertTrue(own[0] > 0, "precondition: the thread waited on a run queue: " + all);
            // the probe takes waits from the same bookkeeping as run_delay (preempted intervals on
            // CLOCK_MONOTONIC instead); waits after the thread's own reading (its exit path) can
            // only add, and an interval whose wait is unknown (queued while asleep) only subtract
            assertTrue(seen[0] <= own[0] + 50_000_000L, all);
            if (seen[2] == 0) {
                // a preempted wait is timed on CLOCK_MONOTONIC, the kernel's on the run queue's
                // clock, which only moves at its updates: a few µs apart per wait, which under load
                // (~90 waits, 100 ms of them) once added up to 1.6 ms
                assertTrue(seen[0] >= own[0] - Math.max(1_000_000L, own[0] / 25), all);
            }
            // every slice began after a wakeup or a preemption: one wait each, told or unknown;
            // slices are the kernel's count of switch-ins (pcount)
            assertTrue(waits + seen[2] >= own[1] && waits + seen[2] <= own[1] + 5, "a wait per slice: " + all);
            assertEquals(0, seen[1], "no wakeup programs by default: " + all);
        }
    }

    @Test
    void withTrackWakeupsAWakeupPerParkAndTheUnparkerAsWaker() throws Exception {
        SchedProbe.Config config = SchedProbe.Config.defaults().withOffcpuThresholdNs(20_000_000L).withTrackWakeups(true);
        try (SharedMaps shared = SharedMaps.create(); SchedProbe probe = SchedProbe.start(config, shared)) {
            var wakers = new CopyOnWriteArrayList<int[]>();
            try (ProbeEvents pe = new ProbeEvents(new EventListener() {
                @Override
                public void offCpu(OffCpuEvent e) {
                    wakers.add(new int[] {e.tid(), e.wakerTid()});
                }
            }).add(probe)) {
                AtomicInteger parkedTid = new AtomicInteger();
                java.util.concurrent.CountDownLatch parking = new java.util.concurrent.CountDownLatch(5);
                // Both threads on one CPU: a wakeup of a task whose CPU is another, idle one may be
                // handed to that CPU (the wake list), which runs it from its idle task (waker 0);
                // on this 2-vCPU guest that happened to all four parks of a run. On the waker's
                // own CPU the wakeup runs in the waker.
                byte[] before = KernelTests.affinity();
                byte[] one = KernelTests.cpuMask(KernelTests.firstCpu(before));
                int me = KernelTests.gettid();
                Thread parked;
                KernelTests.setAffinity(one);
                try {
                    parked = Thread.ofPlatform().name("sched-parked").start(() -> {
                        KernelTests.setAffinity(one);
                        parkedTid.set(KernelTests.gettid());
                        for (int i = 0; i < 5; i++) {
                            parking.countDown();
                            java.util.concurrent.locks.LockSupport.park();
                        }
                    });
                    for (int i = 0; i < 5; i++) {
                        // unpark only once the thread is parked: its park is then a voluntary
                        // switch-out this thread ends
                        while (parking.getCount() > 4 - i || parked.getState() != Thread.State.WAITING) {
                            Thread.sleep(1);
                        }
                        Thread.sleep(40);
                        java.util.concurrent.locks.LockSupport.unpark(parked);
                    }
                    parked.join();
                } finally {
                    KernelTests.setAffinity(before);
                }
                int tid = parkedTid.get();
                long[] wakeups = new long[1];
                probe.forEachThread((t, on, offVol, offInvol, runq, vs, is, w, m, exited) -> {
                    if (t == tid) {
                        wakeups[0] = w;
                    }
                });
                assertTrue(wakeups[0] >= 5, "a wakeup per park: " + wakeups[0]);
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (wakers.stream().filter(w -> w[0] == tid).count() < 4 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                // the parks of 40 ms and more end with this thread's unpark, on this CPU
                long byMe = wakers.stream().filter(w -> w[0] == tid && w[1] == me).count();
                assertTrue(byMe >= 1, "the unparking thread is the waker: tid " + tid + ", me " + me + ": "
                        + wakers.stream().filter(w -> w[0] == tid).map(java.util.Arrays::toString).toList());
            }
        }
    }

    @Test
    void aWalkOfChangedThreadsSkipsParkedOnesAndVisitsWhatRanOrExited() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults(), shared)) {
            int n = 20;
            int[] tids = new int[n];
            Thread[] threads = new Thread[n];
            java.util.concurrent.atomic.AtomicIntegerArray rounds = new java.util.concurrent.atomic.AtomicIntegerArray(n);
            java.util.concurrent.atomic.AtomicIntegerArray wanted = new java.util.concurrent.atomic.AtomicIntegerArray(n);
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                int me = i;
                threads[i] = new Thread(() -> {
                    tids[me] = KernelTests.gettid();
                    KernelTests.sleep(2); // an entry in the map: the probe saw it switch
                    started.countDown();
                    while (wanted.get(me) >= 0) {
                        if (rounds.get(me) < wanted.get(me)) {
                            KernelTests.burn(2);
                            rounds.incrementAndGet(me);
                        }
                        java.util.concurrent.locks.LockSupport.park();
                    }
                }, "changed-" + i);
                threads[i].setDaemon(true);
                threads[i].start();
            }
            assertTrue(started.await(60, java.util.concurrent.TimeUnit.SECONDS), "threads started");
            java.util.Set<Integer> ours = new java.util.HashSet<>();
            for (int t : tids) {
                ours.add(t);
            }
            // all parked: each switched out for the last time, in the map
            long deadline = System.nanoTime() + 60_000_000_000L;
            java.util.Set<Integer> first = new java.util.HashSet<>();
            while (first.size() < n && System.nanoTime() < deadline) {
                probe.forEachChangedThread((t, on, ov, oi, rq, vs, is, w, m, ex) -> {
                    if (ours.contains(t)) {
                        first.add(t);
                    }
                });
                Thread.sleep(20);
            }
            assertEquals(n, first.size(), "every thread visited the first time it is seen");
            for (Thread t : threads) {
                while (t.getState() != Thread.State.WAITING) {
                    Thread.sleep(1);
                }
            }
            Thread.sleep(50);
            probe.forEachChangedThread((t, on, ov, oi, rq, vs, is, w, m, ex) -> { });
            java.util.Set<Integer> quiet = new java.util.HashSet<>();
            probe.forEachChangedThread((t, on, ov, oi, rq, vs, is, w, m, ex) -> {
                if (ours.contains(t)) {
                    quiet.add(t);
                }
            });
            // a sleeping task can still be moved between run queues (a migration): a few at most
            assertTrue(quiet.size() <= 3, "parked threads visited although nothing changed: " + quiet);

            long[] before = new long[2];
            probe.forEachThread((t, on, ov, oi, rq, vs, is, w, m, ex) -> {
                if (t == tids[3]) {
                    before[0] = on;
                    before[1] = vs;
                }
            });
            wanted.set(3, 1);
            java.util.concurrent.locks.LockSupport.unpark(threads[3]);
            while (rounds.get(3) < 1 || threads[3].getState() != Thread.State.WAITING) {
                Thread.sleep(1);
            }
            Thread.sleep(20);
            java.util.Map<Integer, long[]> ran = new java.util.HashMap<>();
            probe.forEachChangedThread((t, on, ov, oi, rq, vs, is, w, m, ex) -> {
                if (ours.contains(t)) {
                    ran.put(t, new long[] {on, vs});
                }
            });
            assertTrue(ran.containsKey(tids[3]), "the thread that ran is visited: " + ran.keySet());
            assertTrue(ran.size() <= 4, "only it (and at most a few moved sleepers): " + ran.keySet());
            assertTrue(ran.get(tids[3])[0] >= before[0] + 2_000_000L, "its on-CPU time grew by the 2 ms burn");
            assertTrue(ran.get(tids[3])[1] > before[1], "and its voluntary switches");

            wanted.set(5, -1);
            java.util.concurrent.locks.LockSupport.unpark(threads[5]);
            threads[5].join(60_000);
            boolean[] exited = new boolean[1];
            deadline = System.nanoTime() + 60_000_000_000L;
            while (!exited[0] && System.nanoTime() < deadline) {
                probe.forEachChangedThread((t, on, ov, oi, rq, vs, is, w, m, ex) -> {
                    if (t == tids[5] && ex) {
                        exited[0] = true;
                    }
                });
                Thread.sleep(5);
            }
            assertTrue(exited[0], "the exited thread is visited once more, marked exited");
            for (int i = 0; i < n; i++) {
                wanted.set(i, -1);
                java.util.concurrent.locks.LockSupport.unpark(threads[i]);
            }
        }
    }

    @Test
    void anExitedThreadKeepsItsKernelNameAndFinalTotalsUntilItsEntryIsReadLast() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults(), shared)) {
            long[] own = new long[3];
            // 15 characters: what the kernel keeps of a thread name
            int tid = KernelTests.runNamed("sched-exit-name", () -> {
                KernelTests.burn(30);
                KernelTests.sleep(5);
                long[] c = KernelTests.procCounters(KernelTests.gettid());
                System.arraycopy(c, 0, own, 0, 3);
            });
            assertEquals(null, probe.exitedName(KernelTests.gettid()), "a live thread has no exit name");
            long[] seen = null;
            String[] name = new String[1];
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (seen == null && System.nanoTime() < deadline) {
                long[][] box = new long[1][];
                probe.forEachThread((t, on, offVol, offInvol, runq, vs, is, w, m, exited) -> {
                    if (t == tid && exited) {
                        box[0] = new long[] {on, vs, is};
                        // the entry is removed after this walk: the name is read from inside it
                        name[0] = probe.exitedName(t);
                    }
                });
                seen = box[0];
                if (seen == null) {
                    Thread.sleep(5);
                }
            }
            assertTrue(seen != null, "the thread was marked exited");
            assertEquals("sched-exit-name", name[0]);
            assertEquals(null, probe.exitedName(tid), "removed after the last read");
            // the thread read its own counters shortly before it ended: the final ones are at least those
            assertTrue(seen[0] >= own[0], "final on-CPU " + seen[0] + " >= what the thread read " + own[0]);
            assertTrue(seen[0] >= 30_000_000L, "on-CPU >= 30 ms: " + seen[0]);
            assertTrue(seen[1] >= own[1] && seen[1] >= 1, "voluntary switches " + seen[1] + " >= " + own[1]);
            assertTrue(seen[2] >= own[2], "involuntary switches " + seen[2] + " >= " + own[2]);
        }
    }

    @Test
    void aThreadStartedBeforeTheProbeCountsFromItsStartAsProcDoes() throws Exception {
        java.util.concurrent.CountDownLatch burned = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch attached = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger tidBox = new AtomicInteger();
        Thread early = Thread.ofPlatform().name("sched-early").start(() -> {
            tidBox.set(KernelTests.gettid());
            KernelTests.burn(200);
            burned.countDown();
            try {
                attached.await();
                KernelTests.burn(5);
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            burned.await();
            int tid = tidBox.get();
            try (SharedMaps shared = SharedMaps.create();
                 SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults(), shared)) {
                attached.countDown();
                // the thread blocks on `done` again: from then on its counters stand still
                long[] values = null;
                long[] before = null;
                long[] after = null;
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (System.nanoTime() < deadline) {
                    before = KernelTests.procCounters(tid);
                    long[][] box = new long[1][];
                    probe.forEachThread((t, on, offVol, offInvol, runq, vs, is, w, m, exited) -> {
                        if (t == tid) {
                            box[0] = new long[] {on, vs, is};
                        }
                    });
                    values = box[0];
                    after = KernelTests.procCounters(tid);
                    if (values != null && values[0] >= 205_000_000L && java.util.Arrays.equals(before, after)) {
                        break;
                    }
                    Thread.sleep(20);
                }
                assertTrue(values != null, "the thread has an entry after it woke");
                // 200 ms burned before the probe existed are in its on-CPU time
                assertTrue(values[0] >= 205_000_000L, "on-CPU since thread start: " + values[0]);
                assertArrayEquals(java.util.Arrays.copyOf(before, 3), values,
                        "on-CPU ns, voluntary and involuntary switches as /proc has them");
            }
        } finally {
            // also when the probe failed to start: the thread waits for both
            attached.countDown();
            done.countDown();
            early.join();
        }
    }

    @Test
    void runQueueHistogramOfARunningThread() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults(), shared)) {
            int me = KernelTests.gettid();
            for (int i = 0; i < 20; i++) {
                Thread.sleep(2);
            }
            long[] h = new long[64];
            assertTrue(probe.runqHistogram(me, h), "histogram for the test thread");
            long total = 0;
            for (long v : h) {
                total += v;
            }
            assertTrue(total >= 10, "wakeups after sleeps counted: " + total);

            // from inside the visitor the histogram comes from the entry being visited: the
            // same counts as the lookup (a sleeping thread's histogram does not move)
            long[] inVisit = new long[64];
            long[] looked = new long[64];
            AtomicInteger sleeperTidBox = new AtomicInteger();
            Thread sleeper = Thread.ofPlatform().start(() -> {
                sleeperTidBox.set(KernelTests.gettid());
                KernelTests.sleep(1000);
            });
            Thread.sleep(100);
            int sleeperTid = sleeperTidBox.get();
            boolean[] seen = new boolean[1];
            probe.forEachThread((tid, on, offVol, offInvol, runq, vs, is, w, m, exited) -> {
                if (tid == sleeperTid) {
                    seen[0] = probe.runqHistogram(tid, inVisit);
                }
            });
            assertTrue(seen[0], "the sleeping thread was visited with a histogram");
            assertTrue(probe.runqHistogram(sleeperTid, looked));
            assertArrayEquals(looked, inVisit);
            sleeper.interrupt();
            sleeper.join();
        }
    }
}
