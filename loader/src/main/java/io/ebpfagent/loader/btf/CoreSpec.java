package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.btf.Type.*;

import java.util.ArrayList;
import java.util.List;

/**
 * One side (local or target) of a CO-RE relocation: the access path as a list of high-level
 * accessors (named fields and array indexes), the raw index path through anonymous members,
 * and the resulting bit offset.
 */
final class CoreSpec {
    static final int MAX_LEN = 64;

    /** A named member ({@code name != null}) of composite {@code typeId}, or an array index into elements of {@code typeId}. */
    record Accessor(int typeId, int idx, String name) {}

    final Btf btf;
    final int rootId;
    final CoreRelocationKind kind;
    final List<Accessor> accessors = new ArrayList<>();
    final List<Integer> raw = new ArrayList<>();
    long bitOffset;

    CoreSpec(Btf btf, int rootId, CoreRelocationKind kind) {
        this.btf = btf;
        this.rootId = rootId;
        this.kind = kind;
    }

    Accessor last() {
        return accessors.getLast();
    }

    /** Parses the local side from the relocation's access string ({@code bpf_core_parse_spec}). */
    static CoreSpec parse(Btf btf, CoreRelocation relo) {
        String s = relo.accessor();
        if (s.isEmpty() || s.charAt(0) == ':') throw new CoreTypes.Invalid("empty access string");
        CoreSpec spec = new CoreSpec(btf, relo.typeId(), relo.kind());
        if (relo.kind().isTypeBased()) {
            if (!s.equals("0")) throw new CoreTypes.Invalid("type-based relocation with access string \"" + s + "\"");
            return spec;
        }
        for (String part : s.split(":", -1)) {
            try {
                spec.raw.add(Integer.parseInt(part));
            } catch (NumberFormatException e) {
                throw new CoreTypes.Invalid("malformed access string \"" + s + "\"");
            }
            if (spec.raw.size() > MAX_LEN) throw new CoreTypes.Invalid("access string too long");
        }
        int id = btf.resolve(relo.typeId());
        Type t = btf.type(id);
        int idx = spec.raw.getFirst();
        if (relo.kind().isEnumValueBased()) {
            if (!(t instanceof Enumeration e) || spec.raw.size() > 1 || idx < 0 || idx >= e.values().size()) {
                throw new CoreTypes.Invalid("enum value relocation does not name an enumerator of an enum");
            }
            spec.accessors.add(new Accessor(id, idx, e.values().get(idx).name()));
            return spec;
        }
        if (!relo.kind().isFieldBased()) throw new CoreTypes.Invalid("unknown relocation kind " + relo.kind());
        spec.accessors.add(new Accessor(id, idx, null));
        spec.bitOffset = idx * size(btf, id) * 8;
        for (int i = 1; i < spec.raw.size(); i++) {
            id = btf.resolve(id);
            t = btf.type(id);
            idx = spec.raw.get(i);
            if (t instanceof Composite c) {
                if (idx < 0 || idx >= c.members().size()) throw new CoreTypes.Invalid("member index " + idx + " out of range");
                Member m = c.members().get(idx);
                spec.bitOffset += m.bitOffset();
                if (!m.name().isEmpty()) spec.accessors.add(new Accessor(id, idx, m.name()));
                id = m.type();
            } else if (t instanceof Array a) {
                int elem = btf.resolve(a.elem());
                boolean flex = isFlexArray(btf, spec.last(), a);
                if (idx < 0 || (!flex && idx >= a.nelems())) throw new CoreTypes.Invalid("array index " + idx + " out of range");
                spec.accessors.add(new Accessor(elem, idx, null));
                spec.bitOffset += idx * size(btf, elem) * 8;
                id = elem;
            } else {
                throw new CoreTypes.Invalid("access path goes through type " + id + " of kind " + t.kindName());
            }
        }
        return spec;
    }

    static long size(Btf btf, int id) {
        try {
            return btf.sizeOf(id);
        } catch (BtfException e) {
            throw new CoreTypes.Invalid(e.getMessage());
        }
    }

    /** A zero-length array as the last member of a struct: indexes beyond its bounds are fine. */
    static boolean isFlexArray(Btf btf, Accessor enclosing, Array a) {
        if (enclosing.name() == null || a.nelems() > 0) return false;
        return enclosing.idx() == ((Composite) btf.type(enclosing.typeId())).members().size() - 1;
    }

