package io.ebpfagent.agent.context;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.api.trace.Tracer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SpanTotalsTest {
    private record Drained(String name, String route, long cpu) {
    }

    @Test
    void aServerSpanRenamedWhenRoutedIsDrainedUnderItsFinalNameAndRoute() {
        Span span = SdkTracerProvider.builder().build().get("test").spanBuilder("GET").startSpan();
        SpanTotals totals = new SpanTotals(64, 60_000_000_000L);
        SpanNaming naming = new SpanNaming();
        long id = Long.parseUnsignedLong(span.getSpanContext().getSpanId(), 16);
        long[] values = new long[KernelTimes.COUNT];

        // a scope of the span closes before the request is routed, as with the OpenTelemetry Java agent
        values[KernelTimes.CPU] = 100;
        assertThat(totals.add(id, values, 1, span, naming)).isTrue();
        assertThat(values[KernelTimes.CPU]).isEqualTo(100);
        span.updateName("GET /orders");
        span.setAttribute("http.route", "/orders");
        java.util.Arrays.fill(values, 0);
        values[KernelTimes.CPU] = 50;
        assertThat(totals.add(id, values, 2, span, naming)).isTrue();
        assertThat(values[KernelTimes.CPU]).as("the span's total so far").isEqualTo(150);
        span.end();

        List<Drained> drained = new ArrayList<>();
        assertThat(totals.drainIdle(10, 0, (name, route, nanos) -> drained.add(
                new Drained(name, route, nanos[KernelTimes.CPU])))).isEqualTo(1);
        assertThat(drained).containsExactly(new Drained("GET /orders", "/orders", 150));
    }

    @Test
    void aSpanWithoutRouteKeepsItsName() {
        Span span = SdkTracerProvider.builder().build().get("test").spanBuilder("GET").startSpan();
        SpanTotals totals = new SpanTotals(64, 60_000_000_000L);
        long id = Long.parseUnsignedLong(span.getSpanContext().getSpanId(), 16);
        long[] delta = new long[KernelTimes.COUNT];
        delta[KernelTimes.CPU] = 7;
        totals.add(id, delta, 1, span, new SpanNaming());
        List<Drained> drained = new ArrayList<>();
        totals.drainIdle(10, 0, (name, route, nanos) -> drained.add(new Drained(name, route, nanos[KernelTimes.CPU])));
        assertThat(drained).containsExactly(new Drained("GET", null, 7));
    }

    @Test
    void aSpanNotIdleYetIsKeptAndDrainedOnceIdleAndAnEmptyTableDrainsNothing() {
        Span span = SdkTracerProvider.builder().build().get("test").spanBuilder("GET").startSpan();
        SpanTotals totals = new SpanTotals(64, 60_000_000_000L);
        List<Drained> drained = new ArrayList<>();
        SpanBreakdownSink sink = (name, route, nanos) -> drained.add(new Drained(name, route, nanos[KernelTimes.CPU]));
        assertThat(totals.drainIdle(100, 0, sink)).as("nothing ever claimed").isZero();
        long id = Long.parseUnsignedLong(span.getSpanContext().getSpanId(), 16);
        long[] delta = new long[KernelTimes.COUNT];
        delta[KernelTimes.CPU] = 9;
        totals.add(id, delta, 100, span, new SpanNaming());
        // touched at 100: not idle for 50 ns at 120, so it stays (and so does the drain's interest in it)
        assertThat(totals.drainIdle(120, 50, sink)).isZero();
        assertThat(totals.drainIdle(130, 50, sink)).isZero();
        assertThat(totals.drainIdle(200, 50, sink)).isEqualTo(1);
        assertThat(drained).containsExactly(new Drained("GET", null, 9));
        assertThat(totals.drainIdle(300, 50, sink)).as("drained already").isZero();
        // a span claimed after the table emptied is drained again
        java.util.Arrays.fill(delta, 0);
        delta[KernelTimes.CPU] = 4;
        totals.add(id + 1, delta, 400, span, new SpanNaming());
        assertThat(totals.drainIdle(500, 50, sink)).isEqualTo(1);
        assertThat(drained).hasSize(2);
    }

    /**    /**
     * Scopes of the same spans closing on several threads at once (a request and its pool tasks):
     * every claim of a fresh span races, and no addition may be lost or land in a stale entry.
     */
    @Test
    void concurrentClosesOfTheSameSpansAddUpExactly() throws Exception {
        int workers = 4;
        int phases = 100;
        int spansPerPhase = 40;
        int closesPerSpan = 50;
        SpanTotals totals = new SpanTotals(128, Long.MAX_VALUE);
        SpanNaming naming = new SpanNaming();
        Tracer tracer = SdkTracerProvider.builder().build().get("test");
        Span[][] spans = new Span[phases][spansPerPhase];
        long[][] ids = new long[phases][spansPerPhase];
        for (int p = 0; p < phases; p++) {
            for (int k = 0; k < spansPerPhase; k++) {
                spans[p][k] = tracer.spanBuilder("p" + p + "s" + k).startSpan();
                ids[p][k] = Long.parseUnsignedLong(spans[p][k].getSpanContext().getSpanId(), 16);
            }
        }
        CyclicBarrier barrier = new CyclicBarrier(workers + 1);
        AtomicReference<String> failure = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicIntegerArray gaveUp = new java.util.concurrent.atomic.AtomicIntegerArray(
                phases * spansPerPhase);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Thread thread = new Thread(() -> {
                long[] values = new long[KernelTimes.COUNT];
                long[] lastSeen = new long[spansPerPhase];
                try {
                    for (int p = 0; p < phases; p++) {
                        barrier.await(60, TimeUnit.SECONDS);
                        java.util.Arrays.fill(lastSeen, 0);
                        for (int r = 0; r < closesPerSpan; r++) {
                            for (int k = 0; k < spansPerPhase; k++) {
                                java.util.Arrays.fill(values, 0);
                                values[KernelTimes.CPU] = 1;
                                values[KernelTimes.SYSCALLS] = 3;
                                if (!totals.add(ids[p][k], values, 1, spans[p][k], naming)) {
                                    // gave up waiting for a preempted claimer (1 ms): not added
                                    gaveUp.incrementAndGet(p * spansPerPhase + k);
                                } else if (values[KernelTimes.CPU] <= lastSeen[k]) {
                                    failure.compareAndSet(null, "total went back from " + lastSeen[k]
                                            + " to " + values[KernelTimes.CPU]);
                                } else {
                                    lastSeen[k] = values[KernelTimes.CPU];
                                }
                            }
                        }
                        barrier.await(60, TimeUnit.SECONDS);
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e.toString());
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (int p = 0; p < phases; p++) {
            barrier.await(60, TimeUnit.SECONDS);
            barrier.await(60, TimeUnit.SECONDS);
            Map<String, long[]> drained = new HashMap<>();
            int count = totals.drainIdle(2, 0, (name, route, nanos) -> drained.put(name, nanos.clone()));
            assertThat(failure.get()).isNull();
            assertThat(count).isEqualTo(spansPerPhase);
            for (int k = 0; k < spansPerPhase; k++) {
                long[] nanos = drained.get("p" + p + "s" + k);
                assertThat(nanos).as("span %d of phase %d", k, p).isNotNull();
                long added = (long) workers * closesPerSpan - gaveUp.get(p * spansPerPhase + k);
                assertThat(nanos[KernelTimes.CPU]).isEqualTo(added);
                assertThat(nanos[KernelTimes.SYSCALLS]).isEqualTo(3 * added);
                assertThat(nanos[KernelTimes.GC]).isZero();
            }
        }
        for (Thread thread : threads) {
            thread.join(60_000);
        }
        assertThat(failure.get()).isNull();
    }

    /**
     * A close that finds its span's entry being claimed by a thread that was preempted in the
     * middle waits for it, or gives up; it never opens a second entry for the span further on.
     * The claim in progress is made by hand in the table, as a preempted claimer leaves it.
     */
    /**
     * A request thread whose scope stays open for seconds while its pool task's scope closed early:
     * its span is not drained as idle in between (a close after that would start the span's totals
     * over, and its attributes would lack the task's time), only once no scope of it is open.
     */
    @Test
    void aSpanWithAnOpenScopeIsNotDrainedWhileItWaits() {
        Span span = SdkTracerProvider.builder().build().get("test").spanBuilder("GET").startSpan();
        long id = Long.parseUnsignedLong(span.getSpanContext().getSpanId(), 16);
        SpanNaming naming = new SpanNaming();
        long second = 1_000_000_000L;
        SpanTotals totals = new SpanTotals(64, 60 * second);
        List<Drained> drained = new ArrayList<>();
        SpanBreakdownSink sink = (name, route, nanos) -> drained.add(new Drained(name, route, nanos[KernelTimes.CPU]));

        int request = totals.register(id, 3, 1);
        long[] values = new long[KernelTimes.COUNT];
        values[KernelTimes.CPU] = 10;
        totals.add(id, values, 2, span, naming); // the pool task's scope
        assertThat(totals.drainIdle(3 * second, second, sink)).as("its request's scope is still open").isZero();
        totals.unregister(request, 3);
        java.util.Arrays.fill(values, 0);
        values[KernelTimes.CPU] = 5;
        totals.add(id, values, 3 * second, span, naming); // the request's scope
        assertThat(values[KernelTimes.CPU]).as("the totals of both").isEqualTo(15);
        assertThat(totals.drainIdle(5 * second, second, sink)).isEqualTo(1);
        assertThat(drained).containsExactly(new Drained("GET", null, 15));

        // an open scope whose thread never closed it holds its span only up to the entry's age limit
        SpanTotals limited = new SpanTotals(64, 10 * second);
        limited.register(id, 3, 1);
        limited.add(id, values, 2, span, naming);
        assertThat(limited.drainIdle(5 * second, second, sink)).isZero();
        assertThat(limited.drainIdle(20 * second, second, sink)).isEqualTo(1);
    }

    @Test
    void aCloseNeverPassesAClaimInProgress() throws Exception {
        for (long holdMillis : new long[] {3, 60}) {
            Span span = SdkTracerProvider.builder().build().get("test").spanBuilder("held").startSpan();
            long id = Long.parseUnsignedLong(span.getSpanContext().getSpanId(), 16);
            SpanTotals totals = new SpanTotals(64, Long.MAX_VALUE);
            java.lang.reflect.Field field = SpanTotals.class.getDeclaredField("table");
            field.setAccessible(true);
            java.util.concurrent.atomic.AtomicLongArray table = (java.util.concurrent.atomic.AtomicLongArray) field.get(totals);
            java.lang.reflect.Method mix = SpanTotals.class.getDeclaredMethod("mix", long.class);
            mix.setAccessible(true);
            int stride = table.length() / 64;
            int base = ((int) (long) mix.invoke(null, id) & 63) * stride;
            table.set(base, Long.MIN_VALUE); // CLAIMING
            // as a claim does: a closer that starts late (a loaded machine) finds the entry made
            // and adds to it without a claim of its own, and the drain must still look
            java.lang.reflect.Field occupied = SpanTotals.class.getDeclaredField("occupied");
            occupied.setAccessible(true);
            occupied.setBoolean(totals, true);

            long[] values = new long[KernelTimes.COUNT];
            values[KernelTimes.CPU] = 5;
            boolean[] added = new boolean[1];
            Thread closer = new Thread(() -> added[0] = totals.add(id, values, 1, span, new SpanNaming()));
            closer.start();
            Thread.sleep(holdMillis);
            table.set(base + 2 + KernelTimes.CPU, 7);
            table.set(base + 1, 1);
            table.set(base, id);
            closer.join(60_000);

            List<Drained> drained = new ArrayList<>();
            totals.drainIdle(2, 0, (name, route, nanos) -> drained.add(new Drained(name, route, nanos[KernelTimes.CPU])));
            // the hand-made claim has no name: the span's name is there only if the close added to it
            List<Long> cpu = drained.stream().map(Drained::cpu).toList();
            if (added[0]) {
                assertThat(drained).as("held %d ms", holdMillis).containsExactly(new Drained("held", null, 12));
            } else {
                assertThat(cpu).as("held %d ms: gave up, nothing added anywhere", holdMillis).isEmpty();
            }
            if (holdMillis >= 60) {
                assertThat(added[0]).as("a claim held longer than the wait is given up on").isFalse();
            }
        }
    }
}
