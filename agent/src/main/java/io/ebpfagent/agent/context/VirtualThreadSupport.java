package io.ebpfagent.agent.context;

import io.ebpfagent.agent.instrument.BootBridges;
import io.ebpfagent.agent.instrument.CallAtStart;
import io.ebpfagent.agent.instrument.KeptRetransformation;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes span context follow virtual threads across carriers. {@code java.lang.VirtualThread}
 * is retransformed (with the JDK class-file API: light, no Unsafe) so that
 * <ul>
 * <li>{@code mount()} calls {@code beforeMount()} on entry (still on the carrier: returns the
 * carrier's slot) and {@code afterMount(slot)} before each return (now on the virtual thread);</li>
 * <li>{@code unmount()} calls {@code beforeUnmount()} on entry.</li>
 * </ul>
 * The calls go to {@code java.lang.EbpfAgentVirtualThreadBridge}, a copy of
 * {@link VirtualThreadBridge} defined into the boot loader's {@code java.lang} package (no boot
 * class-path append, so no CDS warning), which forwards to {@link SpanContextPublication}.
 */
public final class VirtualThreadSupport {
    private static final Logger LOG = LoggerFactory.getLogger(VirtualThreadSupport.class);
    static final String BOOT_NAME = "java.lang.EbpfAgentVirtualThreadBridge";
    private static final ClassDesc BRIDGE = ClassDesc.of(BOOT_NAME);
    private static final MethodTypeDesc BEFORE_MOUNT = MethodTypeDesc.of(ConstantDescs.CD_int);
    private static final MethodTypeDesc AFTER_MOUNT = MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_int);

    private VirtualThreadSupport() {
    }

    /** Installs the hooks; returns false (and logs why) when this JVM does not allow it. */
    public static boolean install(Instrumentation inst, SpanContextPublication publication) {
        try {
            Module self = VirtualThreadSupport.class.getModule();
            inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
                    Map.of("java.lang", Set.of(self)), Set.of(), Map.of());
            Class<?> virtualThread = Class.forName("java.lang.VirtualThread");
            MethodHandles.Lookup javaLang = MethodHandles.privateLookupIn(virtualThread, MethodHandles.lookup());
            VarHandle carrier = javaLang.findVarHandle(virtualThread, "carrierThread", Thread.class);
            publication.setCarrierField(carrier);

            Class<?> bridge = BootBridges.define(inst, VirtualThreadBridge.class, BOOT_NAME);
            bridge.getField("beforeMount").set(null, (IntSupplier) publication::beforeMount);
            bridge.getField("afterMount").set(null, (IntConsumer) publication::afterMount);
            bridge.getField("beforeUnmount").set(null, (Runnable) publication::beforeUnmount);

            KeptRetransformation.install(inst, virtualThread, VirtualThreadSupport::instrument);
            return true;
        } catch (Throwable t) {
            LOG.warn("span context: virtual threads not followed across carriers: {}", t.toString());
            return false;
        }
    }

    /** Adds the bridge calls to {@code mount()} and {@code unmount()}. */
    static byte[] instrument(byte[] classfile) {
        ClassFile files = ClassFile.of();
        // One transform choosing per method: chaining two transformingMethodBodies with
        // andThen loses the first one's atStart insertions (JDK 25).
        ClassTransform transform = (builder, element) -> {
            if (element instanceof MethodModel method && isNoArg(method, "mount")) {
                builder.transformMethod(method, MethodTransform.transformingCode(new MountHooks()));
            } else if (element instanceof MethodModel method && isNoArg(method, "unmount")) {
                builder.transformMethod(method,
                        MethodTransform.transformingCode(new CallAtStart(BRIDGE, "beforeUnmount")));
            } else {
                builder.with(element);
            }
        };
        return files.transformClass(files.parse(classfile), transform);
    }

    private static boolean isNoArg(MethodModel method, String name) {
        return method.methodName().equalsString(name) && method.methodType().equalsString("()V");
    }

    private static final class MountHooks implements CodeTransform {
        private int slotLocal = -1;

        @Override
        public void atStart(CodeBuilder builder) {
            slotLocal = builder.allocateLocal(TypeKind.INT);
            builder.invokestatic(BRIDGE, "beforeMount", BEFORE_MOUNT);
            builder.istore(slotLocal);
        }

        @Override
        public void accept(CodeBuilder builder, CodeElement element) {
            if (element instanceof ReturnInstruction) {
                builder.iload(slotLocal);
                builder.invokestatic(BRIDGE, "afterMount", AFTER_MOUNT);
            }
            builder.with(element);
        }
    }
}