    /** Matches the local spec against target type {@code targId}; null when it does not match ({@code bpf_core_spec_match}). */
    static CoreSpec match(CoreSpec local, Btf targBtf, int targId) {
        CoreSpec targ = new CoreSpec(targBtf, targId, local.kind);
        if (local.kind.isTypeBased()) {
            boolean ok = local.kind == CoreRelocationKind.TYPE_MATCHES
                    ? CoreTypes.typesMatch(local.btf, local.rootId, targBtf, targId, false, CoreTypes.MAX_LEVEL)
                    : CoreTypes.typesAreCompat(local.btf, local.rootId, targBtf, targId, CoreTypes.MAX_LEVEL);
            return ok ? targ : null;
        }
        Accessor first = local.accessors.getFirst();
        if (local.kind.isEnumValueBased()) {
            int id = targBtf.resolve(targId);
            if (!(targBtf.type(id) instanceof Enumeration e)) return null;
            String want = Btf.essentialName(first.name());
            for (int i = 0; i < e.values().size(); i++) {
                String n = e.values().get(i).name();
                if (Btf.essentialName(n).equals(want)) {
                    targ.accessors.add(new Accessor(id, i, n));
                    targ.raw.add(i);
                    return targ;
                }
            }
            return null;
        }
        for (int i = 0; i < local.accessors.size(); i++) {
            Accessor la = local.accessors.get(i);
            targId = targBtf.resolve(targId);
            Type tt = targBtf.type(targId);
            if (la.name() != null) {
                int next = matchMember(local.btf, la, targBtf, targId, targ);
                if (next < 0) return null;
                targId = next;
            } else {
                if (i > 0) {
                    if (!(tt instanceof Array a)) return null;
                    boolean flex = isFlexArray(targBtf, targ.last(), a);
                    if (!flex && la.idx() >= a.nelems()) return null;
                    targId = targBtf.resolve(a.elem());
                }
                if (targ.raw.size() == MAX_LEN) throw new CoreTypes.Invalid("target access path too long");
                targ.accessors.add(new Accessor(targId, la.idx(), null));
                targ.raw.add(la.idx());
                targ.bitOffset += la.idx() * size(targBtf, targId) * 8;
            }
        }
        return targ;
    }

    /**
     * Finds the local accessor's member by name in target composite {@code targId}, descending into
     * anonymous members; returns the member's type id or -1.
     */
    private static int matchMember(Btf localBtf, Accessor la, Btf targBtf, int targId, CoreSpec spec) {
        targId = targBtf.resolve(targId);
        if (!(targBtf.type(targId) instanceof Composite tc)) return -1;
        Member lm = ((Composite) localBtf.type(la.typeId())).members().get(la.idx());
        for (int i = 0; i < tc.members().size(); i++) {
            Member m = tc.members().get(i);
            if (spec.raw.size() == MAX_LEN) throw new CoreTypes.Invalid("target access path too long");
            spec.bitOffset += m.bitOffset();
            spec.raw.add(i);
            if (m.name().isEmpty()) {
                int found = matchMember(localBtf, la, targBtf, m.type(), spec);
                if (found >= 0) return found;
            } else if (m.name().equals(lm.name())) {
                if (CoreTypes.fieldsAreCompat(localBtf, lm.type(), targBtf, m.type())) {
                    spec.accessors.add(new Accessor(targId, i, m.name()));
                    return m.type();
                }
                // the field of that name has an incompatible type: it is not in this composite
                spec.bitOffset -= m.bitOffset();
                spec.raw.removeLast();
                return -1;
            }
            spec.bitOffset -= m.bitOffset();
            spec.raw.removeLast();
        }
        return -1;
    }

    /** A libbpf-style description, e.g. {@code [114] struct task_struct.pid (0:34 @ offset 1264)}. */
    String describe() {
        Type root = btf.type(rootId);
        StringBuilder sb = new StringBuilder();
        sb.append('[').append(rootId).append("] ").append(root.kindName()).append(' ')
          .append(root.name().isEmpty() ? "<anon>" : root.name());
        if (kind.isTypeBased()) return sb.toString();
        if (kind.isEnumValueBased()) {
            if (!accessors.isEmpty()) {
                Accessor a = accessors.getFirst();
                sb.append("::").append(a.name()).append(" = ")
                  .append(((Enumeration) btf.type(a.typeId())).values().get(a.idx()).value());
            }
            return sb.toString();
        }
        for (int i = 0; i < accessors.size(); i++) {
            Accessor a = accessors.get(i);
            if (a.name() != null) sb.append('.').append(a.name());
            else if (i > 0 || a.idx() > 0) sb.append('[').append(a.idx()).append(']');
        }
        sb.append(" (");
        for (int i = 0; i < raw.size(); i++) sb.append(i == 0 ? "" : ":").append(raw.get(i));
        sb.append(" @ offset ").append(bitOffset / 8);
        if (bitOffset % 8 != 0) sb.append('.').append(bitOffset % 8);
        return sb.append(')').toString();
    }
}
