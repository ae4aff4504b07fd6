package io.ebpfagent.probes.events;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.probes.layout.CommonLayouts.EventHdr;
import io.ebpfagent.probes.layout.CommonLayouts.SpanCtx;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A flyweight over one ring buffer record: the same instance is re-pointed at every record of
 * its kind, so decoding allocates nothing. A view is only valid inside the listener call that
 * received it (the kernel reuses the ring space afterwards); copy what must outlive it.
 */
public abstract sealed class EventView
        permits OffCpuEvent, SlowSyscallEvent, SlowIoEvent, FsyncEvent, OpenEvent, ConnectionEvent,
        ThreadEvent, GcEvent, MemPoolEvent, VmopEvent, CompileEvent, MonitorEvent, ClassEvent {
    private static final ValueLayout.OfLong BIG_ENDIAN_LONG = JAVA_LONG.withOrder(ByteOrder.BIG_ENDIAN)
            .withByteAlignment(1);
    private static final long CTX = EventHdr.CTX;

    MemorySegment segment;
    long base;

    EventView() {
    }

    final void wrap(MemorySegment segment, long base) {
        this.segment = segment;
        this.base = base;
    }

    /** The record's {@link EventKind}. */
    public final int kind() {
        return segment.get(JAVA_INT, base + EventHdr.KIND);
    }

    /** The kernel tid of the thread the event is about. */
    public final int tid() {
        return segment.get(JAVA_INT, base + EventHdr.TID);
    }

    /** Start, CLOCK_MONOTONIC nanoseconds (the clock of {@link System#nanoTime()}). */
    public final long startNs() {
        return segment.get(JAVA_LONG, base + EventHdr.START_NS);
    }

    public final long durationNs() {
        return segment.get(JAVA_LONG, base + EventHdr.DURATION_NS);
    }

    /** Whether a span was current on the thread when the event was recorded. */
    public final boolean hasSpan() {
        return segment.get(JAVA_BYTE, base + CTX + SpanCtx.VALID) == 1;
    }

    /** High 8 bytes of the W3C trace id, as written into the slot (big-endian). */
    public final long traceIdHigh() {
        return segment.get(BIG_ENDIAN_LONG, base + CTX + SpanCtx.TRACE_ID);
    }

    public final long traceIdLow() {
        return segment.get(BIG_ENDIAN_LONG, base + CTX + SpanCtx.TRACE_ID + 8);
    }

    public final long spanId() {
        return segment.get(BIG_ENDIAN_LONG, base + CTX + SpanCtx.SPAN_ID);
    }

    /** W3C trace flags. */
    public final int traceFlags() {
        return segment.get(JAVA_BYTE, base + CTX + SpanCtx.FLAGS) & 0xff;
    }

    /** Copies the 32-byte span context ({@code struct span_ctx}) into {@code dst}. */
    public final void copySpanContext(byte[] dst) {
        MemorySegment.copy(segment, JAVA_BYTE, base + CTX, dst, 0, (int) SpanCtx.SIZE);
    }

    final int u8(long offset) {
        return segment.get(JAVA_BYTE, base + offset) & 0xff;
    }

    final short u16raw(long offset) {
        return segment.get(ValueLayout.JAVA_SHORT, base + offset);
    }

    final int i32(long offset) {
        return segment.get(JAVA_INT, base + offset);
    }

    final long i64(long offset) {
        return segment.get(JAVA_LONG, base + offset);
    }

    /** Length of the NUL-terminated string in the char array at {@code offset}. */
    final int strlen(long offset, int capacity) {
        for (int i = 0; i < capacity; i++) {
            if (segment.get(JAVA_BYTE, base + offset + i) == 0) {
                return i;
            }
        }
        return capacity;
    }

    /** The NUL-terminated string of a char array field (allocates: call only when needed). */
    final String string(long offset, int capacity) {
        int n = strlen(offset, capacity);
        byte[] b = new byte[n];
        MemorySegment.copy(segment, JAVA_BYTE, base + offset, b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Copies a char array field into dst without allocating; returns the string's length. */
    final int copyString(long offset, int capacity, byte[] dst) {
        int n = Math.min(strlen(offset, capacity), dst.length);
        MemorySegment.copy(segment, JAVA_BYTE, base + offset, dst, 0, n);
        return n;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[kind=" + kind() + ", tid=" + tid() + ", start=" + startNs()
                + ", duration=" + durationNs() + (hasSpan() ? ", span=" + Long.toHexString(spanId()) : "") + "]";
    }
}
