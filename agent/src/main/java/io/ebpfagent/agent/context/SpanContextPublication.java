package io.ebpfagent.agent.context;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;

/**
 * The stable target of the hooks installed at premain (context-storage bridge, virtual-thread
 * advice), which exist before the BPF array they publish into: until {@link #connect} hands over
 * the segment, publications are dropped; afterwards they go to a {@link SpanContextPublisher}.
 */
public final class SpanContextPublication {
    private volatile SpanContextPublisher publisher;
    private volatile VarHandle carrierField;

    /** Starts publishing into {@code slots}; returns the publisher (for sweeping and stats). */
    public SpanContextPublisher connect(MemorySegment slots, SlotListener listener) {
        SpanContextPublisher created = new SpanContextPublisher(slots, listener);
        VarHandle field = carrierField;
        if (field != null) {
            created.setCarrierField(field);
        }
        publisher = created;
        return created;
    }

    /** Stops publishing (the segment is about to be unmapped). */
    public void disconnect() {
        publisher = null;
    }

    public SpanContextPublisher publisher() {
        return publisher;
    }

    void setCarrierField(VarHandle field) {
        carrierField = field;
        SpanContextPublisher current = publisher;
        if (current != null) {
            current.setCarrierField(field);
        }
    }

    /**
     * {@code (String traceIdHex, String spanIdHex, int flags) void}, for the context-storage
     * bridge: a scope opened with that span current.
     */
    public MethodHandle sinkHandle() {
        return handle("enter", void.class);
    }

    /**
     * {@code (String traceIdHex, String spanIdHex, int flags, Object closedSpan) long[]}, for the context-storage
     * bridge: the innermost scope closed and that span is current again; answers the closed
     * span's kernel-time totals (see {@link SpanContextPublisher#exit}) or null.
     */
    public MethodHandle exitHandle() {
        return handle("exit", MethodType.methodType(long[].class, String.class, String.class, int.class, Object.class));
    }

    private MethodHandle handle(String name, Class<?> returns) {
        return handle(name, MethodType.methodType(returns, String.class, String.class, int.class));
    }

    private MethodHandle handle(String name, MethodType type) {
        try {
            return MethodHandles.lookup().findVirtual(SpanContextPublication.class, name, type).bindTo(this);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** As {@link SpanContextPublisher#enter}; dropped while disconnected. */
    public void enter(String traceIdHex, String spanIdHex, int flags) {
        SpanContextPublisher current = publisher;
        if (current != null) {
            current.enter(traceIdHex, spanIdHex, flags);
        }
    }

    /** As {@link SpanContextPublisher#exit(String, String, int, Object)}; null while disconnected. */
    public long[] exit(String traceIdHex, String spanIdHex, int flags, Object closedSpan) {
        SpanContextPublisher current = publisher;
        return current == null ? null : current.exit(traceIdHex, spanIdHex, flags, closedSpan);
    }

    public void publish(String traceIdHex, String spanIdHex, int flags) {
        SpanContextPublisher current = publisher;
        if (current != null) {
            current.publish(traceIdHex, spanIdHex, flags);
        }
    }

    /** As {@link SpanContextPublisher#publish(long, long, long, int)}; dropped while disconnected. */
    public void publish(long traceHigh, long traceLow, long spanId, int flags) {
        SpanContextPublisher current = publisher;
        if (current != null) {
            current.publish(traceHigh, traceLow, spanId, flags);
        }
    }

    /**
     * What is published for the calling thread (see {@link SpanContextPublisher#readCurrent});
     * "none" while disconnected.
     */
    public boolean readCurrent(SpanIds into) {
        SpanContextPublisher current = publisher;
        if (current == null) {
            into.clear();
            return false;
        }
        return current.readCurrent(into);
    }

    int beforeMount() {
        SpanContextPublisher current = publisher;
        return current == null ? -1 : current.beforeMount();
    }

    void afterMount(int carrierSlot) {
        SpanContextPublisher current = publisher;
        if (current != null) {
            current.afterMount(carrierSlot);
        }
    }

    void beforeUnmount() {
        SpanContextPublisher current = publisher;
        if (current != null) {
            current.beforeUnmount();
        }
    }
}
