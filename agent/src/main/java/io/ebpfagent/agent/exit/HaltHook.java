package io.ebpfagent.agent.exit;

import io.ebpfagent.agent.instrument.BootBridges;
import io.ebpfagent.agent.instrument.CallAtStart;
import io.ebpfagent.agent.instrument.KeptRetransformation;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.constant.ClassDesc;
import java.lang.instrument.Instrumentation;

/**
 * Lets the agent act before {@code Runtime.halt}, which runs no shutdown hook: HotSpot's exit
 * then waits up to 300 ms ({@code UserThreadWaitAttemptsAtExit}) for every Java thread that is in
 * native code, and the agent's idle threads are (the ring-buffer thread in {@code epoll_wait}, the
 * exporters' selectors). A thread woken before the halt leaves native code and is stopped at the
 * exit's safepoint instead, so the halt costs no wait.
 *
 * <p>{@code java.lang.Runtime.halt(int)} is retransformed (JDK class-file API) to call
 * {@code java.lang.EbpfAgentHaltBridge.beforeHalt()} on entry, a boot copy of {@link HaltBridge}.
 */
public final class HaltHook {
    static final String BOOT_NAME = "java.lang.EbpfAgentHaltBridge";
    /** Whether {@code Runtime} carries the call (its transformer stays registered); guarded by the class. */
    private static boolean hooked;
    private static final ClassDesc BRIDGE = ClassDesc.of(BOOT_NAME);

    private HaltHook() {
    }

    /**
     * Makes {@code Runtime.halt} run {@code beforeHalt} first (replacing an earlier action). The
     * action runs on the halting thread: it must be quick and must not block.
     */
    public static void install(Instrumentation inst, Runnable beforeHalt) throws Exception {
        if (!inst.isRetransformClassesSupported()) {
            throw new IllegalStateException("class retransformation is not supported by this JVM");
        }
        Class<?> bridge = BootBridges.define(inst, HaltBridge.class, BOOT_NAME);
        bridge.getField("beforeHalt").set(null, beforeHalt);
        synchronized (HaltHook.class) {
            if (!hooked) {
                KeptRetransformation.install(inst, Runtime.class, HaltHook::instrument);
                hooked = true;
            }
        }
    }

    /** Removes the action; {@code Runtime.halt} keeps calling the (then empty) bridge. */
    public static void uninstall() {
        try {
            Class<?> bridge = Class.forName(BOOT_NAME, false, null);
            bridge.getField("beforeHalt").set(null, null);
        } catch (ReflectiveOperationException | LinkageError absent) {
            // never installed
        }
    }

    /** {@code Runtime}'s class file with the bridge call at the start of {@code halt(int)}. */
    static byte[] instrument(byte[] classfile) {
        ClassFile files = ClassFile.of();
        ClassTransform transform = (builder, element) -> {
            if (element instanceof MethodModel method && method.methodName().equalsString("halt")
                    && method.methodType().equalsString("(I)V")) {
                builder.transformMethod(method,
                        MethodTransform.transformingCode(new CallAtStart(BRIDGE, "beforeHalt")));
            } else {
                builder.with(element);
            }
        };
        return files.transformClass(files.parse(classfile), transform);
    }
}
