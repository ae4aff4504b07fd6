package io.ebpfagent.agent.context;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

/**
 * The name and {@code http.route} of a span object of any OpenTelemetry SDK copy (the
 * application's, the OpenTelemetry Java agent's in its own class loader), through the SDK's
 * public {@code ReadableSpan} interface, found and bound once per span class. Spans of other
 * implementations have neither.
 */
final class SpanNaming {
    private static final String READABLE_SPAN = ".sdk.trace.ReadableSpan";
    private static final String HTTP_ROUTE = "http.route";

    private record Accessors(MethodHandle name, MethodHandle attribute, Object routeKey) {
        static final Accessors NONE = new Accessors(null, null, null);
    }

    private final ClassValue<Accessors> byClass = new ClassValue<>() {
        @Override
        protected Accessors computeValue(Class<?> type) {
            return find(type);
        }
    };

    /** The span's name, or null. */
    String name(Object span) {
        Accessors a = span == null ? Accessors.NONE : byClass.get(span.getClass());
        if (a.name == null) {
            return null;
        }
        try {
            return (String) a.name.invoke(span);
        } catch (Throwable t) {
            return null;
        }
    }

    /** The span's {@code http.route} attribute, or null. */
    String route(Object span) {
        Accessors a = span == null ? Accessors.NONE : byClass.get(span.getClass());
        if (a.attribute == null) {
            return null;
        }
        try {
            Object value = a.attribute.invoke(span, a.routeKey);
            return value instanceof String s ? s : null;
        } catch (Throwable t) {
            return null;
        }
    }

    private static Accessors find(Class<?> type) {
        Class<?> readable = readableSpan(type);
        if (readable == null) {
            return Accessors.NONE;
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            MethodHandle name = lookup.findVirtual(readable, "getName", MethodType.methodType(String.class));
            MethodHandle attribute = null;
            Object routeKey = null;
            for (Method m : readable.getMethods()) {
                if (m.getName().equals("getAttribute") && m.getParameterCount() == 1) {
                    Class<?> keyType = m.getParameterTypes()[0];
                    routeKey = keyType.getMethod("stringKey", String.class).invoke(null, HTTP_ROUTE);
                    attribute = lookup.unreflect(m);
                    break;
                }
            }
            return new Accessors(name, attribute, routeKey);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Accessors.NONE;
        }
    }

    private static Class<?> readableSpan(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                Class<?> found = i.getName().endsWith(READABLE_SPAN) ? i : readableSpan(i);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }
}
