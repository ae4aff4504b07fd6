package io.ebpfagent.agent.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Harvests of open outermost scopes by other threads' closes of the same span, over a plain
 * memory segment laid out as the kernel's {@code span_times} slots (the test writes the counters
 * the kernel would).
 */
class OpenScopesTest {
    private static final long SPAN = 0x1234_5678_9abc_def0L;

    @Test
    void aHarvestCountsTheOpenScopeSoFarAndItsCloseOnlyTheRest() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = arena.allocate(KernelTimes.SLOT_SIZE * 4, 8);
            KernelTimes times = new KernelTimes(slots, null);
            OpenScopes open = new OpenScopes(times, 4);
            SpanTotals totals = new SpanTotals(64, 60_000_000_000L);
            long[] scratch = new long[KernelTimes.COUNT];
            int pool = 1;
            int request = 2;

            setCpu(slots, pool, 1_000);
            long[] starts = new long[KernelTimes.COUNT];
            times.read(pool, starts, 0);
            assertThat(open.open(pool, SPAN, starts, 0)).isTrue();
            int registration = totals.register(SPAN, pool, 1);
            assertThat(registration).isNotNegative();

            // the pool thread works 30 units, then the request thread closes the span's scope
            setCpu(slots, pool, 1_030);
            long[] values = new long[KernelTimes.COUNT];
            values[KernelTimes.CPU] = 5;
            assertThat(totals.add(SPAN, values, 2, null, new SpanNaming(), open, request, scratch)).isTrue();
            assertThat(values[KernelTimes.CPU]).as("the request's 5 and the pool's 30 so far").isEqualTo(35);

            // the pool thread works 7 more units, then closes its scope
            setCpu(slots, pool, 1_037);
            long[] now = new long[KernelTimes.COUNT];
            times.read(pool, now, 0);
            totals.unregister(registration, pool);
            assertThat(open.close(pool, starts, 0)).isTrue();
            assertThat(starts[KernelTimes.CPU]).as("the start moved to the harvest").isEqualTo(1_030);
            long[] rest = new long[KernelTimes.COUNT];
            rest[KernelTimes.CPU] = now[KernelTimes.CPU] - starts[KernelTimes.CPU];
            assertThat(totals.add(SPAN, rest, 3, null, new SpanNaming(), open, pool, scratch)).isTrue();
            assertThat(rest[KernelTimes.CPU]).as("every unit once").isEqualTo(42);

