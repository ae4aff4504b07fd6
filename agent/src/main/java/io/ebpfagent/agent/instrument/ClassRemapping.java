package io.ebpfagent.agent.instrument;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;

/** Redirects field and method references from one class to another in a class file (JDK class-file API). */
public final class ClassRemapping {
    private ClassRemapping() {
    }

    /**
     * {@code classfile} with every field access and invocation on {@code from} going to {@code to};
     * when the class itself is {@code from}, it is renamed to {@code to} as well.
     */
    public static byte[] redirect(byte[] classfile, ClassDesc from, ClassDesc to) {
        CodeTransform references = (builder, element) -> {
            if (element instanceof FieldInstruction field && field.owner().asSymbol().equals(from)) {
                builder.fieldAccess(field.opcode(), to, field.name().stringValue(), field.typeSymbol());
            } else if (element instanceof InvokeInstruction invoke && invoke.owner().asSymbol().equals(from)) {
                builder.invoke(invoke.opcode(), to, invoke.name().stringValue(), invoke.typeSymbol(),
                        invoke.isInterface());
            } else {
                builder.with(element);
            }
        };
        ClassFile files = ClassFile.of();
        ClassModel model = files.parse(classfile);
        ClassDesc name = model.thisClass().asSymbol().equals(from) ? to : model.thisClass().asSymbol();
        return files.transformClass(model, name, ClassTransform.transformingMethodBodies(references));
    }

    /** The class file of a class of the agent (its loader maps {@code .class} resources to its entries). */
    public static byte[] bytesOf(Class<?> type) throws IOException {
        String resource = "/" + type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing " + resource);
            }
            return in.readAllBytes();
        }
    }
}
