package io.ebpfagent.loader.gen;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.Type;
import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.collection.VariableSpec;
import io.ebpfagent.loader.maps.MapSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Which structs and unions of an object's BTF get a class of their own.
 *
 * <p>Without a list of type names: the key and value types of the maps (and of their inner
 * maps), the types of the global variables, and the structs a global <em>pointer</em> variable
 * points to (a ring buffer record is otherwise only the type of a local, which BTF does not
 * describe; cilium/ebpf's {@code struct event *unused} idiom brings it in); then, transitively,
 * the named structs and unions these contain. With a list: exactly the named types and what they
 * contain. A type without a name of its own is named after its typedef, or after the map it is
 * the key or value of ({@code <map>_key}, {@code <map>_value}); anonymous members are laid out
 * inline.
 */
final class TypeSelection {
    /** One type that gets a class: its id, the C name the class is named after, and the type. */
    record Selected(int id, String cName, Type.Composite type) {
        String javaName() {
            return JavaNames.className(cName);
        }
    }

    private final Btf btf;
    /** By type id, so the generated classes come in the object's own type order. */
    private final Map<Integer, Selected> selected = new TreeMap<>();
    private final Deque<Selected> pending = new ArrayDeque<>();

    private TypeSelection(Btf btf) {
        this.btf = btf;
    }

    /** The types to bind, in type id order. */
    static Map<Integer, Selected> select(CollectionSpec spec, List<String> only) {
        Btf btf = spec.types();
        if (btf == null) {
            throw new IllegalArgumentException("the object has no BTF: compile it with clang -g");
        }
        TypeSelection s = new TypeSelection(btf);
        if (only.isEmpty()) {
            for (MapSpec m : spec.maps().values()) {
                s.addMap(m);
            }
            for (VariableSpec v : spec.variables().values()) {
                if (v.typeId() != 0) {
                    s.addVariable(v.typeId());
                }
            }
        } else {
            for (String name : only) {
                s.add(s.idOf(name), null);
            }
        }
        while (!s.pending.isEmpty()) {
            s.addMembers(s.pending.pop().type());
        }
        return s.selected;
    }

    private void addMap(MapSpec m) {
        if (m.btfKeyTypeId() != 0) {
            add(m.btfKeyTypeId(), m.name() + "_key");
        }
        if (m.btfValueTypeId() != 0) {
            add(m.btfValueTypeId(), m.name() + "_value");
        }
        if (m.innerMap() != null) {
            addMap(m.innerMap());
        }
    }

    private void addVariable(int typeId) {
        if (btf.resolvedType(typeId) instanceof Type.Pointer p) {
            add(p.target(), null);
        } else {
            add(typeId, null);
        }
    }

    private int idOf(String name) {
        for (Class<? extends Type> kind : List.of(Type.Struct.class, Type.Union.class, Type.Typedef.class)) {
            OptionalInt id = btf.findId(name, kind);
            if (id.isPresent()) {
                return id.getAsInt();
            }
        }
        throw new IllegalArgumentException("no struct, union or typedef named " + name + " in the object's BTF"
                + " (a type only used for locals is not in BTF: declare a global pointer to it)");
    }

    /**
     * Selects the struct or union {@code id} leads to through typedefs, qualifiers and arrays,
     * named after itself, else its nearest typedef, else {@code fallback}; anonymous ones without
     * a name are not selected but searched for named members.
     */
    private void add(int id, String fallback) {
        String typedef = null;
        int cur = id;
        for (int depth = 0; depth < 64; depth++) {
            Type t = btf.type(cur);
            switch (t) {
                case Type.Typedef td -> {
                    typedef = typedef == null ? td.name() : typedef;
                    cur = td.type();
                }
                case Type.Qualifier q -> cur = q.type();
                case Type.Array a -> cur = a.elem();
                case Type.Composite c -> {
                    String name = !c.name().isEmpty() ? c.name() : typedef != null ? typedef : fallback;
                    if (name == null) {
                        addMembers(c);
                    } else if (!selected.containsKey(cur)) {
                        Selected s = new Selected(cur, name, c);
                        selected.put(cur, s);
                        pending.push(s);
                    }
                    return;
                }
                default -> {
                    return;
                }
            }
        }
    }

    private void addMembers(Type.Composite c) {
        for (Type.Member m : new ArrayList<>(c.members())) {
            add(m.type(), null);
        }
    }
}
