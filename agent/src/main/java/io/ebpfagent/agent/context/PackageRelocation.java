package io.ebpfagent.agent.context;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Moves a class file to another package prefix the way a shading relocation does: every UTF-8
 * constant containing {@code from} (class names, descriptors, signatures) has it replaced by
 * {@code to}. Works on the constant pool alone, so every attribute that refers to a name follows;
 * the JDK ships no remapper. Only for classes whose string literals never contain {@code from}
 * in internal form (the bridge's literals use dotted names).
 */
final class PackageRelocation {
    private static final int MAGIC = 0xCAFEBABE;

    private PackageRelocation() {
    }

    static byte[] relocate(byte[] classfile, String from, String to) {
        if (from.equals(to)) {
            return classfile;
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(classfile));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(classfile.length + 1024);
            DataOutputStream out = new DataOutputStream(bytes);
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a class file");
            }
            out.writeInt(MAGIC);
            out.writeShort(in.readUnsignedShort()); // minor
            out.writeShort(in.readUnsignedShort()); // major
            int count = in.readUnsignedShort();
            out.writeShort(count);
            for (int index = 1; index < count; index++) {
                int tag = in.readUnsignedByte();
                out.writeByte(tag);
                switch (tag) {
                    case 1 -> out.writeUTF(in.readUTF().replace(from, to)); // Utf8 (modified UTF-8 both ways)
                    case 7, 8, 16, 19, 20 -> out.writeShort(in.readUnsignedShort()); // Class, String, MethodType, Module, Package
                    case 15 -> { // MethodHandle
                        out.writeByte(in.readUnsignedByte());
                        out.writeShort(in.readUnsignedShort());
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> out.writeInt(in.readInt()); // Integer, Float, refs, NameAndType, (Invoke)Dynamic
                    case 5, 6 -> { // Long, Double take two slots
                        out.writeLong(in.readLong());
                        index++;
                    }
                    default -> throw new IllegalArgumentException("unknown constant pool tag " + tag + " at " + index);
                }
            }
            int consumed = classfile.length - in.available();
            out.write(classfile, consumed, classfile.length - consumed);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("malformed class file", e);
        }
    }

    /** The class's own internal name (for checks). */
    static String thisClass(byte[] classfile) {
        return java.lang.classfile.ClassFile.of().parse(classfile).thisClass().asInternalName();
    }
}
