package io.ebpfagent.loader.btf;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link Btf} type by type, for hand-made BTF (tests, feature probes, program BTF of
 * generated code). Ids are handed out in order starting at 1; forward references are allowed
 * as long as every id exists when {@link #build()} is called.
 */
public final class BtfBuilder {
    private final List<Type> types = new ArrayList<>(List.of(new Type.Void()));

    /** Adds a type and returns its id. */
    public int add(Type t) {
        if (t instanceof Type.Void) throw new IllegalArgumentException("void is implicit (id 0)");
        types.add(t);
        return types.size() - 1;
    }

    /** Replaces the type with the given id (to close reference cycles). */
    public BtfBuilder set(int id, Type t) {
        if (id <= 0 || id >= types.size()) throw new IllegalArgumentException("no type " + id);
        types.set(id, t);
        return this;
    }

    /** The id the next {@link #add} returns. */
    public int nextId() {
        return types.size();
    }

    /** The BTF of the types added so far; checks references by encoding and parsing it. */
    public Btf build() {
        byte[] raw = BtfWriter.write(types.subList(1, types.size()), new StringTable(), ByteOrder.nativeOrder());
        return Btf.parse(raw);
    }
}
