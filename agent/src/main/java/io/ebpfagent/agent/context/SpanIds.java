package io.ebpfagent.agent.context;

/**
 * A mutable holder of one span context as the kernel sees it (ids as longs in wire order), so that
 * reading the published context of a thread allocates nothing. Owned by one thread at a time.
 */
public final class SpanIds {
    private long traceHigh;
    private long traceLow;
    private long spanId;
    private int flags;
    private boolean valid;

    public long traceHigh() {
        return traceHigh;
    }

    public long traceLow() {
        return traceLow;
    }

    public long spanId() {
        return spanId;
    }

    public int flags() {
        return flags;
    }

    /** False: no span (the other values are zero). */
    public boolean valid() {
        return valid;
    }

    /** Sets the ids; all-zero trace or span ids make the holder invalid. */
    public void set(long traceHigh, long traceLow, long spanId, int flags) {
        this.valid = (traceHigh | traceLow) != 0 && spanId != 0;
        this.traceHigh = valid ? traceHigh : 0;
        this.traceLow = valid ? traceLow : 0;
        this.spanId = valid ? spanId : 0;
        this.flags = valid ? flags : 0;
    }

    public void clear() {
        set(0, 0, 0, 0);
    }

    /** Whether both hold the same span (flags aside). */
    public boolean sameSpan(SpanIds other) {
        return valid == other.valid && traceHigh == other.traceHigh && traceLow == other.traceLow
                && spanId == other.spanId;
    }

    @Override
    public String toString() {
        return valid ? String.format("%016x%016x/%016x/%02x", traceHigh, traceLow, spanId, flags) : "none";
    }
}
