package io.ebpfagent.loader.collection;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfCommand;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.IntSupplier;

/**
 * A global variable of a loaded {@link Collection}.
 *
 * <p>Variables of sections the kernel let us map ({@code BPF_F_MMAPABLE} arrays, the default for
 * {@code .data}, {@code .bss} and {@code .rodata} since Linux 5.5) are a {@link MemorySegment}
 * slice of the map's memory: reads and writes are plain memory accesses, seen by BPF programs at
 * once and allocation free. {@code .rodata} variables are mapped read-only (the map is frozen).
 * Otherwise every access goes through {@code BPF_MAP_LOOKUP_ELEM}/{@code UPDATE_ELEM} of the
 * whole section, which is slower and not atomic with respect to BPF.
 *
 * <p>Integers are little endian (eBPF objects are, and so is x86_64). The variable is valid
 * until its collection is closed; after that every access throws {@link IllegalStateException}.
 */
public final class Variable {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /*
     * What the variable needs of its spec, copied: the spec points to its whole collection spec
     * (instructions, BTF), which a loaded collection should not keep alive.
     */
    private final String name;
    private final String section;
    private final int offset;
    private final int size;
    private final boolean readOnly;
    private final MemorySegment memory;
    private final IntSupplier mapFd;
    private final int sectionSize;

    private Variable(VariableSpec spec, MemorySegment memory, IntSupplier mapFd, int sectionSize) {
        this.name = spec.name();
        this.section = spec.section();
        this.offset = spec.offset();
        this.size = spec.size();
        this.readOnly = spec.isConstant();
        this.memory = memory;
        this.mapFd = mapFd;
        this.sectionSize = sectionSize;
    }

    /** A variable backed by a slice of its section's mmapped memory. */
    static Variable mapped(VariableSpec spec, MemorySegment sectionMemory) {
        MemorySegment slice = sectionMemory.asSlice(spec.offset(), spec.size());
        return new Variable(spec, spec.isConstant() ? slice.asReadOnly() : slice, null, (int) sectionMemory.byteSize());
    }

    /** A variable read and written through map element syscalls on the section's map. */
    static Variable viaSyscalls(VariableSpec spec, IntSupplier mapFd, int sectionSize) {
        return new Variable(spec, null, mapFd, sectionSize);
    }

    /** The variable's name. */
    public String name() {
        return name;
    }

    /** Its section ({@code .data}, {@code .bss}, {@code .rodata}...), which is also its map's name. */
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

    /** True for {@code .rodata} variables: BPF sees them as constants and they cannot be written. */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** True when the variable is a slice of mapped map memory ({@link #memory()} works). */
    public boolean isMapped() {
        return memory != null;
    }

    /**
     * The variable's bytes in the mapped map: read-only for constants. Use it for structs and
     * arrays (with a {@link java.lang.foreign.MemoryLayout}) or for atomic access through a
     * {@link java.lang.invoke.VarHandle}.
     *
     * @throws IllegalStateException if the section is not mapped ({@link #isMapped()})
     */
    public MemorySegment memory() {
        if (memory == null) {
            throw new IllegalStateException("variable " + name() + " is not memory mapped: section " + section()
                    + " is not a BPF_F_MMAPABLE map on this kernel");
        }
        return memory;
    }

    /** A copy of the current value. */
    public byte[] getBytes() {
        if (memory != null) return memory.toArray(JAVA_BYTE);
        byte[] out = new byte[size()];
        MemorySegment.copy(readSection(), JAVA_BYTE, offset(), out, 0, size());
        return out;
    }

    /** The value as an unsigned little-endian integer of 1, 2, 4 or 8 bytes. */
    public long getLong() {
        requireInteger();
        MemorySegment m = memory != null ? memory : readSection().asSlice(offset(), size());
        return switch (size()) {
            case 1 -> Byte.toUnsignedLong(m.get(JAVA_BYTE, 0));
            case 2 -> Short.toUnsignedLong(m.get(SHORT, 0));
            case 4 -> Integer.toUnsignedLong(m.get(INT, 0));
            default -> m.get(LONG, 0);
        };
    }

    /** The value of a 4-byte variable. */
    public int getInt() {
        requireSize(4);
        return memory != null ? memory.get(INT, 0) : readSection().get(INT, offset());
    }

    /** Replaces the value; {@code value} must have exactly {@link #size()} bytes. */
    public void set(byte[] value) {
        if (value.length != size()) {
            throw new IllegalArgumentException("variable " + name() + " has " + size() + " bytes, value has " + value.length);
        }
        requireWritable();
        if (memory != null) {
            MemorySegment.copy(value, 0, memory, JAVA_BYTE, 0, value.length);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment section = readSection(arena);
            MemorySegment.copy(value, 0, section, JAVA_BYTE, offset(), value.length);
            writeSection(arena, section);
        }
    }

    /**
     * Sets an integer variable of 1, 2, 4 or 8 bytes; the value must fit its size (as signed or
     * unsigned).
     */
    public void set(long value) {
        requireInteger();
        if (size() < 8) {
            long max = 1L << (size() * 8);
            if (value >= max || value < -(max >>> 1)) {
                throw new IllegalArgumentException("value " + value + " does not fit the " + size() + " bytes of variable " + name());
            }
        }
        requireWritable();
        if (memory != null) {
            switch (size()) {
                case 1 -> memory.set(JAVA_BYTE, 0, (byte) value);
                case 2 -> memory.set(SHORT, 0, (short) value);
                case 4 -> memory.set(INT, 0, (int) value);
                default -> memory.set(LONG, 0, value);
            }
            return;
        }
        byte[] b = new byte[size()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (value >>> (8 * i));
        set(b);
    }

    /** Sets a 4-byte variable. */
    public void setInt(int value) {
        requireSize(4);
        set(Integer.toUnsignedLong(value));
    }

    private void requireInteger() {
        int s = size();
        if (s != 1 && s != 2 && s != 4 && s != 8) {
            throw new IllegalArgumentException("variable " + name() + " of " + s + " bytes is not an integer");
        }
    }

    private void requireSize(int expected) {
        if (size() != expected) {
            throw new IllegalArgumentException("variable " + name() + " has " + size() + " bytes, not " + expected);
        }
    }

    private void requireWritable() {
        if (isReadOnly()) {
            throw new UnsupportedOperationException("variable " + name() + " is in read-only " + section()
                    + "; set it with VariableSpec.set before loading");
        }
    }

    private MemorySegment readSection() {
        return readSection(Arena.ofAuto());
    }

    private MemorySegment readSection(Arena arena) {
        MemorySegment key = arena.allocate(4);
        MemorySegment value = arena.allocate(sectionSize, 8);
        int r = Bpf.mapLookupElem(mapFd.getAsInt(), key, value, 0);
        if (r < 0) throw Bpf.error(BpfCommand.MAP_LOOKUP_ELEM, -r);
        return value;
    }

    private void writeSection(Arena arena, MemorySegment value) {
        MemorySegment key = arena.allocate(4);
        int r = Bpf.mapUpdateElem(mapFd.getAsInt(), key, value, Bpf.ANY);
        if (r < 0) throw Bpf.error(BpfCommand.MAP_UPDATE_ELEM, -r);
    }

    @Override
    public String toString() {
        return "Variable[" + name() + " in " + section() + " at " + offset() + ", " + size() + " bytes"
                + (isMapped() ? ", mapped" : "") + (isReadOnly() ? ", read-only" : "") + "]";
    }
}
