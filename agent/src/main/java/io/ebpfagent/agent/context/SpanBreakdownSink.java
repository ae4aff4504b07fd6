package io.ebpfagent.agent.context;

/** Receives the kernel-time totals of an application span that is done. */
@FunctionalInterface
public interface SpanBreakdownSink {
    /**
     * @param spanName  the span's name
     * @param httpRoute its {@code http.route} attribute, or null
     * @param nanos     nanoseconds in {@link KernelTimes#NAMES} order; only valid during the call
     */
    void accept(String spanName, String httpRoute, long[] nanos);
}
