package io.ebpfagent.loader.sys;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds C struct layouts from (name, layout) pairs, inserting the padding a C compiler would:
 * every field at its natural alignment and the struct rounded up to 8 bytes (the kernel's
 * {@code bpf_attr} and info structs are {@code aligned(8)}). Writing padding by hand is where
 * layouts go wrong; this keeps the declarations a plain transcription of the header.
 */
public final class Structs {
    private Structs() {
    }

    /** A struct of the given fields; {@code fields} alternates names and {@link MemoryLayout}s. */
    public static StructLayout struct(Object... fields) {
        List<MemoryLayout> members = new ArrayList<>();
        long offset = 0;
        int pad = 0;
        for (int i = 0; i < fields.length; i += 2) {
            String name = (String) fields[i];
            MemoryLayout layout = (MemoryLayout) fields[i + 1];
            long align = layout.byteAlignment();
            long aligned = (offset + align - 1) / align * align;
            if (aligned > offset) {
                members.add(MemoryLayout.paddingLayout(aligned - offset).withName("pad" + pad++));
            }
            members.add(layout.withName(name));
            offset = aligned + layout.byteSize();
        }
        long end = (offset + 7) / 8 * 8;
        if (end > offset) {
            members.add(MemoryLayout.paddingLayout(end - offset).withName("pad" + pad));
        }
        return MemoryLayout.structLayout(members.toArray(new MemoryLayout[0]));
    }

    /**
     * The byte offset of a top-level field. Sums the sizes of the members before it (a struct
     * layout's members are contiguous, padding included) rather than asking
     * {@code byteOffset(groupElement(field))}, whose layout path spins method handle classes
     * the first time: these offsets are computed in class initialisers on every cold start.
     *
     * @throws IllegalArgumentException if the struct has no such field
     */
    public static long offset(StructLayout layout, String field) {
        long offset = 0;
        for (MemoryLayout member : layout.memberLayouts()) {
            Optional<String> name = member.name();
            if (name.isPresent() && name.get().equals(field)) {
                return offset;
            }
            offset += member.byteSize();
        }
        throw new IllegalArgumentException("no field " + field + " in " + layout);
    }
}
