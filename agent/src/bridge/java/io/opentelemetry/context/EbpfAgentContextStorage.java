package io.opentelemetry.context;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.lang.invoke.MethodHandle;

/**
 * Defined by the ebpf-agent next to an OpenTelemetry context API: the application's own copy, or
 * the OpenTelemetry Java agent's shaded copy in the boot loader (then with every
 * {@code io/opentelemetry/} reference relocated to that copy's package). The agent rewrites that
 * copy's {@code LazyStorage.get()} to return {@link #wrap}'s result, so every attach and every scope
 * close on a thread hands the thread's now-current span context to the agent through a JDK-only
 * MethodHandle {@code (String traceId, String spanId, int flags) void}. Rewriting the getter,
 * rather than registering a {@code ContextStorage.addWrapper}, works however late the agent comes:
 * also when the storage was created before it (another agent's premain ran first).
 *
 * <p>One class plays both roles to keep the bridge to a single class: the storage
 * ({@code scope == null}) and a scope. No lambdas: nothing here may need a bootstrap method.
 */
public final class EbpfAgentContextStorage implements ContextStorage, Scope {
    /** The storage class the OpenTelemetry Java agent puts in front of an application's API. */
    private static final String JAVAAGENT_BRIDGE = "io.opentelemetry.javaagent.instrumentation.";

    /**
     * Attributes set on a span whose scope closed, in the agent's KernelTimes.NAMES order: first
     * times (nanoseconds, exported in seconds), then counts and bytes (exported as they are).
     */
    private static final String[] TIME_ATTRIBUTES = {"kernel.cpu.time", "kernel.runqueue.time",
        "kernel.wait.lock.time", "kernel.wait.network.time", "kernel.wait.disk.time", "kernel.wait.sleep.time",
        "kernel.wait.other.time", "kernel.gc.pause.time", "kernel.safepoint.time"};
    private static final String[] COUNT_ATTRIBUTES = {"kernel.io.read.bytes", "kernel.io.write.bytes",
        "kernel.io.read.calls", "kernel.io.write.calls", "kernel.syscalls"};
    /** Made once: a key made per call (what setAttribute(String, ...) does) costs an object and a hash. */
    private static final AttributeKey<?>[] TIME_KEYS = new AttributeKey<?>[TIME_ATTRIBUTES.length];
    private static final AttributeKey<?>[] COUNT_KEYS = new AttributeKey<?>[COUNT_ATTRIBUTES.length];

    static {
        for (int i = 0; i < TIME_ATTRIBUTES.length; i++) {
            TIME_KEYS[i] = AttributeKey.doubleKey(TIME_ATTRIBUTES[i]);
        }
        for (int i = 0; i < COUNT_ATTRIBUTES.length; i++) {
            COUNT_KEYS[i] = AttributeKey.longKey(COUNT_ATTRIBUTES[i]);
        }
    }

    private static volatile MethodHandle sink;
    private static volatile MethodHandle exit;
    /** The last wrapper handed out; plain on purpose: a stale read only builds one more wrapper. */
    private static EbpfAgentContextStorage wrapped;
    /** A storage handed out unwrapped (see {@link #wrap}). */
    private static ContextStorage passThrough;

    private final ContextStorage delegate;
    private final Scope scope;
    /** The span this scope made current (a scope), null for the storage. */
    private final Span span;

    private EbpfAgentContextStorage(ContextStorage delegate, Scope scope, Span span) {
        this.delegate = delegate;
        this.scope = scope;
        this.span = span;
    }

    /**
     * Connects the publication targets: {@code opened} {@code (String, String, int) void} for a
     * scope that opened, {@code closed} {@code (String, String, int, Object closedSpan) long[]} for
     * one that closed, answering the closed span's kernel-time totals in nanoseconds or null (may be
     * null: then {@code opened} is told). Null {@code opened} disconnects.
     */
    public static void install(MethodHandle opened, MethodHandle closed) {
        exit = closed;
        sink = opened;
    }

