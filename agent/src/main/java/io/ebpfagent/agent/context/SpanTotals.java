package io.ebpfagent.agent.context;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Kernel time per span, summed over every scope of the span on every thread (a request thread
 * and the pool threads it hands work to add into the same entry). A fixed open-addressing table
 * keyed by span id, lock-free and allocation-free on the scope path: an entry is claimed with a
 * CAS on its key and its values are added atomically. {@link #drainIdle} hands the totals of spans
 * no scope touched for a while to a sink (one value per span for the per-span-name histograms) and
 * frees their entries; an entry untouched for {@code maxAgeNanos} is taken over by a new span even
 * when nobody drains.
 */
final class SpanTotals {

    private static final int PROBES = 16;
    /** Marks an entry being claimed; a span whose id happens to be this value is not accounted. */
    private static final long CLAIMING = Long.MIN_VALUE;
    private final int mask;
    private final AtomicLongArray keys;
    private final AtomicLongArray stamps;
    private final AtomicLongArray values;
    private final long maxAgeNanos;
    /** Per entry the span's name and route, once known ({@code null}: not yet). */
    private final String[] names;
    private final String[] routes;
    private final long[] drained = new long[KernelTimes.COUNT];

    /** {@code capacity} is rounded up to a power of two. */
    SpanTotals(int capacity, long maxAgeNanos) {
        int size = Integer.highestOneBit(Math.max(PROBES, capacity - 1)) << 1;
        this.mask = size - 1;
        this.keys = new AtomicLongArray(size);
        this.stamps = new AtomicLongArray(size);
        this.values = new AtomicLongArray(size * KernelTimes.COUNT);
        this.maxAgeNanos = maxAgeNanos;
        this.names = new String[size];
        this.routes = new String[size];
    }

    /**
     * As {@link #add(long, long[], long[], long)}, also recording the span's name and route for the
     * histograms when they are not known yet ({@code span}: the span object, read through
     * {@code naming}).
     */
    boolean add(long spanId, long[] delta, long[] totals, long now, Object span, SpanNaming naming) {
        int entry = addEntry(spanId, delta, totals, now);
        if (entry < 0) {
            return false;
        }
        if (span != null && routes[entry] == null) {
            if (names[entry] == null) {
                names[entry] = naming.name(span);
            }
            // often set only once the request was routed: asked again at every close until known
            String route = naming.route(span);
            if (route != null) {
                routes[entry] = route;
                // The OpenTelemetry Java agent names a server span "GET" when it starts and
                // "GET /orders" when it routes the request, and a scope of the span may close
                // before that (the demo shop's spans were recorded as "GET" with http.route
                // "/orders"): the name is read again with the route.
                String name = naming.name(span);
                if (name != null) {
                    names[entry] = name;
                }
            }
        }
        return true;
    }

    /**
     * Hands every span whose totals no scope changed for {@code idleNanos} to {@code sink} and frees
     * its entry; returns how many. One thread at a time (the collector).
     */
    int drainIdle(long now, long idleNanos, SpanBreakdownSink sink) {
        int count = 0;
        for (int entry = 0; entry <= mask; entry++) {
            long key = keys.get(entry);
            if (key == 0 || key == CLAIMING || now - stamps.get(entry) <= idleNanos) {
                continue;
            }
            int base = entry * KernelTimes.COUNT;
            for (int i = 0; i < KernelTimes.COUNT; i++) {
                drained[i] = values.get(base + i);
            }
            String name = names[entry];
            String route = routes[entry];
            // freed only if no scope claimed it meanwhile; else it is drained next time
            if (keys.compareAndSet(entry, key, 0)) {
                names[entry] = null;
                routes[entry] = null;
                if (name != null) {
                    sink.accept(name, route, drained);
                }
                count++;
            }
        }
        return count;
    }

    /**
     * Adds {@code delta[0 .. COUNT)} to span {@code spanId}'s totals and copies the new totals
     * into {@code totals}; false (nothing added) when the table has no room near the span's hash.
     */
    boolean add(long spanId, long[] delta, long[] totals, long now) {
        return addEntry(spanId, delta, totals, now) >= 0;
    }

    private int addEntry(long spanId, long[] delta, long[] totals, long now) {
        if (spanId == 0 || spanId == CLAIMING) {
            return -1;
        }
        int entry = entryOf(spanId, now);
        if (entry < 0) {
            return -1;
        }
        // the drain only needs to see a recent stamp eventually: no fence (a volatile store is one)
        stamps.setRelease(entry, now);
        int base = entry * KernelTimes.COUNT;
        for (int i = 0; i < KernelTimes.COUNT; i++) {
            long d = delta[i];
            totals[i] = d == 0 ? values.get(base + i) : values.addAndGet(base + i, d);
        }
        return entry;
    }

    private int entryOf(long spanId, long now) {
        int start = (int) mix(spanId) & mask;
        for (int probe = 0; probe < PROBES; probe++) {
            int entry = (start + probe) & mask;
            long key = keys.get(entry);
            for (int spins = 0; key == CLAIMING && spins < 1000; spins++) {
                Thread.onSpinWait();
                key = keys.get(entry);
            }
            if (key == spanId) {
                return entry;
            }
            boolean stale = key != 0 && key != CLAIMING && now - stamps.get(entry) > maxAgeNanos;
            // Claimed in two steps, so that nobody adds to the entry before its values are zero.
            if ((key == 0 || stale) && keys.compareAndSet(entry, key, CLAIMING)) {
                stamps.set(entry, now);
                int base = entry * KernelTimes.COUNT;
                for (int i = 0; i < KernelTimes.COUNT; i++) {
                    values.set(base + i, 0);
                }
                names[entry] = null;
                routes[entry] = null;
                keys.set(entry, spanId);
                return entry;
            }
            if (keys.get(entry) == spanId) {
                return entry; // another thread claimed it for the same span meanwhile
            }
        }
        return -1;
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return x;
    }
}
