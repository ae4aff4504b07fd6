package io.opentelemetry.context;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.lang.invoke.MethodHandle;
import java.util.function.Function;

/**
 * Defined by the ebpf-agent into the application's class loader, next to the application's own
 * OpenTelemetry context classes (this source is compiled against the OTel API but never
 * relocated). Wraps the application's ContextStorage: every attach, and every scope close,
 * hands the now-current span context of the thread to the agent through a JDK-only
 * MethodHandle {@code (String traceId, String spanId, int flags) void}.
 *
 * <p>One class plays three roles to keep the bridge to a single class: the wrapper factory
 * ({@code delegate == null}), the storage ({@code scope == null}) and a scope.
 */
public final class EbpfAgentContextStorage implements ContextStorage, Scope,
        Function<ContextStorage, ContextStorage> {
    private static volatile MethodHandle sink;

    private final ContextStorage delegate;
    private final Scope scope;

    private EbpfAgentContextStorage(ContextStorage delegate, Scope scope) {
        this.delegate = delegate;
        this.scope = scope;
    }

    /** Registers the wrapper; must run before the application's ContextStorage is first used. */
    public static void install(MethodHandle publisher) {
        sink = publisher;
        ContextStorage.addWrapper(new EbpfAgentContextStorage(null, null));
    }

    /** Whether the wrapper is the one in use (false when the storage was initialized first). */
    public static boolean active() {
        return ContextStorage.get() instanceof EbpfAgentContextStorage;
    }

    @Override
    public ContextStorage apply(ContextStorage storage) {
        return new EbpfAgentContextStorage(storage, null);
    }

    @Override
    public Scope attach(Context toAttach) {
        Scope inner = delegate.attach(toAttach);
        if (inner == Scope.noop()) {
            // The delegate changed nothing (already current), so there is nothing to publish.
            return inner;
        }
        publish(toAttach);
        return new EbpfAgentContextStorage(delegate, inner);
    }

    @Override
    public Context current() {
        return delegate.current();
    }

    @Override
    public void close() {
        scope.close();
        publish(delegate.current());
    }

    private static void publish(Context context) {
        MethodHandle target = sink;
        if (target == null) {
            return;
        }
        try {
            SpanContext span = context == null ? SpanContext.getInvalid() : Span.fromContext(context).getSpanContext();
            if (span.isValid()) {
                target.invokeExact(span.getTraceId(), span.getSpanId(), span.getTraceFlags().asByte() & 0xff);
            } else {
                target.invokeExact((String) null, (String) null, 0);
            }
        } catch (Throwable t) {
            // Never break the application's context propagation; stop publishing instead.
            sink = null;
        }
    }
}
