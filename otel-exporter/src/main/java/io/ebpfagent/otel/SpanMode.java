package io.ebpfagent.otel;

/** How kernel intervals appear in traces. */
public enum SpanMode {
    /** Each interval is a span from its start to its end: a child of the app span when known. */
    SPANS,
    /**
     * Each interval is a span event. An event can only be added to a span one holds, and the app
     * span belongs to the application (often another SDK, possibly already ended), so the event
     * rides on a zero-length child span at the interval's start; the event carries the attributes
     * and {@code kernel.duration_ns}. Backends then show a marker on the app span's timeline
     * instead of a bar.
     */
    EVENTS,
    /** No spans at all (metrics only). */
    OFF
}
