package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.maps.MapSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A global variable of an object file ({@code .data}, {@code .rodata}, {@code .bss} and their
 * {@code .name} variants) as part of a {@link CollectionSpec}: where it lives in its section's
 * map, and access to its initial value before the collection is loaded.
 *
 * <p>The value is stored in the owning collection's {@link MapSpec} of the section (the single
 * entry's value bytes). {@link #set} is copy-on-write: it builds a new value array and replaces
 * the section's {@code MapSpec} in {@link CollectionSpec#maps()}, so {@code MapSpec}s handed out
 * earlier keep their old contents. Typical use: set {@code .rodata} constants (a target pid, a
 * threshold) before load, which the verifier then treats as known values.
 */
public final class VariableSpec {
    private final CollectionSpec owner;
    private final String name;
    private final String section;
    private final int offset;
    private final int size;
    private final int typeId;

    VariableSpec(CollectionSpec owner, String name, String section, int offset, int size, int typeId) {
        this.owner = Objects.requireNonNull(owner);
        this.name = name;
        this.section = section;
        this.offset = offset;
        this.size = size;
        this.typeId = typeId;
    }

    /** The variable's symbol name. */
    public String name() {
        return name;
    }

    /** The name of the section, which is also the name of the map holding it. */
    public String section() {
        return section;
    }

    /** Byte offset in the section. */
    public int offset() {
        return offset;
    }

    /** Size in bytes. */
    public int size() {
        return size;
    }

    /** The BTF type id of the variable's type ({@code VAR}'s target) in the object's BTF, 0 if unknown. */
    public int typeId() {
        return typeId;
    }

    /** True for variables of {@code .rodata*} sections (constant after load: the map is frozen). */
    public boolean isConstant() {
        return section.startsWith(".rodata");
    }

    /** A copy of the variable's current initial value. */
    public byte[] get() {
        byte[] out = new byte[size];
        System.arraycopy(sectionValue(), offset, out, 0, size);
        return out;
    }

    /** The value as an unsigned little-endian integer of the variable's size (1, 2, 4 or 8 bytes). */
    public long getLong() {
        byte[] b = get();
        checkIntegerSize();
        long v = 0;
        for (int i = b.length - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    /** Replaces the initial value; {@code value} must have exactly {@link #size()} bytes. */
    public void set(byte[] value) {
        if (value.length != size) {
            throw new IllegalArgumentException("variable " + name + " has " + size + " bytes, value has " + value.length);
        }
        MapSpec map = owner.maps().get(section);
        if (map == null) throw new IllegalStateException("map " + section + " of variable " + name + " was removed");
        byte[] next = sectionValue(map).clone();
        System.arraycopy(value, 0, next, offset, size);
        List<MapSpec.Entry> entries = new ArrayList<>(map.contents());
        entries.set(0, MapSpec.Entry.of(entries.getFirst().key(), next));
        owner.maps().put(section, map.withContents(entries));
    }

    /**
     * Sets an integer variable of 1, 2, 4 or 8 bytes, little endian; the value must fit the size
     * (as signed or unsigned).
     */
    public void set(long value) {
        checkIntegerSize();
        if (size < 8) {
            long max = 1L << (size * 8);
            if (value >= max || value < -(max >>> 1)) {
                throw new IllegalArgumentException("value " + value + " does not fit the " + size + " bytes of variable " + name);
            }
        }
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        byte[] out = new byte[size];
        System.arraycopy(b.array(), 0, out, 0, size);
        set(out);
    }

    /** Sets an integer variable; see {@link #set(long)}. */
    public void set(int value) {
        set((long) value);
    }

    private void checkIntegerSize() {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("variable " + name + " of " + size + " bytes is not an integer");
        }
    }

    private byte[] sectionValue() {
        MapSpec map = owner.maps().get(section);
        if (map == null) throw new IllegalStateException("map " + section + " of variable " + name + " was removed");
        return sectionValue(map);
    }

    private byte[] sectionValue(MapSpec map) {
        if (map.contents().isEmpty() || map.contents().getFirst().value() == null) {
            throw new IllegalStateException("map " + section + " of variable " + name + " has no initial value");
        }
        byte[] v = map.contents().getFirst().value();
        if (offset + size > v.length) {
            throw new IllegalStateException("variable " + name + " lies beyond the " + v.length + " bytes of " + section);
        }
        return v;
    }

    VariableSpec copyFor(CollectionSpec newOwner) {
        return new VariableSpec(newOwner, name, section, offset, size, typeId);
    }

    @Override
    public String toString() {
        return "VariableSpec[" + name + " in " + section + " at " + offset + ", " + size + " bytes, type " + typeId + "]";
    }
}
