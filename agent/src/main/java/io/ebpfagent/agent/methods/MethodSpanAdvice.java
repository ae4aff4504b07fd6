package io.ebpfagent.agent.methods;

import net.bytebuddy.asm.Advice;

/**
 * The advice inlined into every configured method. Its calls to {@link MethodSpanBridge} are
 * redirected to the boot-loader copy {@code java.lang.EbpfAgentMethodSpans} before Byte Buddy
 * reads this class's bytes ({@link io.ebpfagent.agent.instrument.ClassRemapping}), so the instrumented class needs nothing from
 * the agent's class loader. The method name is a constant of the instrumented code.
 */
final class MethodSpanAdvice {
    private MethodSpanAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static Object enter(@Advice.Origin("#t.#m") String method) {
        return MethodSpanBridge.enter(method);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object token, @Advice.Thrown Throwable thrown) {
        MethodSpanBridge.exit(token, thrown);
    }
}
