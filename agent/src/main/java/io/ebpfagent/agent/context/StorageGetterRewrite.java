package io.ebpfagent.agent.context;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;

/**
 * Rewrites a copy's {@code LazyStorage.get()} so that the storage it returns passes through the
 * bridge first: {@code return EbpfAgentContextStorage.wrap(storage);}. Only the body of one
 * method changes, which retransformation allows on a class that is already loaded.
 */
final class StorageGetterRewrite {
    private StorageGetterRewrite() {
    }

    /** {@code lazyStorage} rewritten; throws when it has no {@code static ContextStorage get()}. */
    static byte[] rewrite(byte[] lazyStorage, String prefix) {
        ClassDesc storage = ClassDesc.ofInternalName(OtelNames.internal(prefix, OtelNames.CONTEXT_STORAGE_SIMPLE));
        ClassDesc bridge = ClassDesc.ofInternalName(OtelNames.internal(prefix, OtelNames.BRIDGE_SIMPLE));
        MethodTypeDesc getter = MethodTypeDesc.of(storage);
        MethodTypeDesc wrap = MethodTypeDesc.of(storage, storage);
        CodeTransform wrapReturns = (builder, element) -> {
            if (element instanceof ReturnInstruction ret && ret.typeKind() == TypeKind.REFERENCE) {
                builder.invokestatic(bridge, "wrap", wrap);
            }
            builder.with(element);
        };
        ClassFile files = ClassFile.of();
        ClassModel model = files.parse(lazyStorage);
        boolean[] found = {false};
        ClassTransform transform = (builder, element) -> {
            if (element instanceof MethodModel method && method.methodName().equalsString("get")
                    && method.methodTypeSymbol().equals(getter) && method.flags().has(AccessFlag.STATIC)) {
                found[0] = true;
                builder.transformMethod(method, MethodTransform.transformingCode(wrapReturns));
            } else {
                builder.with(element);
            }
        };
        byte[] rewritten = files.transformClass(model, transform);
        if (!found[0]) {
            throw new IllegalStateException(model.thisClass().asInternalName() + " has no static get() returning "
                    + storage.displayName());
        }
        return rewritten;
    }
}