    /** Whether a publication target is connected. */
    public static boolean connected() {
        return sink != null;
    }

    /**
     * What the rewritten {@code LazyStorage.get()} returns instead of {@code storage}: one wrapper
     * per storage instance, made once. An application storage that the OpenTelemetry Java agent
     * bridged to its own context is returned as it is: every change of it reaches the agent's
     * shaded storage, which is wrapped itself, and publishing twice would only cost.
     */
    public static ContextStorage wrap(ContextStorage storage) {
        EbpfAgentContextStorage last = wrapped;
        if (last != null && last.delegate == storage) {
            return last;
        }
        if (storage == passThrough) {
            return storage;
        }
        return wrapSlow(storage);
    }

    private static ContextStorage wrapSlow(ContextStorage storage) {
        if (storage == null || storage instanceof EbpfAgentContextStorage) {
            return storage;
        }
        if (storage.getClass().getName().startsWith(JAVAAGENT_BRIDGE)) {
            passThrough = storage;
            return storage;
        }
        EbpfAgentContextStorage created = new EbpfAgentContextStorage(storage, null, null);
        wrapped = created;
        return created;
    }

    @Override
    public Scope attach(Context toAttach) {
        Scope inner = delegate.attach(toAttach);
        if (inner == Scope.noop()) {
            // The delegate changed nothing (already current), so there is nothing to publish.
            return inner;
        }
        Span attached = publish(toAttach);
        return new EbpfAgentContextStorage(delegate, inner, attached);
    }

    @Override
    public Context current() {
        return delegate.current();
    }

    @Override
    public Context root() {
        return delegate.root();
    }

    @Override
    public void close() {
        scope.close();
        // What is current now: the enclosing context, or none (a pool thread back to waiting).
        MethodHandle closed = exit;
        if (closed == null) {
            publish(delegate.current());
            return;
        }
        if (sink == null) {
            return;
        }
        try {
            Context current = delegate.current();
            SpanContext now = current == null ? SpanContext.getInvalid() : Span.fromContext(current).getSpanContext();
            long[] totals = now.isValid()
                    ? (long[]) closed.invokeExact(now.getTraceId(), now.getSpanId(), now.getTraceFlags().asByte() & 0xff,
                            (Object) span)
                    : (long[]) closed.invokeExact((String) null, (String) null, 0, (Object) span);
            if (totals != null && span != null && span.isRecording()) {
                for (int i = 0; i < TIME_KEYS.length && i < totals.length; i++) {
                    if (totals[i] > 0) {
                        span.setAttribute(doubleKey(TIME_KEYS[i]), totals[i] / 1e9);
                    }
                }
                for (int i = 0; i < COUNT_KEYS.length && TIME_KEYS.length + i < totals.length; i++) {
                    long value = totals[TIME_KEYS.length + i];
                    if (value > 0) {
                        span.setAttribute(longKey(COUNT_KEYS[i]), value);
                    }
                }
            }
        } catch (Throwable t) {
            sink = null;
        }
    }

    @SuppressWarnings("unchecked")
    private static AttributeKey<Double> doubleKey(AttributeKey<?> key) {
        return (AttributeKey<Double>) key;
    }

    @SuppressWarnings("unchecked")
    private static AttributeKey<Long> longKey(AttributeKey<?> key) {
        return (AttributeKey<Long>) key;
    }

    /** Tells the agent that {@code context} is current now; answers its valid span, or null. */
    private static Span publish(Context context) {
        MethodHandle target = sink;
        if (target == null) {
            return null;
        }
        try {
            Span current = context == null ? null : Span.fromContext(context);
            SpanContext span = current == null ? SpanContext.getInvalid() : current.getSpanContext();
            if (span.isValid()) {
                target.invokeExact(span.getTraceId(), span.getSpanId(), span.getTraceFlags().asByte() & 0xff);
                return current;
            }
            target.invokeExact((String) null, (String) null, 0);
            return null;
        } catch (Throwable t) {
            // Never break the application's context propagation; stop publishing instead.
            sink = null;
            return null;
        }
    }
}
