package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.btf.Type.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Rewrites types that an old kernel cannot load into equivalents it can, keeping ids. */
final class BtfSanitizer {
    private BtfSanitizer() {}

    static List<Type> sanitize(Btf btf, Set<BtfFeature> missing) {
        List<Type> in = btf.types();
        List<Type> out = new ArrayList<>(in.size() + 1);
        int placeholder = -1;
        for (Type t : in) {
            Type r = t;
            switch (t) {
                case Var v when missing.contains(BtfFeature.DATASEC) -> r = new Int(v.name(), 1, 0, 0, 8);
                case Datasec d when missing.contains(BtfFeature.DATASEC) -> {
                    // members keep the variables' names; the vars themselves became 1-byte ints
                    List<Member> members = new ArrayList<>();
                    for (VarSecinfo v : d.vars()) {
                        members.add(new Member(btf.type(v.type()).name(), v.type(), v.offset() * 8));
                    }
                    r = new Struct(d.name().replace('.', '_'), d.size(), members, false);
                }
                case FuncProto p when missing.contains(BtfFeature.FUNC) -> {
                    List<EnumValue> values = new ArrayList<>();
                    for (Param pa : p.params()) values.add(new EnumValue(pa.name(), pa.type()));
                    r = new Type.Enum("", 4, false, values);
                }
                case Func f when missing.contains(BtfFeature.FUNC) -> r = new Typedef(f.name(), f.proto());
                case Func f when missing.contains(BtfFeature.GLOBAL_FUNC) && f.linkage() == Linkage.GLOBAL ->
                        r = new Func(f.name(), f.proto(), Linkage.STATIC);
                case Type.Float f when missing.contains(BtfFeature.FLOAT) -> r = new Struct("", f.size(), List.of(), false);
                case DeclTag d when missing.contains(BtfFeature.DECL_TAG) -> r = new Int("", 1, 0, 0, 8);
                case TypeTag tt when missing.contains(BtfFeature.TYPE_TAG) -> r = new Const(tt.type());
                case Enum64 e when missing.contains(BtfFeature.ENUM64) -> {
                    if (placeholder < 0) placeholder = btf.typeCount();
                    List<Member> members = new ArrayList<>();
                    for (EnumValue v : e.values()) members.add(new Member(v.name(), placeholder, 0));
                    r = new Union(e.name(), e.size(), members, false);
                }
                case Type.Enum e when missing.contains(BtfFeature.ENUM64) && e.signed() ->
                        r = new Type.Enum(e.name(), e.size(), false, e.values());
                default -> {}
            }
            out.add(r);
        }
        if (placeholder >= 0) out.add(new Int("enum64_placeholder", 1, 0, 0, 8));
        return out;
    }
}
