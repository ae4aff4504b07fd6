package io.ebpfagent.agent.instrument;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;

/** Puts a call of a static no-argument void method at the start of a method's code, leaving the rest as it is. */
public record CallAtStart(ClassDesc owner, String method) implements CodeTransform {
    private static final MethodTypeDesc NO_ARGS = MethodTypeDesc.of(ConstantDescs.CD_void);

    @Override
    public void atStart(CodeBuilder builder) {
        builder.invokestatic(owner, method, NO_ARGS);
    }

    @Override
    public void accept(CodeBuilder builder, CodeElement element) {
        builder.with(element);
    }
}
