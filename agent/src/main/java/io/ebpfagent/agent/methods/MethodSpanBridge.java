package io.ebpfagent.agent.methods;

import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Template of the class the agent defines into the boot loader as
 * {@code java.lang.EbpfAgentMethodSpans} (renamed at run time, see {@link io.ebpfagent.agent.instrument.ClassRemapping}): the
 * advice inlined into application methods runs in the application's class loader and can see
 * boot classes only, so this one forwards to the agent through JDK functional interfaces.
 * Never used under its own name. A failure here never reaches the application method.
 */
public final class MethodSpanBridge {
    /** Method {@code "fully.qualified.Class.method"} entered; returns the exit token or null. */
    public static volatile Function<String, Object> onEnter;
    /** Method left (normally or with the throwable); gets the token from {@link #onEnter}. */
    public static volatile BiConsumer<Object, Throwable> onExit;

    private MethodSpanBridge() {
    }

    public static Object enter(String method) {
        Function<String, Object> hook = onEnter;
        if (hook == null) {
            return null;
        }
        try {
            return hook.apply(method);
        } catch (Throwable t) {
            return null;
        }
    }

    public static void exit(Object token, Throwable thrown) {
        if (token == null) {
            return;
        }
        BiConsumer<Object, Throwable> hook = onExit;
        if (hook != null) {
            try {
                hook.accept(token, thrown);
            } catch (Throwable t) {
                // Never let the agent change how the application method completes.
            }
        }
    }
}
