package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.btf.Type.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Encodes types into the kernel's BTF blob layout (header, type section, string section). */
final class BtfWriter {
    private BtfWriter() {}

    /** Encodes {@code types} (without the implicit void) against {@code strings}, which grows as needed. */
    static byte[] write(List<Type> types, StringTable strings, ByteOrder order) {
        int len = 0;
        for (Type t : types) len += encodedSize(t);
        ByteBuffer tb = ByteBuffer.allocate(len).order(order);
        for (Type t : types) encode(t, tb, strings);
        byte[] str = strings.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(BtfParser.HEADER_SIZE + len + str.length).order(order);
        out.putShort((short) BtfParser.MAGIC).put((byte) 1).put((byte) 0);
        out.putInt(BtfParser.HEADER_SIZE);
        out.putInt(0).putInt(len);
        out.putInt(len).putInt(str.length);
        out.put(tb.array()).put(str);
        return out.array();
    }

    static int encodedSize(Type t) {
        return 12 + switch (t) {
            case Int i -> 4;
            case Array a -> 12;
            case Composite c -> 12 * c.members().size();
            case Type.Enum e -> 8 * e.values().size();
            case Enum64 e -> 12 * e.values().size();
            case FuncProto p -> 8 * p.params().size();
            case Var v -> 4;
            case Datasec d -> 12 * d.vars().size();
            case DeclTag d -> 4;
            default -> 0;
        };
    }

    private static int info(int kind, boolean kindFlag, int vlen) {
        if (vlen < 0 || vlen > 0xffff) throw new BtfException("BTF " + kind + " with " + vlen + " entries exceeds the 65535 limit");
        return (kindFlag ? 1 << 31 : 0) | kind << 24 | vlen;
    }

    private static void head(ByteBuffer b, StringTable s, String name, int info, int sizeOrType) {
        b.putInt(s.offsetOf(name)).putInt(info).putInt(sizeOrType);
    }

    private static void encode(Type t, ByteBuffer b, StringTable s) {
        switch (t) {
            case Type.Void v -> throw new BtfException("void (type 0) is implicit and cannot be encoded");
            case Int i -> {
                head(b, s, i.name(), info(Type.KIND_INT, false, 0), i.size());
                b.putInt((i.encoding() & 0x0f) << 24 | (i.bitOffset() & 0xff) << 16 | (i.bits() & 0xff));
            }
            case Pointer p -> head(b, s, "", info(Type.KIND_PTR, false, 0), p.target());
            case Array a -> {
                head(b, s, "", info(Type.KIND_ARRAY, false, 0), 0);
                b.putInt(a.elem()).putInt(a.index()).putInt(a.nelems());
            }
            case Composite c -> {
                head(b, s, c.name(), info(c.kind(), c.kindFlag(), c.members().size()), c.size());
                for (Member m : c.members()) {
                    if (!c.kindFlag() && m.bitfieldSize() != 0) {
                        throw new BtfException(c.kindName() + " " + c.name() + ": bitfield member " + m.name() + " needs kind_flag");
                    }
                    int off = c.kindFlag() ? m.bitfieldSize() << 24 | (m.bitOffset() & 0xffffff) : m.bitOffset();
                    b.putInt(s.offsetOf(m.name())).putInt(m.type()).putInt(off);
                }
            }
            case Type.Enum e -> {
                head(b, s, e.name(), info(Type.KIND_ENUM, e.signed(), e.values().size()), e.size());
                for (EnumValue v : e.values()) b.putInt(s.offsetOf(v.name())).putInt((int) v.value());
            }
            case Enum64 e -> {
                head(b, s, e.name(), info(Type.KIND_ENUM64, e.signed(), e.values().size()), e.size());
                for (EnumValue v : e.values()) {
                    b.putInt(s.offsetOf(v.name())).putInt((int) v.value()).putInt((int) (v.value() >>> 32));
                }
            }
            case Fwd f -> head(b, s, f.name(), info(Type.KIND_FWD, f.union(), 0), 0);
            case Typedef td -> head(b, s, td.name(), info(Type.KIND_TYPEDEF, false, 0), td.type());
            case Volatile v -> head(b, s, "", info(Type.KIND_VOLATILE, false, 0), v.type());
            case Const c -> head(b, s, "", info(Type.KIND_CONST, false, 0), c.type());
            case Restrict r -> head(b, s, "", info(Type.KIND_RESTRICT, false, 0), r.type());
            case TypeTag tt -> head(b, s, tt.name(), info(Type.KIND_TYPE_TAG, tt.attribute(), 0), tt.type());
            case Func f -> head(b, s, f.name(), info(Type.KIND_FUNC, false, f.linkage().ordinal()), f.proto());
            case FuncProto p -> {
                head(b, s, "", info(Type.KIND_FUNC_PROTO, false, p.params().size()), p.ret());
                for (Param pa : p.params()) b.putInt(s.offsetOf(pa.name())).putInt(pa.type());
            }
            case Var v -> {
                head(b, s, v.name(), info(Type.KIND_VAR, false, 0), v.type());
                b.putInt(v.linkage().ordinal());
            }
            case Datasec d -> {
                head(b, s, d.name(), info(Type.KIND_DATASEC, false, d.vars().size()), d.size());
                for (VarSecinfo v : d.vars()) b.putInt(v.type()).putInt(v.offset()).putInt(v.size());
            }
            case Type.Float f -> head(b, s, f.name(), info(Type.KIND_FLOAT, false, 0), f.size());
            case DeclTag d -> {
                head(b, s, d.name(), info(Type.KIND_DECL_TAG, d.attribute(), 0), d.type());
                b.putInt(d.componentIdx());
            }
        }
    }
}
