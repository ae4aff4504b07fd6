package io.ebpfagent.otel;

/**
 * The application span that was current on the thread when the kernel interval began, as the
 * agent's per-thread context slot recorded it.
 *
 * @param traceIdHigh the upper 64 bits of the W3C trace id
 * @param traceIdLow  the lower 64 bits
 * @param spanId      the 64-bit span id
 * @param traceFlags  W3C trace flags (bit 0: sampled)
 */
public record SpanParent(long traceIdHigh, long traceIdLow, long spanId, byte traceFlags) {

    /** Whether the ids form a valid W3C context (non-zero trace id and span id). */
    public boolean isValid() {
        return (traceIdHigh != 0 || traceIdLow != 0) && spanId != 0;
    }

    /** Whether the parent was sampled. */
    public boolean sampled() {
        return (traceFlags & 1) != 0;
    }
}
