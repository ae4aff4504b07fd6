package io.ebpfagent.probes.layout;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/** Helpers to declare the C structs shared with the BPF objects. */
final class Structs {
    private Structs() {
    }

    static StructLayout struct(String cName, MemoryLayout... members) {
        return MemoryLayout.structLayout(members).withName(cName);
    }

    static ValueLayout.OfLong u64(String name) {
        return ValueLayout.JAVA_LONG.withName(name);
    }

    static ValueLayout.OfInt u32(String name) {
        return ValueLayout.JAVA_INT.withName(name);
    }

    static ValueLayout.OfShort u16(String name) {
        return ValueLayout.JAVA_SHORT.withName(name);
    }

    static ValueLayout.OfByte u8(String name) {
        return ValueLayout.JAVA_BYTE.withName(name);
    }

    static SequenceLayout bytes(String name, int n) {
        return MemoryLayout.sequenceLayout(n, ValueLayout.JAVA_BYTE).withName(name);
    }

    static SequenceLayout u64s(String name, int n) {
        return MemoryLayout.sequenceLayout(n, ValueLayout.JAVA_LONG).withName(name);
    }

    static long offset(MemoryLayout struct, String... path) {
        return struct.byteOffset(path(path));
    }

    /**
     * A VarHandle of a scalar member with coordinates {@code (MemorySegment, long base)}, the
     * base being the struct's offset in the segment.
     */
    static VarHandle handle(MemoryLayout struct, String... path) {
        return struct.varHandle(path(path));
    }

    /** A VarHandle on element {@code i} of an array member: {@code (MemorySegment, long base, long i)}. */
    static VarHandle arrayHandle(MemoryLayout struct, String member) {
        return struct.varHandle(PathElement.groupElement(member), PathElement.sequenceElement());
    }

    private static PathElement[] path(String... names) {
        PathElement[] p = new PathElement[names.length];
        for (int i = 0; i < names.length; i++) {
            p[i] = PathElement.groupElement(names[i]);
        }
        return p;
    }

}
