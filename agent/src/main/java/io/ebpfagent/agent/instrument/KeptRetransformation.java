package io.ebpfagent.agent.instrument;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * Retransforms one loaded JDK class with a transformer that stays registered: a later
 * retransformation of the class (another agent's, such as the OpenTelemetry Java agent's when it
 * starts after this one) rebuilds it from the original bytes and the registered transformers only,
 * and would drop the change otherwise.
 */
public final class KeptRetransformation {
    private KeptRetransformation() {
    }

    /**
     * Registers a transformer applying {@code instrument} to {@code target} and retransforms it;
     * returns the transformer. On any failure (instrumenting threw, the class was not offered) the
     * transformer is removed again and the failure thrown.
     */
    public static ClassFileTransformer install(Instrumentation inst, Class<?> target, UnaryOperator<byte[]> instrument)
            throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        boolean[] seen = {false};
        ClassFileTransformer transformer = new ClassFileTransformer() {
            @Override
            public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefining,
                    ProtectionDomain domain, byte[] classfile) {
                if (redefining != target) {
                    return null;
                }
                try {
                    seen[0] = true;
                    return instrument.apply(classfile);
                } catch (Throwable t) {
                    failure.set(t);
                    return null;
                }
            }
        };
        inst.addTransformer(transformer, true);
        try {
            inst.retransformClasses(target);
            if (failure.get() != null) {
                throw new IllegalStateException("instrumenting " + target.getSimpleName() + " failed", failure.get());
            }
            if (!seen[0]) {
                throw new IllegalStateException(target.getSimpleName() + " was not offered for retransformation");
            }
        } catch (Throwable t) {
            inst.removeTransformer(transformer);
            throw t;
        }
        return transformer;
    }
}
