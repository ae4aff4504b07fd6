package io.ebpfagent.agent.exit;

import io.ebpfagent.agent.instrument.BootBridges;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.concurrent.atomic.AtomicReference;

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
    /** The transformer that keeps the call in {@code Runtime.halt}, once installed. */
    private static final AtomicReference<ClassFileTransformer> INSTALLED = new AtomicReference<>();
    private static final ClassDesc BRIDGE = ClassDesc.of(BOOT_NAME);
    private static final MethodTypeDesc BEFORE_HALT = MethodTypeDesc.of(ConstantDescs.CD_void);

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
        if (INSTALLED.get() == null) {
            retransform(inst);
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

    private static void retransform(Instrumentation inst) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        boolean[] seen = {false};
        ClassFileTransformer transformer = new ClassFileTransformer() {
            @Override
            public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefining,
                    ProtectionDomain domain, byte[] classfile) {
                if (redefining != Runtime.class) {
                    return null;
                }
                try {
                    seen[0] = true;
                    return instrument(classfile);
                } catch (Throwable t) {
                    failure.set(t);
                    return null;
                }
            }
        };
        // Registered for good, as for VirtualThread: another agent's later retransformation of
        // Runtime starts from the original bytes and the registered transformers only.
        if (!INSTALLED.compareAndSet(null, transformer)) {
            return;
        }
        inst.addTransformer(transformer, true);
        try {
            inst.retransformClasses(Runtime.class);
            if (failure.get() != null) {
                throw new IllegalStateException("instrumenting Runtime failed", failure.get());
            }
            if (!seen[0]) {
                throw new IllegalStateException("Runtime was not offered for retransformation");
            }
        } catch (Throwable t) {
            inst.removeTransformer(transformer);
            INSTALLED.set(null);
            throw t;
        }
    }

    /** {@code Runtime}'s class file with the bridge call at the start of {@code halt(int)}. */
    static byte[] instrument(byte[] classfile) {
        ClassFile files = ClassFile.of();
        ClassTransform transform = (builder, element) -> {
            if (element instanceof MethodModel method && method.methodName().equalsString("halt")
                    && method.methodType().equalsString("(I)V")) {
                builder.transformMethod(method, MethodTransform.transformingCode(new BeforeHalt()));
            } else {
                builder.with(element);
            }
        };
        return files.transformClass(files.parse(classfile), transform);
    }

    private static final class BeforeHalt implements CodeTransform {
        @Override
        public void atStart(CodeBuilder builder) {
            builder.invokestatic(BRIDGE, "beforeHalt", BEFORE_HALT);
        }

        @Override
        public void accept(CodeBuilder builder, CodeElement element) {
            builder.with(element);
        }
    }
}