            // closed: a later close of the span harvests nothing more from it
            setCpu(slots, pool, 2_000);
            java.util.Arrays.fill(values, 0);
            totals.add(SPAN, values, 4, null, new SpanNaming(), open, request, scratch);
            assertThat(values[KernelTimes.CPU]).isEqualTo(42);
        }
    }

    @Test
    void onlyScopesOfTheClosingSpanAndOfOtherThreadsAreHarvested() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = arena.allocate(KernelTimes.SLOT_SIZE * 4, 8);
            KernelTimes times = new KernelTimes(slots, null);
            OpenScopes open = new OpenScopes(times, 4);
            long[] starts = new long[KernelTimes.COUNT];
            long[] deltas = new long[KernelTimes.COUNT];
            assertThat(open.open(0, SPAN, starts, 0)).isTrue();
            setCpu(slots, 0, 10);
            assertThat(open.harvest(0, SPAN + 1, deltas)).as("another span's scope").isFalse();
            assertThat(open.harvest(1, SPAN, deltas)).as("a slot with no open scope").isFalse();
            assertThat(open.harvest(0, SPAN, deltas)).isTrue();
            assertThat(deltas[KernelTimes.CPU]).isEqualTo(10);

            // the slot goes to another thread: the previous owner's open scope is not harvested
            open.forget(0);
            setCpu(slots, 0, 50);
            assertThat(open.harvest(0, SPAN, deltas)).isFalse();
            assertThat(open.open(0, SPAN, starts, 0)).as("the new owner opens its own").isTrue();
        }
    }

    @Test
    void aVirtualThreadsScopeIsHarvestedThroughItsClockAndOnlyForTheScopeOpenAtTheRead() {
        try (Arena arena = Arena.ofConfined()) {
            KernelTimes times = new KernelTimes(arena.allocate(KernelTimes.SLOT_SIZE * 4, 8), null);
            OpenScopes open = new OpenScopes(times, 4);
            long[] clockNow = new long[KernelTimes.COUNT];
            Runnable[] duringRead = {() -> { }};
            OpenScopes.VirtualClock clock = (t, into) -> {
                duringRead[0].run();
                System.arraycopy(clockNow, 0, into, 0, KernelTimes.COUNT);
                return true;
            };
            int handle = open.openVirtual(clock);
            assertThat(handle).as("after the platform slots").isGreaterThanOrEqualTo(4);
            long[] starts = new long[KernelTimes.COUNT];
            starts[KernelTimes.CPU] = 100;
            assertThat(open.open(handle, SPAN, starts, 0)).isTrue();
            clockNow[KernelTimes.CPU] = 130;
            long[] deltas = new long[KernelTimes.COUNT];
            assertThat(open.harvest(handle, SPAN, deltas)).isTrue();
            assertThat(deltas[KernelTimes.CPU]).isEqualTo(30);

            // the scope closes and another virtual thread's scope gets the handle while a harvest
            // reads the first one's clock: the read is not counted against the new scope
            duringRead[0] = () -> {
                long[] closed = new long[KernelTimes.COUNT];
                assertThat(open.close(handle, closed, 0)).as("closing also frees the handle").isTrue();
                assertThat(open.openVirtual(clock)).isEqualTo(handle);
                long[] fresh = new long[KernelTimes.COUNT];
                fresh[KernelTimes.CPU] = 5;
                assertThat(open.open(handle, SPAN, fresh, 0)).isTrue();
                duringRead[0] = () -> { };
            };
            clockNow[KernelTimes.CPU] = 500;
            assertThat(open.harvest(handle, SPAN, deltas)).isFalse();
            long[] rest = new long[KernelTimes.COUNT];
            assertThat(open.close(handle, rest, 0)).isTrue();
            assertThat(rest[KernelTimes.CPU]).as("the new scope's start, untouched").isEqualTo(5);
        }
    }

    @Test
    void aSpanHoldsAtMostItsCellsOfOpenScopesAndFreesThemOnClose() {
        SpanTotals totals = new SpanTotals(64, 60_000_000_000L);
        int[] registrations = new int[SpanTotals.OPEN_CELLS];
        for (int slot = 0; slot < SpanTotals.OPEN_CELLS; slot++) {
            registrations[slot] = totals.register(SPAN, slot, 1);
            assertThat(registrations[slot]).isNotNegative();
        }
        assertThat(totals.register(SPAN, SpanTotals.OPEN_CELLS, 1)).as("no room").isNegative();
        totals.unregister(registrations[2], 2);
        assertThat(totals.register(SPAN, 99, 1)).as("a freed cell is reused").isEqualTo(registrations[2]);
    }

    /**
     * A scope's owner opens, works and closes scopes of one span over and over while two other
     * threads close scopes of the same span (harvesting it) as fast as they can: the span's total is
     * every unit of work once, never more, less only by what a close left to a harvest that was
     * preempted (the test counts those scopes).
     */
    @Test
    void harvestsRacingTheOwnersClosesCountEveryUnitOnce() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment slots = arena.allocate(KernelTimes.SLOT_SIZE * 4, 8);
            KernelTimes times = new KernelTimes(slots, null);
            OpenScopes open = new OpenScopes(times, 4);
            SpanTotals totals = new SpanTotals(64, 60_000_000_000L);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong harvests = new AtomicLong();
            Thread[] harvesters = new Thread[2];
            for (int h = 0; h < harvesters.length; h++) {
                int slot = 1 + h;
                harvesters[h] = Thread.ofPlatform().start(() -> {
                    long[] zeros = new long[KernelTimes.COUNT];
                    long[] scratch = new long[KernelTimes.COUNT];
                    SpanNaming naming = new SpanNaming();
                    while (!stop.get()) {
                        java.util.Arrays.fill(zeros, 0);
                        totals.add(SPAN, zeros, System.nanoTime(), null, naming, open, slot, scratch);
                        harvests.incrementAndGet();
                    }
                });
            }
            int owner = 0;
            long cpu = 0;
            long worked = 0;
            long lostAtMost = 0;
            int abandoned = 0;
            long[] starts = new long[KernelTimes.COUNT];
            long[] now = new long[KernelTimes.COUNT];
            long[] scratch = new long[KernelTimes.COUNT];
            SpanNaming naming = new SpanNaming();
            long deadline = System.nanoTime() + 3_000_000_000L;
            int scopes = 0;
            while (scopes < 200_000 || harvests.get() < 200_000) {
                long clock = times.read(owner, starts, 0);
                // as the publisher: a record still held by a harvest of the previous scope is not
                // reused, and this scope is then accounted by its own close alone
                boolean opened = open.open(owner, SPAN, starts, 0);
                int registration = opened ? totals.register(SPAN, owner, clock) : -1;
                long scopeWork = 0;
                for (int step = ThreadLocalRandom.current().nextInt(1, 5); step > 0; step--) {
                    long unit = ThreadLocalRandom.current().nextLong(1, 100);
                    cpu += unit;
                    scopeWork += unit;
                    setCpu(slots, owner, cpu);
                }
                worked += scopeWork;
                clock = times.read(owner, now, 0);
                totals.unregister(registration, owner);
                if (!opened || open.close(owner, starts, 0)) {
                    now[KernelTimes.CPU] = Math.max(0, now[KernelTimes.CPU] - starts[KernelTimes.CPU]);
                    for (int i = 1; i < KernelTimes.COUNT; i++) {
                        now[i] = 0;
                    }
                    totals.add(SPAN, now, clock, null, naming, open, owner, scratch);
                } else {
                    abandoned++;
                    lostAtMost += scopeWork;
                }
                scopes++;
                if (System.nanoTime() > deadline && scopes >= 1_000) {
                    break;
                }
            }
            stop.set(true);
            for (Thread h : harvesters) {
                h.join();
            }
            // the span's totals: what an add of nothing answers
            long[] last = new long[KernelTimes.COUNT];
            totals.add(SPAN, last, System.nanoTime(), null, naming, open, 3, scratch);
            assertThat(last[KernelTimes.CPU]).as("%d scopes, %d harvests, %d left to a preempted harvest", scopes,
                    harvests.get(), abandoned).isLessThanOrEqualTo(worked).isGreaterThanOrEqualTo(worked - lostAtMost);
            if (abandoned == 0) {
                assertThat(last[KernelTimes.CPU]).isEqualTo(worked);
            }
        }
    }

    private static void setCpu(MemorySegment slots, int slot, long nanos) {
        slots.set(ValueLayout.JAVA_LONG, slot * KernelTimes.SLOT_SIZE, nanos);
    }
}
