package io.ebpfagent.agent.context;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Kernel time per span, summed over every scope of the span on every thread (a request thread
 * and the pool threads it hands work to add into the same entry). A fixed open-addressing table
 * keyed by span id, allocation-free on the scope path: an entry is claimed with a CAS on its key
 * and its values are added atomically. A close that meets a claim in progress on its way waits for
 * it (a few stores, unless the claiming thread was preempted), at most 1 ms, and then leaves its
 * scope unaccounted rather than open a second entry of the span. {@link #drainIdle} hands the totals of spans
 * no scope touched for a while to a sink (one value per span for the per-span-name histograms) and
 * frees their entries; an entry untouched for {@code maxAgeNanos} is taken over by a new span even
 * when nobody drains. An entry also lists the threads whose outermost open scope is of its span
 * ({@link #register}), which every add harvests first ({@link OpenScopes}).
 */
final class SpanTotals {

    private static final int PROBES = 16;
    /** Marks an entry being claimed; a span whose id happens to be this value is not accounted. */
    private static final long CLAIMING = Long.MIN_VALUE;
    /*
     * One entry is its key, its stamp, its values and the threads with an open outermost scope of
     * the span side by side (22 longs: three cache lines), and its name and route side by side: a
     * scope closes after the request did its work, with the table out of the CPU's caches, and
     * separate arrays cost a miss each.
     */
    private static final int KEY = 0;
    private static final int STAMP = 1;
    private static final int VALUES = 2;
    /** Handle + 1 in {@link OpenScopes} of each thread whose outermost open scope is of this span, 0: none. */
    private static final int OPEN = VALUES + KernelTimes.COUNT;
    /** How many such threads a span can have harvested at once (a request thread and its pool tasks). */
    static final int OPEN_CELLS = 6;
    private static final int STRIDE = OPEN + OPEN_CELLS;
    private static final long[] NOTHING = new long[KernelTimes.COUNT];
    /** How long a close waits for another thread's claim of an entry it needs to look at. */
    private static final long CLAIM_WAIT_NANOS = 1_000_000;
    /** Flags an entry index from {@link #entryOf} as claimed by that call. */
    private static final int CLAIMED = 1 << 30;
    private static final int NAME = 0;
    private static final int ROUTE = 1;
    private final int mask;
    private final AtomicLongArray table;
    private final long maxAgeNanos;
    /** Per entry the span's name and route, once known ({@code null}: not yet). */
    private final String[] labels;
    private final long[] drained = new long[KernelTimes.COUNT];
    /**
     * Whether an entry may be in use: set by a claim, cleared by a drain that left none, so that
     * the collector's drain of an idle JVM does not walk the whole table every time. A claim's
     * volatile store of its key and this flag's volatile read, against the drain's volatile clear
     * and reads of the keys, make sure either the drain sees the key or the claim sees the clear.
     */
    private volatile boolean occupied;

    /** {@code capacity} is rounded up to a power of two. */
    SpanTotals(int capacity, long maxAgeNanos) {
        int size = Integer.highestOneBit(Math.max(PROBES, Math.min(capacity, CLAIMED / STRIDE) - 1)) << 1;
        this.mask = size - 1;
        this.table = new AtomicLongArray(size * STRIDE);
        this.maxAgeNanos = maxAgeNanos;
        this.labels = new String[size * 2];
    }

    /**
     * Adds the scope's {@code values[0 .. COUNT)} to span {@code spanId}'s totals and leaves the
     * new totals in {@code values}; records the span's name and route for the histograms when they
     * are not known yet ({@code span}: the span object, read through {@code naming}). False, with
     * nothing added, when the table has no room near the span's hash.
     */
    boolean add(long spanId, long[] values, long now, Object span, SpanNaming naming) {
        return add(spanId, values, now, span, naming, null, -1, null);
    }

    /**
     * As {@link #add(long, long[], long, Object, SpanNaming)}, first harvesting (see
     * {@link OpenScopes}) the open outermost scopes of the span that threads other than
     * {@code ownHandle} {@linkplain #register registered}, with {@code scratch} (COUNT longs) as
     * working space.
     */
    boolean add(long spanId, long[] values, long now, Object span, SpanNaming naming, OpenScopes open, int ownHandle,
            long[] scratch) {
        int entry = addEntry(spanId, values, now, open, ownHandle, scratch);
        if (entry < 0) {
            return false;
        }
        int label = entry * 2;
        if (span != null && labels[label + ROUTE] == null) {
            if (labels[label + NAME] == null) {
                labels[label + NAME] = naming.name(span);
            }
            // often set only once the request was routed: asked again at every close until known
            String route = naming.route(span);
            if (route != null) {
                labels[label + ROUTE] = route;
                // The OpenTelemetry Java agent names a server span "GET" when it starts and
                // "GET /orders" when it routes the request, and a scope of the span may close
                // before that (the demo shop's spans were recorded as "GET" with http.route
                // "/orders"): the name is read again with the route.
                String name = naming.name(span);
                if (name != null) {
                    labels[label + NAME] = name;
                }
            }
        }
        return true;
    }

    /**
     * Hands every span whose totals no scope changed for {@code idleNanos} to {@code sink} and frees
     * its entry; returns how many. A span with a registered open scope is not idle, however long
     * since a scope of it last closed (a request waiting seconds for its pool task), unless its
     * entry is older than {@code maxAgeNanos} (a scope whose thread died before it closed). One
     * thread at a time (the collector).
     */
    int drainIdle(long now, long idleNanos, SpanBreakdownSink sink) {
        if (!occupied) {
            return 0;
        }
        occupied = false;
        int count = 0;
        int left = 0;
        for (int entry = 0; entry <= mask; entry++) {
            int base = entry * STRIDE;
            long key = table.get(base + KEY);
            if (key == 0) {
                continue;
            }
            long age = now - table.get(base + STAMP);
            if (key == CLAIMING || age <= idleNanos || (age <= maxAgeNanos && hasOpenScopes(base))) {
                left++;
                continue;
            }
            for (int i = 0; i < KernelTimes.COUNT; i++) {
                drained[i] = table.get(base + VALUES + i);
            }
            String name = labels[entry * 2 + NAME];
            String route = labels[entry * 2 + ROUTE];
            // freed only if no scope claimed it meanwhile; else it is drained next time
            if (table.compareAndSet(base + KEY, key, 0)) {
                labels[entry * 2 + NAME] = null;
                labels[entry * 2 + ROUTE] = null;
                if (name != null) {
                    sink.accept(name, route, drained);
                }
                count++;
            } else {
                left++;
            }
        }
        if (left > 0) {
            occupied = true;
        }
        return count;
    }

    /**
     * Notes that a thread opened its outermost scope, of span {@code spanId}, as {@code handle} in
     * {@link OpenScopes}, so that closes of the span's other scopes harvest it; claims the span's
     * entry if it has none.
     * Returns the registration for {@link #unregister}, or -1 when the span has no room for more.
     */
    int register(long spanId, int handle, long now) {
        if (spanId == 0 || spanId == CLAIMING || handle < 0) {
            return -1;
        }
        int entry = entryOf(spanId, now, NOTHING);
        if (entry < 0) {
            return -1;
        }
        entry &= ~CLAIMED;
        int base = entry * STRIDE;
        table.setRelease(base + STAMP, now);
        for (int cell = 0; cell < OPEN_CELLS; cell++) {
            if (table.get(base + OPEN + cell) == 0 && table.compareAndSet(base + OPEN + cell, 0, handle + 1L)) {
                return entry * OPEN_CELLS + cell;
            }
        }
        return -1;
    }

    /**
     * The registered scope closed. A registration whose entry went to another span meanwhile (it
     * was drained) has been cleared by that span's claim: nothing to do then.
     */
    void unregister(int registration, int handle) {
        if (registration >= 0) {
            int at = (registration / OPEN_CELLS) * STRIDE + OPEN + registration % OPEN_CELLS;
            table.compareAndSet(at, handle + 1L, 0);
        }
    }

    private int addEntry(long spanId, long[] values, long now, OpenScopes open, int ownHandle, long[] scratch) {
        if (spanId == 0 || spanId == CLAIMING) {
            return -1;
        }
        int entry = entryOf(spanId, now, values);
        if (entry < 0) {
            return -1;
        }
        if ((entry & CLAIMED) != 0) {
            return entry & ~CLAIMED; // a new entry holds the scope's values: they are the totals
        }
        int base = entry * STRIDE;
        // the drain only needs to see a recent stamp eventually: no fence (a volatile store is one)
        table.setRelease(base + STAMP, now);
        if (open != null) {
            harvest(base, spanId, open, ownHandle, scratch);
        }
        for (int i = 0; i < KernelTimes.COUNT; i++) {
            long d = values[i];
            // another thread's scope of the same span (a pool task) may add at the same time
            values[i] = d == 0 ? table.get(base + VALUES + i) : table.addAndGet(base + VALUES + i, d);
        }
        return entry;
    }

    private boolean hasOpenScopes(int base) {
        for (int cell = 0; cell < OPEN_CELLS; cell++) {
            if (table.get(base + OPEN + cell) != 0) {
                return true;
            }
        }
        return false;
    }

    /** Adds what the registered open scopes of other threads did so far to the entry at {@code base}. */
    private void harvest(int base, long spanId, OpenScopes open, int ownHandle, long[] scratch) {
        for (int cell = 0; cell < OPEN_CELLS; cell++) {
            long registered = table.get(base + OPEN + cell);
            if (registered == 0 || registered - 1 == ownHandle || !open.harvest((int) (registered - 1), spanId, scratch)) {
                continue;
            }
            for (int i = 0; i < KernelTimes.COUNT; i++) {
                if (scratch[i] != 0) {
                    table.getAndAdd(base + VALUES + i, scratch[i]);
                }
            }
        }
    }

    /**
     * The span's entry; for an entry claimed now with {@code values} as its totals, or-ed with
     * {@link #CLAIMED}.
     */
    private int entryOf(long spanId, long now, long[] values) {
        int start = (int) mix(spanId) & mask;
        for (int probe = 0; probe < PROBES; probe++) {
            int entry = (start + probe) & mask;
            int base = entry * STRIDE;
            while (true) {
                long key = table.get(base + KEY);
                if (key == CLAIMING) {
                    // Never passed while claimed: the claim may be for this span, and a second
                    // entry of it further on would split its totals.
                    key = awaitClaimed(base);
                    if (key == CLAIMING) {
                        return -1;
                    }
                }
                if (key == spanId) {
                    return entry;
                }
                boolean free = key == 0 || now - table.get(base + STAMP) > maxAgeNanos;
                if (!free) {
                    break;
                }
                // Claimed in two steps, so that nobody adds to the entry before it holds this
                // scope's values: the CAS to CLAIMING keeps others out, the (volatile) store of the
                // key publishes the values (plain stores before it: no fence, no atomic add each).
                if (table.compareAndSet(base + KEY, key, CLAIMING)) {
                    table.setPlain(base + STAMP, now);
                    for (int i = 0; i < KernelTimes.COUNT; i++) {
                        table.setPlain(base + VALUES + i, values[i]);
                    }
                    for (int cell = 0; cell < OPEN_CELLS; cell++) {
                        table.setPlain(base + OPEN + cell, 0);
                    }
                    labels[entry * 2 + NAME] = null;
                    labels[entry * 2 + ROUTE] = null;
                    // volatile, not release: ordered before the read of occupied (see there)
                    table.set(base + KEY, spanId);
                    if (!occupied) {
                        occupied = true;
                    }
                    return entry | CLAIMED;
                }
                // another thread changed the entry meanwhile (perhaps claimed it for this span)
            }
        }
        return -1;
    }

    /**
     * Waits for a claim of the entry at {@code base} to finish: a few plain stores, unless the
     * claiming thread was preempted in between. Gives up after {@link #CLAIM_WAIT_NANOS}
     * (returning {@link #CLAIMING}) rather than block a thread of the application.
     */
    private long awaitClaimed(int base) {
        long key = table.get(base + KEY);
        for (int spins = 0; key == CLAIMING && spins < 1000; spins++) {
            Thread.onSpinWait();
            key = table.get(base + KEY);
        }
        long deadline = System.nanoTime() + CLAIM_WAIT_NANOS;
        while (key == CLAIMING && System.nanoTime() - deadline < 0) {
            Thread.yield();
            key = table.get(base + KEY);
        }
        return key;
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return x;
    }
}
