package io.ebpfagent.otel.internal;

import io.ebpfagent.otel.IntervalKind;
import io.ebpfagent.otel.KernelInterval;
import io.ebpfagent.otel.MonotonicClock;
import io.ebpfagent.otel.SpanMode;
import io.ebpfagent.otel.SpanParent;
import io.ebpfagent.otel.SyscallNames;
import io.ebpfagent.otel.ThreadKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.concurrent.TimeUnit;

/**
 * Turns kernel intervals into spans: a child of the application span that was current on the
 * thread (a remote parent built from the ids the agent published), else a root span. Thread
 * identity goes on every span. Internal class: use {@code io.ebpfagent.otel.KernelTelemetry}.
 */
public final class IntervalSpans {
    private final Tracer tracer;
    private final KernelMetrics threads;
    private final MonotonicClock clock;
    private final SpanMode mode;
    private final long minDurationNs;
    /** "syscall read" etc., built once per syscall number. */
    private final String[] syscallSpanNames = new String[SyscallNames.size()];

    public IntervalSpans(Tracer tracer, KernelMetrics threads, MonotonicClock clock, SpanMode mode, long minDurationNs) {
        this.tracer = tracer;
        this.threads = threads;
        this.clock = clock;
        this.mode = mode;
        this.minDurationNs = minDurationNs;
    }

    public boolean wants(IntervalKind kind, long durationNs) {
        return mode != SpanMode.OFF && durationNs >= minDurationNs;
    }

    public void onInterval(KernelInterval iv) {
        if (!wants(iv.kind(), iv.durationNs())) {
            return;
        }
        ThreadKey thread = threads.threadKey(iv.tid());
        String name = spanName(iv);
        long start = clock.toEpochNanos(iv.startMonotonicNs());
        long end = clock.toEpochNanos(iv.endMonotonicNs());
        Attributes attributes = attributes(iv, thread);

        SpanBuilder b = tracer.spanBuilder(name).setSpanKind(SpanKind.INTERNAL);
        SpanParent p = iv.parent();
        if (p != null && p.isValid()) {
            SpanContext parent = SpanContext.createFromRemoteParent(
                    TraceId.fromLongs(p.traceIdHigh(), p.traceIdLow()), SpanId.fromLong(p.spanId()),
                    TraceFlags.fromByte(p.traceFlags()), TraceState.getDefault());
            b.setParent(Context.root().with(Span.wrap(parent)));
        } else {
            b.setNoParent();
        }
        if (mode == SpanMode.EVENTS) {
            Span s = b.setStartTimestamp(start, TimeUnit.NANOSECONDS).startSpan();
            s.addEvent(name, attributes.toBuilder().put(Attrs.DURATION_NS, iv.durationNs()).build(),
                    start, TimeUnit.NANOSECONDS);
            s.end(start, TimeUnit.NANOSECONDS);
        } else {
            Span s = b.setStartTimestamp(start, TimeUnit.NANOSECONDS).setAllAttributes(attributes).startSpan();
            s.end(end, TimeUnit.NANOSECONDS);
        }
    }

    private String spanName(KernelInterval iv) {
        if (iv.kind() == IntervalKind.SLOW_SYSCALL && iv.syscallNr() >= 0) {
            int nr = iv.syscallNr();
            if (nr < syscallSpanNames.length) {
                String n = syscallSpanNames[nr];
                if (n == null) {
                    n = "syscall " + SyscallNames.name(nr);
                    syscallSpanNames[nr] = n;
                }
                return n;
            }
            return "syscall " + SyscallNames.name(nr);
        }
        return iv.kind().spanName();
    }

    static Attributes attributes(KernelInterval iv, ThreadKey thread) {
        AttributesBuilder a = Attributes.builder()
                .put(Attrs.INTERVAL_KIND, iv.kind().name().toLowerCase(java.util.Locale.ROOT))
                .put(Attrs.THREAD_NAME, thread.name())
                .put(Attrs.THREAD_NATIVE_ID, iv.tid());
        if (thread.javaId() >= 0) {
            a.put(Attrs.THREAD_ID, thread.javaId());
        }
        switch (iv.kind()) {
            case OFF_CPU -> a.put(Attrs.OFF_CPU_REASON, iv.reason().value());
            case SLOW_SYSCALL -> {
                a.put(Attrs.SYSCALL_NAME, SyscallNames.name(iv.syscallNr()));
                putTarget(a, iv.target());
            }
            case SLOW_FILE_IO -> {
                if (iv.syscallNr() >= 0) {
                    a.put(Attrs.SYSCALL_NAME, SyscallNames.name(iv.syscallNr()));
                }
                if (iv.target() != null) {
                    a.put(Attrs.FILE_PATH, iv.target());
                }
            }
            case SLOW_CONNECT -> putTarget(a, iv.target());
            case GC_PAUSE -> {
                if (iv.target() != null) {
                    a.put(Attrs.GC_NAME, iv.target());
                }
            }
            case VM_OPERATION -> {
                if (iv.target() != null) {
                    a.put(Attrs.VM_OPERATION_NAME, iv.target());
                }
            }
            case JIT_COMPILATION -> {
                if (iv.target() != null) {
                    a.put(Attrs.CODE_FUNCTION_NAME, iv.target());
                }
            }
            default -> putTarget(a, iv.target());
        }
        return a.build();
    }

    /** A path becomes {@code file.path}; {@code host:port} becomes {@code server.address/port}. */
    private static void putTarget(AttributesBuilder a, String target) {
        if (target == null || target.isEmpty()) {
            return;
        }
        if (target.charAt(0) == '/') {
            a.put(Attrs.FILE_PATH, target);
            return;
        }
        int colon = target.lastIndexOf(':');
        if (colon > 0 && colon < target.length() - 1) {
            try {
                long port = Long.parseLong(target.substring(colon + 1));
                String host = target.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                a.put(Attrs.SERVER_ADDRESS, host).put(Attrs.SERVER_PORT, port);
                return;
            } catch (NumberFormatException e) {
                // not host:port: fall through
            }
        }
        a.put(Attrs.SERVER_ADDRESS, target);
    }
}
