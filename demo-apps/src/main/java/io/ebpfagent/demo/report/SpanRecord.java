package io.ebpfagent.demo.report;

import java.util.Map;

/**
 * A span as it arrived over OTLP, decoded.
 *
 * @param attributes values as decoded: {@link String}, {@link Long}, {@link Double} or {@link Boolean}
 * @param service    the {@code service.name} of the resource that sent it
 */
public record SpanRecord(String traceId, String spanId, String parentSpanId, String name, String kind,
                         long startNs, long endNs, Map<String, Object> attributes, String service) {

    public long durationNs() {
        return endNs - startNs;
    }

    public boolean isRoot() {
        return parentSpanId.isEmpty();
    }

    /** A span the ebpf-agent made from a kernel interval (not an application span). */
    public boolean isKernel() {
        return attributes.containsKey(Signals.INTERVAL_KIND);
    }

    /** A numeric attribute in its unit, 0 when absent. */
    public double number(String key) {
        return attributes.get(key) instanceof Number n ? n.doubleValue() : 0;
    }

    /** A string form of the attribute, or {@code fallback}. */
    public String text(String key, String fallback) {
        Object v = attributes.get(key);
        return v == null ? fallback : v.toString();
    }

    /** The route of a server span, else its name. */
    public String route() {
        return text(Signals.HTTP_ROUTE, name);
    }

    public Breakdown breakdown() {
        return Breakdown.of(this);
    }
}
