package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.probes.layout.CommonLayouts.SpanCtx;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * The maps every event-producing probe object shares: {@code span_ctx_slots} (an mmapable array
 * of 32-byte {@code struct span_ctx}, one slot per Java thread, written with plain stores) and
 * {@code tid_slot} (kernel tid to slot index). Created once and handed to each probe as map
 * replacements, so one published span context is seen by all of them.
 */
public final class SharedMaps implements AutoCloseable {
    public static final String SPAN_SLOTS_MAP = "span_ctx_slots";
    public static final String TID_SLOT_MAP = "tid_slot";
    private static final ValueLayout.OfLong BE_LONG = JAVA_LONG.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);

    private final BpfMap spanSlotsMap;
    private final BpfMap tidSlot;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment slots;
    private final int slotCount;
    private final MemorySegment value = arena.allocate(JAVA_INT);
    private boolean closed;

    private SharedMaps(BpfMap spanSlotsMap, BpfMap tidSlot) {
        this.spanSlotsMap = spanSlotsMap;
        this.tidSlot = tidSlot;
        this.slots = spanSlotsMap.memory(arena);
        this.slotCount = spanSlotsMap.maxEntries();
    }

    /** Creates the maps with the definitions of the bundled objects. */
    public static SharedMaps create() {
        CollectionSpec spec = BundledObject.SCHED.sharedSpec();
        BpfMap slots = BpfMap.create(spec.map(SPAN_SLOTS_MAP));
        try {
            return new SharedMaps(slots, BpfMap.create(MapAllocation.onFirstWrite(spec.map(TID_SLOT_MAP))));
        } catch (RuntimeException e) {
            slots.close();
            throw e;
        }
    }

    /**
     * The replacements for the maps of {@code spec} that these maps stand for; {@code spec}'s
     * declarations of them take these maps' flags (the shared tid map may allocate on first
     * write, see {@link MapAllocation}, where the objects declare it preallocated).
     */
    Map<String, BpfMap> replacementsFor(CollectionSpec spec) {
        Map<String, BpfMap> out = new HashMap<>();
        if (spec.maps().containsKey(SPAN_SLOTS_MAP)) {
            out.put(SPAN_SLOTS_MAP, spanSlotsMap);
        }
        if (spec.maps().containsKey(TID_SLOT_MAP)) {
            // the object declares it preallocated; the map its programs get may not be
            spec.maps().put(TID_SLOT_MAP, spec.map(TID_SLOT_MAP).withFlags(tidSlot.flags()));
            out.put(TID_SLOT_MAP, tidSlot);
        }
        return out;
    }

    /** The mmapped slots: slot i is {@code SpanCtx.SIZE} bytes at {@code i * SpanCtx.SIZE}. */
    public MemorySegment spanSlots() {
        return slots;
    }

    public int slotCount() {
        return slotCount;
    }

    public BpfMap spanSlotsMap() {
        return spanSlotsMap;
    }

    public BpfMap tidSlotMap() {
        return tidSlot;
    }

    /** Makes the BPF side read thread {@code tid}'s span context from {@code slot}. */
    public synchronized void bindThread(int tid, int slot) {
        java.util.Objects.checkIndex(slot, slotCount);
        value.set(JAVA_INT, 0, slot);
        tidSlot.update(tid, value, BpfMap.ANY);
    }

    /** Forgets thread {@code tid}; returns whether it was bound. */
    public boolean unbindThread(int tid) {
        return tidSlot.delete(tid);
    }

    /**
     * Publishes a span context into {@code slot} with the protocol the BPF side expects: valid
     * cleared, ids and flags stored, valid set (release ordering keeps the stores in order).
     * Allocation free; one writer per slot.
     */
    public void publish(int slot, long traceIdHigh, long traceIdLow, long spanId, int traceFlags) {
        long base = (long) java.util.Objects.checkIndex(slot, slotCount) * SpanCtx.SIZE;
        slots.set(JAVA_BYTE, base + SpanCtx.VALID, (byte) 0);
        VarHandle.releaseFence();
        slots.set(BE_LONG, base + SpanCtx.TRACE_ID, traceIdHigh);
        slots.set(BE_LONG, base + SpanCtx.TRACE_ID + 8, traceIdLow);
        slots.set(BE_LONG, base + SpanCtx.SPAN_ID, spanId);
        slots.set(JAVA_BYTE, base + SpanCtx.FLAGS, (byte) traceFlags);
        VarHandle.releaseFence();
        slots.set(JAVA_BYTE, base + SpanCtx.VALID, (byte) 1);
    }

    /** Marks {@code slot} as having no current span. */
    public void clear(int slot) {
        long base = (long) java.util.Objects.checkIndex(slot, slotCount) * SpanCtx.SIZE;
        slots.set(JAVA_BYTE, base + SpanCtx.VALID, (byte) 0);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        arena.close();
        spanSlotsMap.close();
        tidSlot.close();
    }
}
