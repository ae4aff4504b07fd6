package io.ebpfagent.agent.methods;

import io.ebpfagent.agent.context.KernelTimes;
import io.ebpfagent.agent.context.SpanContextPublication;
import io.ebpfagent.agent.context.SpanContextPublisher;
import io.ebpfagent.agent.context.SpanIds;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Starts and ends the method spans (the target of {@link MethodSpanBridge}). On entry the span's
 * parent is whatever the kernel currently sees for the thread (an application span published by
 * the context-storage hook, or the enclosing method span); the new span is then published so
 * kernel events inside the method become its children, and on exit the previous ids are published
 * again. Per thread a stack of reusable {@link Frame}s keeps the saved ids: after a thread's first
 * calls, the only allocations per call are the SDK's for the span itself.
 */
final class MethodSpanTracker implements Function<String, Object>, BiConsumer<Object, Throwable> {
    static final AttributeKey<String> CODE_NAMESPACE = AttributeKey.stringKey("code.namespace");
    static final AttributeKey<String> CODE_FUNCTION = AttributeKey.stringKey("code.function");
    static final AttributeKey<String> THREAD_NAME = AttributeKey.stringKey("thread.name");
    static final AttributeKey<Long> THREAD_ID = AttributeKey.longKey("thread.id");
    /** Deeper (recursive) calls get no span of their own. */
    static final int MAX_DEPTH = 64;

    record MethodInfo(String spanName, Attributes attributes) {
    }

    /** One active method span of a thread, reused across calls at the same depth. */
    static final class Frame {
        final Stack stack;
        final int depth;
        final SpanIds saved = new SpanIds();
        final SpanIds own = new SpanIds();
        Span span;

        Frame(Stack stack, int depth) {
            this.stack = stack;
            this.depth = depth;
        }
    }

    static final class Stack {
        final Frame[] frames = new Frame[MAX_DEPTH];
        int depth;
        /** Set while the tracker runs, so that code it calls cannot start spans recursively. */
        boolean busy;

        Frame push() {
            Frame frame = frames[depth];
            if (frame == null) {
                frame = new Frame(this, depth);
                frames[depth] = frame;
            }
            depth++;
            return frame;
        }
    }

    private final Tracer tracer;
    private final SpanContextPublication publication;
    private final Map<String, MethodInfo> methods = new ConcurrentHashMap<>();
    private final ThreadLocal<Stack> stacks = ThreadLocal.withInitial(Stack::new);

    MethodSpanTracker(Tracer tracer, SpanContextPublication publication) {
        this.tracer = tracer;
        this.publication = publication;
    }

    /** Method entry; {@code method} is {@code "fully.qualified.Class.method"}. Returns the frame or null. */
    @Override
    public Object apply(String method) {
        Stack stack = stacks.get();
        if (stack.busy || stack.depth >= MAX_DEPTH) {
            return null;
        }
        stack.busy = true;
        try {
            return enter(stack, method);
        } finally {
            stack.busy = false;
        }
    }

    private Frame enter(Stack stack, String method) {
        MethodInfo info = methods.get(method);
        if (info == null) {
            info = methods.computeIfAbsent(method, MethodSpanTracker::describe);
        }
        Frame frame = stack.push();
        Frame outer = frame.depth > 0 ? stack.frames[frame.depth - 1] : null;
        publication.readCurrent(frame.saved);

        Thread thread = Thread.currentThread();
        SpanBuilder builder = tracer.spanBuilder(info.spanName()).setSpanKind(SpanKind.INTERNAL)
                .setAllAttributes(info.attributes())
                .setAttribute(THREAD_NAME, thread.getName())
                .setAttribute(THREAD_ID, thread.threadId());
        if (outer != null && outer.span != null && (!frame.saved.valid() || outer.own.sameSpan(frame.saved))) {
            // The enclosing method span is still what the kernel sees (or nothing is published,
            // e.g. without kernel probes): nest under it without converting ids.
            builder.setParent(Context.root().with(outer.span));
        } else if (frame.saved.valid()) {
            SpanIds p = frame.saved;
            builder.setParent(Context.root().with(Span.wrap(SpanContext.create(
                    TraceId.fromLongs(p.traceHigh(), p.traceLow()), SpanId.fromLong(p.spanId()),
                    TraceFlags.fromByte((byte) p.flags()), TraceState.getDefault()))));
        } else {
            builder.setNoParent();
        }
        Span span = builder.startSpan();
        frame.span = span;
        SpanContext context = span.getSpanContext();
        String traceId = context.getTraceId();
        frame.own.set(SpanContextPublisher.parseHexOrZero(traceId, 0), SpanContextPublisher.parseHexOrZero(traceId, 16),
                SpanContextPublisher.parseHexOrZero(context.getSpanId(), 0), context.getTraceFlags().asByte() & 0xff);
        if (frame.own.valid()) {
            // a scope of its own: published, and its kernel-time breakdown accounted
            publication.enter(traceId, context.getSpanId(), frame.own.flags());
        }
        return frame;
    }

