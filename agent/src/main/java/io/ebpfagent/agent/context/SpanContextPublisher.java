package io.ebpfagent.agent.context;

import io.ebpfagent.agent.threads.NativeThreadId;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the current span context of each OS thread into its slot of a shared memory segment
 * (in production the mmapped BPF array the kernel programs read; see {@link SpanSlotLayout}).
 *
 * <p>Writes follow a seqlock-like protocol for a reader that interrupts the writer on the same
 * CPU (a perf sample, a page fault): {@code valid=0}, ids and flags, {@code valid=1}, with store
 * fences so the JIT cannot reorder them. No syscall and no allocation per publication; the first
 * publication of a thread costs one {@code gettid} and one {@link SlotListener} call.
 *
 * <p>Virtual threads: the kernel sees the carrier. The virtual thread keeps its last published
 * context in a small per-virtual-thread record; mounting copies it into the carrier's slot,
 * unmounting clears that slot ({@link #beforeMount()}, {@link #afterMount(int)},
 * {@link #beforeUnmount()}).
 */
public final class SpanContextPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(SpanContextPublisher.class);
    private static final ValueLayout.OfLong ID = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int NO_SLOT = -1;

    /**
     * The open scopes of one thread, for the per-span kernel-time breakdown: per scope the span
     * id and the thread's kernel-time counters at its opening. Fixed depth; deeper scopes are not
     * accounted. Reused buffers, so a scope costs no allocation.
     */
    static final class Frames {
        static final int DEPTH = 32;
        static final int WIDTH = 1 + KernelTimes.COUNT;
        final long[] frames = new long[DEPTH * WIDTH];
        /**
         * At a scope's close the thread's counters, then in place the scope's deltas, then the
         * span's totals, which go to the bridge (valid until the next close). One array, not
         * three: the close runs after the request's work, with this out of the CPU's caches.
         */
        final long[] scratch = new long[KernelTimes.COUNT];
        /** Working space for harvesting other threads' open scopes of the closing span. */
        final long[] harvest = new long[KernelTimes.COUNT];
        int depth;
        /**
         * The outermost frame as other threads' closes of its span see it: its handle in
         * {@link #openIn} (-1: not published) and its registration with its span's totals.
         */
        int openHandle = NO_SLOT;
        int registration = -1;
        OpenScopes openIn;
        /**
         * The reader the open frames were read with. Each start of the breakdown makes a new
         * one, so frames left open across a stop and start are recognised and dropped: their
         * counters were not kept while it was off.
         */
        KernelTimes times;

        /**
         * Whether an open frame is of span {@code spanId}: a scope of a context derived from the
         * current one (baggage, a key of an instrumentation) has the same span, whose time the
         * enclosing frame already counts.
         */
        boolean encloses(long spanId) {
            for (int i = Math.min(depth, DEPTH) - 1; i >= 0; i--) {
                if (frames[i * WIDTH] == spanId) {
                    return true;
                }
            }
            return false;
        }

        /** Whether the frames belong to {@code t}; if not, they are dropped and start over with it. */
        boolean current(KernelTimes t) {
            if (times == t) {
                return true;
            }
            times = t;
            depth = 0;
            return false;
        }
    }

    /** The slot of one platform (or carrier) thread. */
    static final class ThreadSlot {
        final Thread thread;
        final int tid;
        final int slot;
        final Frames frames = new Frames();

        ThreadSlot(Thread thread, int tid, int slot) {
            this.thread = thread;
            this.tid = tid;
            this.slot = slot;
        }
    }

    /**
     * What a virtual thread last published, and the carrier slot it is mounted on; its own kernel
     * counters, readable by other threads' harvests ({@link OpenScopes}) under {@link #version}.
     */
    static final class VirtualState implements OpenScopes.VirtualClock {
        long traceHigh;
        long traceLow;
        long spanId;
        int flags;
        boolean valid;
        int carrierSlot = NO_SLOT;
        /** Created at the virtual thread's first scope while kernel times are read. */
        Frames frames;
        /** Kernel time of the carriers while this virtual thread was mounted, summed over mounts ... */
        long[] mountedSum;
        /** ... and the carrier's counters when it was last mounted (valid while carrierSlot >= 0). */
        long[] mountBase;
        /** Odd while the thread changes carrierSlot, mountedSum or mountBase (it alone writes them). */
        volatile long version;
        private static final int CHANGE_SPINS = 2000;

        /**
         * The thread's counters now, from another thread: its carriers' while it was mounted. A
         * close that harvests it often comes just as the thread unmounts (it completed what the
         * closing thread waited for, and parks): a change takes well under a microsecond, so the
         * read waits for one that is under way, up to {@link #CHANGE_SPINS} spins.
         */
        @Override
        public boolean read(KernelTimes times, long[] into) {
            for (int attempt = 0; attempt < CHANGE_SPINS; attempt++) {
                long v = version;
                if ((v & 1) != 0) {
                    Thread.onSpinWait();
                    continue;
                }
                long[] sum = mountedSum;
                long[] base = mountBase;
                int carrier = carrierSlot;
                if (sum == null || base == null) {
                    return false;
                }
                if (carrier >= 0) {
                    times.read(carrier, into, 0);
                }
                for (int i = 0; i < KernelTimes.COUNT; i++) {
                    into[i] = carrier >= 0 ? sum[i] + into[i] - base[i] : sum[i];
                }
                VarHandle.loadLoadFence();
                if (version == v) {
                    return true;
                }
            }
            return false;
        }

        /** Around the thread's own changes of its mount accounting. */
        void beginChange() {
            version = version + 1;
            VarHandle.storeStoreFence();
        }

        void endChange() {
            version = version + 1;
        }
    }

    private final MemorySegment slots;
    private final SlotListener listener;
    private final SlotAllocator allocator;
    private final ThreadLocal<ThreadSlot> platform = ThreadLocal.withInitial(this::assign);
    private final ThreadLocal<VirtualState> virtualStates = new ThreadLocal<>();
    private final Map<Thread, ThreadSlot> assigned = new ConcurrentHashMap<>();
    /** Until a virtual thread publishes, mounts need not look at per-virtual-thread state. */
    private volatile boolean virtualPublished;
    private volatile VarHandle carrierField;
    private volatile boolean fullLogged;
    private volatile KernelTimes times;
    /** The outermost open scopes of platform threads, read with {@link #times}; null while that is. */
    private volatile OpenScopes openScopes;
    /**
     * Made when the first scope of an application span opens or closes: its table is 2.9 MB, which a
     * JVM whose application has no spans (or only while the breakdown is off) should not hold.
     */
    private volatile SpanTotals spanTotals;
    private final SpanNaming naming = new SpanNaming();

    /**
     * @param slots    at least one 32-byte slot; {@code slots.byteSize() / 32} threads get one
     * @param listener told "tid T uses slot S"
     */
    public SpanContextPublisher(MemorySegment slots, SlotListener listener) {
        if (slots.byteSize() < SpanSlotLayout.SIZE) {
            throw new IllegalArgumentException("segment smaller than one slot: " + slots.byteSize());
        }
        this.slots = slots;
        this.listener = listener;
        this.allocator = new SlotAllocator((int) Math.min(Integer.MAX_VALUE, slots.byteSize() / SpanSlotLayout.SIZE));
    }

    public int capacity() {
        return allocator.capacity();
    }

    /**
     * Starts the per-span kernel-time breakdown: {@code spanTimes} is the sched probe's mmapped
     * {@code span_times} array, indexed like the span-context slots. Scopes opened from now on are
     * accounted.
     */
    public void readKernelTimes(MemorySegment spanTimes) {
        readKernelTimes(spanTimes, null);
    }

    /**
     * As {@link #readKernelTimes(MemorySegment)}, with the jvm probe's stop-the-world clocks
     * ({@code pauses}, null without that probe) for the overlap with GC pauses and safepoints.
     */
    public void readKernelTimes(MemorySegment spanTimes, MemorySegment pauses) {
        KernelTimes t = spanTimes == null ? null : new KernelTimes(spanTimes, pauses);
        if (t != null) {
            // Slots assigned while the breakdown was off were never started over by their thread:
            // their I/O baseline is unknown until the kernel's next switch-out stores it, and no
            // slice runs as far as they know: a thread running now starts its own at its first
            // read (KernelTimes.readOwn; else its CPU up to its next switch-out was lost: 6 of 20
            // ms of CPU of a span opened right after the switch, in a CI run)
            for (ThreadSlot slot : assigned.values()) {
                t.forgetBaseline(slot.slot, slot.tid);
            }
        }
        this.openScopes = t == null ? null : new OpenScopes(t, allocator.capacity());
        this.times = t;
    }

    /**
     * Stops the per-span kernel-time breakdown: scopes are no longer accounted, and those open now
     * never will be (also not if it is started again before they close).
     */
    public void stopKernelTimes() {
        this.times = null;
        this.openScopes = null;
    }

    /** Whether scopes are accounted now. */
    public boolean readsKernelTimes() {
        return times != null;
    }

    /**
     * A scope opened on the calling thread: publishes its span and remembers the thread's kernel
     * time counters for {@link #exit}.
     */
    public void enter(String traceIdHex, String spanIdHex, int flags) {
        publish(traceIdHex, spanIdHex, flags);
        KernelTimes t = times;
        if (t == null) {
            return;
        }
        // Every scope gets a frame, also one without a span (id 0) and one of a span an enclosing
        // frame already counts (id 0 too): closes pop them in order.
        long spanId = traceIdHex == null ? 0 : parseHexOrZero(spanIdHex, 0);
        Thread thread = Thread.currentThread();
        Frames frames;
        if (thread.isVirtual()) {
            VirtualState state = virtualStates.get();
            if (state == null) {
                return; // publish created it for a valid span; none means no slot to read
            }
            if (state.frames == null) {
                state.frames = new Frames();
                state.mountedSum = new long[KernelTimes.COUNT];
                state.mountBase = new long[KernelTimes.COUNT];
            }
            frames = state.frames;
            if (!frames.current(t)) {
                dropOutermost(frames);
            }
            if (spanId != 0 && frames.encloses(spanId)) {
                spanId = 0;
            }
            if (frames.depth == 0) {
                // no scope open: the mount accounting starts over from here
                java.util.Arrays.fill(state.mountedSum, 0);
                if (state.carrierSlot >= 0) {
                    t.readOwn(state.carrierSlot, state.mountBase, 0);
                }
            }
            if (frames.depth < Frames.DEPTH && spanId != 0) {
                long clock = virtualTimes(t, state, frames.frames, frames.depth * Frames.WIDTH + 1);
                if (frames.depth == 0) {
                    openOutermost(frames, NO_SLOT, state, spanId, clock, t);
                }
            }
        } else {
            ThreadSlot slot = platform.get();
            if (slot.slot < 0) {
                return;
            }
            frames = slot.frames;
            if (!frames.current(t)) {
                dropOutermost(frames);
            }
            if (spanId != 0 && frames.encloses(spanId)) {
                spanId = 0;
            }
            if (frames.depth < Frames.DEPTH && spanId != 0) {
                long clock = t.readOwn(slot.slot, frames.frames, frames.depth * Frames.WIDTH + 1);
                if (frames.depth == 0) {
                    openOutermost(frames, slot.slot, null, spanId, clock, t);
                }
            }
        }
        if (frames.depth < Frames.DEPTH) {
            frames.frames[frames.depth * Frames.WIDTH] = spanId;
        }
        frames.depth++;
    }

    /**
     * The innermost scope of the calling thread closed: publishes what is current now and adds
     * the kernel time since the scope opened to its span's totals. Returns those totals (in
     * nanoseconds, {@link KernelTimes#NAMES} order; the array is the thread's own and reused), or
     * null when the scope was not accounted.
     */
    public long[] exit(String traceIdHex, String spanIdHex, int flags) {
        return exit(traceIdHex, spanIdHex, flags, null);
    }

    /**
     * As {@link #exit(String, String, int)}; {@code closedSpan} is the span object of the scope that
     * closed (any SDK copy), whose name and {@code http.route} go with its totals to
     * {@link #drainSpanBreakdowns}.
     */
    public long[] exit(String traceIdHex, String spanIdHex, int flags, Object closedSpan) {
        publish(traceIdHex, spanIdHex, flags);
        KernelTimes t = times;
        if (t == null) {
            return null;
        }
        Thread thread = Thread.currentThread();
        Frames frames;
        long clock;
        int ownHandle = NO_SLOT;
        if (thread.isVirtual()) {
            VirtualState state = virtualStates.get();
            frames = state == null ? null : state.frames;
            if (frames == null || !frames.current(t) || frames.depth == 0) {
                if (frames != null) {
                    dropOutermost(frames);
                }
                return null;
            }
            frames.depth--;
            if (frames.depth >= Frames.DEPTH || frames.frames[frames.depth * Frames.WIDTH] == 0) {
                return null;
            }
            clock = virtualTimes(t, state, frames.scratch, 0);
            ownHandle = frames.openHandle;
        } else {
            ThreadSlot slot = platform.get();
            frames = slot.frames;
            if (slot.slot < 0 || !frames.current(t) || frames.depth == 0) {
                dropOutermost(frames);
                return null;
            }
            frames.depth--;
            if (frames.depth >= Frames.DEPTH || frames.frames[frames.depth * Frames.WIDTH] == 0) {
                return null;
            }
            clock = t.readOwn(slot.slot, frames.scratch, 0);
            ownHandle = slot.slot;
        }
        if (frames.depth == 0 && frames.openHandle >= 0 && !closeOutermost(frames)) {
            return null; // a harvest running now counts this scope up to its read
        }
        int base = frames.depth * Frames.WIDTH;
        long spanId = frames.frames[base];
        long[] values = frames.scratch;
        for (int i = 0; i < KernelTimes.COUNT; i++) {
            long start = frames.frames[base + 1 + i];
            long d = values[i] - start;
            // a negative start is KernelTimes.IO_UNKNOWN: the thread's I/O accounting is unknown
            values[i] = d > 0 && start >= 0 ? d : 0;
        }
        OpenScopes open = openScopes;
        if (open != null && open.times() != t) {
            open = null;
        }
        return spanTotals().add(spanId, values, clock, closedSpan, naming, open, ownHandle, frames.harvest) ? values : null;
    }

    /**
     * Makes the thread's outermost scope, just opened with the counters in its first frame,
     * readable by other threads' closes of the same span ({@link OpenScopes}): under the platform
     * thread's {@code slot}, or for a virtual thread ({@code virtual} not null) under a handle of
     * its own.
     */
    private void openOutermost(Frames frames, int slot, VirtualState virtual, long spanId, long clock, KernelTimes t) {
        OpenScopes open = openScopes;
        if (open == null || open.times() != t) {
            return;
        }
        dropOutermost(frames); // an outermost scope whose close was never seen
        int handle = virtual == null ? slot : open.openVirtual(virtual);
        if (handle < 0) {
            return;
        }
        if (!open.open(handle, spanId, frames.frames, 1)) {
            open.discard(handle);
            return;
        }
        frames.openHandle = handle;
        frames.openIn = open;
        frames.registration = spanTotals().register(spanId, handle, clock);
    }

    /**
     * The outermost scope closes: its start counters, moved on by harvests, go into its frame.
     * False when a harvest holds it (that harvest counts it up to its read).
     */
    private boolean closeOutermost(Frames frames) {
        OpenScopes open = frames.openIn;
        int handle = unpublishOutermost(frames);
        return handle >= 0 && open.close(handle, frames.frames, 1);
    }

    /** The frames were dropped (the breakdown restarted or stopped, the thread died): so is the outermost scope's record. */
    private void dropOutermost(Frames frames) {
        OpenScopes open = frames.openIn;
        int handle = unpublishOutermost(frames);
        if (handle >= 0) {
            open.discard(handle);
        }
    }

    /** Unregisters the outermost scope from its span; returns its handle, -1 when it was not published. */
    private int unpublishOutermost(Frames frames) {
        int handle = frames.openHandle;
        if (handle < 0) {
            return NO_SLOT;
        }
        spanTotals().unregister(frames.registration, handle);
        frames.openHandle = NO_SLOT;
        frames.registration = -1;
        frames.openIn = null;
        return handle;
    }

    /**
     * Hands the kernel-time totals of every span no scope touched for {@code idleNanos} to
     * {@code sink} (once per span), for the per-span-name histograms; returns how many.
     */
    public int drainSpanBreakdowns(long idleNanos, SpanBreakdownSink sink) {
        SpanTotals totals = spanTotals;
        return totals == null ? 0 : totals.drainIdle(System.nanoTime(), idleNanos, sink);
    }

    private SpanTotals spanTotals() {
        SpanTotals totals = spanTotals;
        if (totals == null) {
            synchronized (this) {
                totals = spanTotals;
                if (totals == null) {
                    spanTotals = totals = new SpanTotals(16384, 60_000_000_000L);
                }
            }
        }
        return totals;
    }

    /**
     * A virtual thread's own kernel time: its carriers' while it was mounted; returns the
     * {@link System#nanoTime()} it is as of.
     */
    private static long virtualTimes(KernelTimes t, VirtualState state, long[] into, int offset) {
        if (state.carrierSlot >= 0) {
            long now = t.readOwn(state.carrierSlot, into, offset);
            for (int i = 0; i < KernelTimes.COUNT; i++) {
                into[offset + i] = state.mountedSum[i] + into[offset + i] - state.mountBase[i];
            }
            return now;
        }
        System.arraycopy(state.mountedSum, 0, into, offset, KernelTimes.COUNT);
        return System.nanoTime();
    }

    public int slotsInUse() {
        return allocator.used();
    }

    /**
     * Lets publications from a virtual thread that has not yet been seen mounting find its
     * carrier: a VarHandle on {@code VirtualThread.carrierThread} (needs java.lang opened).
     */
    void setCarrierField(VarHandle carrierThread) {
        this.carrierField = carrierThread;
    }

    /**
     * The sink the context-storage bridge calls, type {@code (String traceIdHex, String spanIdHex,
     * int flags) void}; a null trace id means "no valid span".
     */
    public MethodHandle sinkHandle() {
        try {
            return MethodHandles.lookup().findVirtual(SpanContextPublisher.class, "publish",
                    MethodType.methodType(void.class, String.class, String.class, int.class)).bindTo(this);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Publishes the calling thread's current span; {@code traceIdHex == null} clears it. */
    public void publish(String traceIdHex, String spanIdHex, int flags) {
        boolean valid = traceIdHex != null && spanIdHex != null && traceIdHex.length() == 32
                && spanIdHex.length() == 16 && isHex(traceIdHex) && isHex(spanIdHex);
        if (valid) {
            publish(parseHex(traceIdHex, 0), parseHex(traceIdHex, 16), parseHex(spanIdHex, 0), flags);
        } else {
            publish(0, 0, 0, 0);
        }
    }

    /** Publishes the calling thread's current span from ids in wire order; zero ids clear it. */
    public void publish(long traceHigh, long traceLow, long spanId, int flags) {
        boolean valid = (traceHigh | traceLow) != 0 && spanId != 0;
        Thread thread = Thread.currentThread();
        if (thread.isVirtual()) {
            publishVirtual(traceHigh, traceLow, spanId, flags, valid);
        } else {
            int slot = platform.get().slot;
            if (slot >= 0) {
                write(slot, traceHigh, traceLow, spanId, flags, valid);
            }
        }
    }

    /**
     * Reads what is currently published for the calling thread into {@code into} (no allocation);
     * returns whether a valid span is published. A platform thread without a slot reads "none".
     */
    public boolean readCurrent(SpanIds into) {
        Thread thread = Thread.currentThread();
        if (thread.isVirtual()) {
            VirtualState state = virtualStates.get();
            if (state == null || !state.valid) {
                into.clear();
            } else {
                into.set(state.traceHigh, state.traceLow, state.spanId, state.flags);
            }
            return into.valid();
        }
        int slot = platform.get().slot;
        long base = slot * SpanSlotLayout.SIZE;
        // Only this thread writes its slot, so there is no torn read to guard against here.
        if (slot < 0 || slots.get(ValueLayout.JAVA_BYTE, base + SpanSlotLayout.VALID) == 0) {
            into.clear();
        } else {
            into.set(slots.get(ID, base + SpanSlotLayout.TRACE_ID), slots.get(ID, base + SpanSlotLayout.TRACE_ID + 8),
                    slots.get(ID, base + SpanSlotLayout.SPAN_ID),
                    slots.get(ValueLayout.JAVA_BYTE, base + SpanSlotLayout.FLAGS) & 0xff);
        }
        return into.valid();
    }

    /** Parses 16 hex digits of {@code hex} from {@code from}; {@code 0} when not hex (no allocation). */
    public static long parseHexOrZero(String hex, int from) {
        if (hex == null || hex.length() < from + 16) {
            return 0;
        }
        long value = 0;
        for (int i = from; i < from + 16; i++) {
            int digit = Character.digit(hex.charAt(i), 16);
            if (digit < 0) {
                return 0;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    /** Publishes "no span" for the calling thread. */
    public void clearCurrent() {
        publish(null, null, 0);
    }

    private void publishVirtual(long high, long low, long span, int flags, boolean valid) {
        VirtualState state = virtualStates.get();
        if (state == null) {
            state = new VirtualState();
            state.carrierSlot = currentCarrierSlot();
            virtualStates.set(state);
            virtualPublished = true;
        }
        state.traceHigh = high;
        state.traceLow = low;
        state.spanId = span;
        state.flags = flags;
        state.valid = valid;
        if (state.carrierSlot >= 0) {
            write(state.carrierSlot, high, low, span, flags, valid);
        }
    }

    private int currentCarrierSlot() {
        VarHandle field = carrierField;
        if (field == null) {
            return NO_SLOT;
        }
        Thread carrier = (Thread) field.getVolatile(Thread.currentThread());
        ThreadSlot slot = carrier == null ? null : assigned.get(carrier);
        return slot == null ? NO_SLOT : slot.slot;
    }

    /** Mount hook, on the carrier before the virtual thread is mounted: the carrier's slot. */
    public int beforeMount() {
        return platform.get().slot;
    }

    /** Mount hook, on the virtual thread once mounted: its context goes into the carrier slot. */
    public void afterMount(int carrierSlot) {
        if (carrierSlot < 0) {
            return;
        }
        if (!virtualPublished) {
            write(carrierSlot, 0, 0, 0, 0, false);
            return;
        }
        VirtualState state = virtualStates.get();
        if (state == null) {
            write(carrierSlot, 0, 0, 0, 0, false);
            return;
        }
        KernelTimes t = times;
        boolean accounted = t != null && state.frames != null && state.frames.times == t && state.frames.depth > 0;
        if (accounted) {
            state.beginChange();
        }
        state.carrierSlot = carrierSlot;
        write(carrierSlot, state.traceHigh, state.traceLow, state.spanId, state.flags, state.valid);
        if (accounted) {
            t.readOwn(carrierSlot, state.mountBase, 0);
            state.endChange();
        }
    }

    /** Unmount hook, on the virtual thread before it leaves its carrier. */
    public void beforeUnmount() {
        if (!virtualPublished) {
            return;
        }
        VirtualState state = virtualStates.get();
        if (state != null && state.carrierSlot >= 0) {
            KernelTimes t = times;
            boolean accounted = t != null && state.frames != null && state.frames.times == t && state.frames.depth > 0;
            if (accounted) {
                state.beginChange();
                long[] now = state.frames.scratch;
                t.readOwn(state.carrierSlot, now, 0);
                for (int i = 0; i < KernelTimes.COUNT; i++) {
                    state.mountedSum[i] += now[i] - state.mountBase[i];
                }
            }
            write(state.carrierSlot, 0, 0, 0, 0, false);
            state.carrierSlot = NO_SLOT;
            if (accounted) {
                state.endChange();
            }
        }
    }

    /** The calling platform thread's slot (assigning one), or -1 when none is available. */
    public int slotOfCurrentThread() {
        Thread thread = Thread.currentThread();
        if (thread.isVirtual()) {
            VirtualState state = virtualStates.get();
            return state == null ? NO_SLOT : state.carrierSlot;
        }
        return platform.get().slot;
    }

    /** Releases the slots of threads that have ended; returns how many. */
    public int sweep() {
        int released = 0;
        for (ThreadSlot slot : assigned.values()) {
            if (!slot.thread.isAlive() && assigned.remove(slot.thread, slot)) {
                write(slot.slot, 0, 0, 0, 0, false);
                dropOutermost(slot.frames); // it died inside a scope: its span is not held open by it
                // the kernel's mapping of the thread to the slot goes before the slot can go to
                // another thread: the ended Java thread's OS thread may still be switching
                try {
                    listener.onSlotReleased(slot.tid, slot.slot);
                } catch (RuntimeException e) {
                    LOG.warn("span-context slot listener failed", e);
                }
                allocator.release(slot.slot);
                released++;
            }
        }
        return released;
    }

    private ThreadSlot assign() {
        Thread thread = Thread.currentThread();
        int tid = NativeThreadId.current();
        int slot = tid > 0 ? allocator.allocate() : NO_SLOT;
        ThreadSlot result = new ThreadSlot(thread, tid, slot);
        if (slot < 0) {
            if (tid > 0 && !fullLogged) {
                fullLogged = true;
                LOG.warn("span context: all {} slots in use; threads beyond that are not correlated",
                        allocator.capacity());
            }
            return result;
        }
        write(slot, 0, 0, 0, 0, false);
        OpenScopes open = openScopes;
        if (open != null) {
            open.forget(slot); // what the slot's previous thread left open
        }
        KernelTimes t = times;
        if (t != null) {
            t.reset(slot, tid, System.nanoTime());
        }
        assigned.put(thread, result);
        try {
            listener.onSlotAssigned(tid, slot);
        } catch (RuntimeException e) {
            LOG.warn("span-context slot listener failed", e);
        }
        return result;
    }

    private void write(int slot, long high, long low, long span, int flags, boolean valid) {
        long base = slot * SpanSlotLayout.SIZE;
        slots.set(ValueLayout.JAVA_BYTE, base + SpanSlotLayout.VALID, (byte) 0);
        if (!valid) {
            return;
        }
        VarHandle.storeStoreFence();
        slots.set(ID, base + SpanSlotLayout.TRACE_ID, high);
        slots.set(ID, base + SpanSlotLayout.TRACE_ID + 8, low);
        slots.set(ID, base + SpanSlotLayout.SPAN_ID, span);
        slots.set(ValueLayout.JAVA_BYTE, base + SpanSlotLayout.FLAGS, (byte) flags);
        VarHandle.storeStoreFence();
        slots.set(ValueLayout.JAVA_BYTE, base + SpanSlotLayout.VALID, (byte) 1);
    }

    /** 16 hex digits from {@code from} as a long (digits already checked). */
    private static long parseHex(String hex, int from) {
        long value = 0;
        for (int i = from; i < from + 16; i++) {
            value = (value << 4) | Character.digit(hex.charAt(i), 16);
        }
        return value;
    }

    private static boolean isHex(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