    /** Method exit: ends the span, publishes what was current before. */
    @Override
    public void accept(Object token, Throwable thrown) {
        if (!(token instanceof Frame frame)) {
            return;
        }
        Stack stack = frame.stack;
        stack.busy = true;
        try {
            Span span = frame.span;
            frame.span = null;
            if (frame.own.valid()) {
                // closes the scope (publishing none for an instant), then restores what was current
                long[] totals = publication.exit(null, null, 0, span);
                SpanIds saved = frame.saved;
                publication.publish(saved.traceHigh(), saved.traceLow(), saved.spanId(), saved.flags());
                if (totals != null && span != null && span.isRecording()) {
                    setBreakdown(span, totals);
                }
            }
            if (span != null) {
                if (thrown != null) {
                    span.recordException(thrown);
                    span.setStatus(StatusCode.ERROR);
                }
                span.end();
            }
        } finally {
            // Also unwinds frames whose exit was skipped (cannot happen with the advice, but cheap).
            stack.depth = frame.depth;
            stack.busy = false;
        }
    }

    /** The breakdown's attribute keys, made once: a key made per call costs an object and a hash. */
    private static final AttributeKey<Double>[] TIME_KEYS = timeKeys();
    private static final AttributeKey<Long>[] COUNT_KEYS = countKeys();

    @SuppressWarnings("unchecked")
    private static AttributeKey<Double>[] timeKeys() {
        AttributeKey<Double>[] keys = new AttributeKey[KernelTimes.TIME_COUNT];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = AttributeKey.doubleKey(KernelTimes.ATTRIBUTES[i]);
        }
        return keys;
    }

    @SuppressWarnings("unchecked")
    private static AttributeKey<Long>[] countKeys() {
        AttributeKey<Long>[] keys = new AttributeKey[KernelTimes.ATTRIBUTES.length - KernelTimes.TIME_COUNT];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = AttributeKey.longKey(KernelTimes.ATTRIBUTES[KernelTimes.TIME_COUNT + i]);
        }
        return keys;
    }

    /** The non-zero kernel-time values of the method's scope, as the bridge sets them on other spans. */
    private static void setBreakdown(Span span, long[] totals) {
        for (int i = 0; i < KernelTimes.ATTRIBUTES.length && i < totals.length; i++) {
            if (totals[i] <= 0) {
                continue;
            }
            if (i < KernelTimes.TIME_COUNT) {
                span.setAttribute(TIME_KEYS[i], totals[i] / 1e9);
            } else {
                span.setAttribute(COUNT_KEYS[i - KernelTimes.TIME_COUNT], totals[i]);
            }
        }
    }

    /** Active method spans of the calling thread (for tests). */
    int depth() {
        return stacks.get().depth;
    }

    static MethodInfo describe(String qualifiedMethod) {
        int dot = qualifiedMethod.lastIndexOf('.');
        String type = dot < 0 ? "" : qualifiedMethod.substring(0, dot);
        String method = qualifiedMethod.substring(dot + 1);
        String simpleType = type.substring(type.lastIndexOf('.') + 1);
        return new MethodInfo(simpleType.isEmpty() ? method : simpleType + "." + method,
                Attributes.of(CODE_NAMESPACE, type, CODE_FUNCTION, method));
    }
}
