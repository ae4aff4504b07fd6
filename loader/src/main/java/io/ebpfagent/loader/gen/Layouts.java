package io.ebpfagent.loader.gen;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Java source of the {@code MemoryLayout} of a BTF type, as the C compiler laid it out: holes
 * between members and at the end become padding, structs and unions other classes bind are
 * referred to by their {@code LAYOUT}, anonymous ones are written inline.
 *
 * <p>Bit fields cannot be expressed as layouts: their bytes are padding, and the generated
 * class names them in a comment. A scalar a packed struct places off its natural alignment gets
 * an alignment of 1; a misaligned struct or array member is refused.
 */
final class Layouts {
    /**
     * A type's layout expression.
     *
     * @param expr   Java expression of an unnamed layout
     * @param size   size in bytes
     * @param align  the Java layout's alignment
     * @param scalar an integer, enum, pointer or float: has a {@code VarHandle}
     * @param length for arrays, the outer element count, else -1
     * @param elementScalar for arrays, whether they are one-dimensional arrays of scalars
     */
    record Shape(String expr, long size, long align, boolean scalar, long length, boolean elementScalar) {
    }

    /** One member that gets constants: its path of names from the outer type, offset and C type. */
    record Field(String cName, List<String> path, long offset, String cType, Shape shape) {
    }

    private final Btf btf;
    private final Map<Integer, TypeSelection.Selected> bound;

    Layouts(Btf btf, Map<Integer, TypeSelection.Selected> bound) {
        this.btf = btf;
        this.bound = bound;
    }

    Shape shape(int id, String indent) {
        Type t = btf.type(id);
        return switch (t) {
            case Type.Qualifier q -> shape(q.type(), indent);
            case Type.Int i when i.size() == 16 -> new Shape("MemoryLayout.sequenceLayout(2, ValueLayout.JAVA_LONG)", 16, 8, false, -1, false);
            case Type.Int i -> scalar(i.size(), "int " + i.name());
            case Type.Enumeration e -> scalar(e.size(), "enum " + e.name());
            case Type.Pointer p -> scalar(8, "pointer");
            case Type.Float f -> switch (f.size()) {
                case 4 -> new Shape("ValueLayout.JAVA_FLOAT", 4, 4, true, -1, false);
                case 8 -> new Shape("ValueLayout.JAVA_DOUBLE", 8, 8, true, -1, false);
                default -> throw new IllegalArgumentException("no Java layout for a float of " + f.size() + " bytes");
            };
            case Type.Array a -> {
                Shape elem = shape(a.elem(), indent);
                long n = Integer.toUnsignedLong(a.nelems());
                yield new Shape("MemoryLayout.sequenceLayout(" + n + ", " + elem.expr() + ")", n * elem.size(),
                        elem.align(), false, n, elem.scalar());
            }
            case Type.Composite c -> {
                TypeSelection.Selected s = bound.get(id);
                String expr = s != null ? s.javaName() + ".LAYOUT" : group(c, indent);
                yield new Shape(expr, c.size(), alignOf(c), false, -1, false);
            }
            default -> throw new IllegalArgumentException("BTF type " + id + " (" + t.kindName() + " " + t.name()
                    + ") has no layout");
        };
    }

    private static Shape scalar(int size, String what) {
        String layout = switch (size) {
            case 1 -> "ValueLayout.JAVA_BYTE";
            case 2 -> "ValueLayout.JAVA_SHORT";
            case 4 -> "ValueLayout.JAVA_INT";
            case 8 -> "ValueLayout.JAVA_LONG";
            default -> throw new IllegalArgumentException("no Java layout for " + what + " of " + size + " bytes");
        };
        return new Shape(layout, size, size, true, -1, false);
    }

    /** The source of a struct or union layout without a name; members one per line below {@code indent}. */
    String group(Type.Composite c, String indent) {
        String inner = indent + "        ";
        List<String> parts = new ArrayList<>();
        boolean union = c instanceof Type.Union;
        long cursor = 0;
        long widest = 0;
        List<Type.Member> members = c.members();
        for (int i = 0; i < members.size(); i++) {
            Type.Member m = members.get(i);
            if (isBitfield(m)) {
                continue;
            }
            long offset = m.bitOffset() / 8;
            Shape s = shape(m.type(), inner);
            String expr = s.expr();
            if (offset % s.align() != 0) {
                if (!s.scalar()) {
                    throw new IllegalArgumentException(what(c) + ": member " + m.name() + " at offset " + offset
                            + " is not aligned to " + s.align() + " bytes (packed struct) and is no scalar");
                }
                expr += ".withByteAlignment(1)";
            }
            if (!union) {
                if (offset < cursor) {
                    throw new IllegalArgumentException(what(c) + ": member " + m.name() + " overlaps the previous one");
                }
                if (offset > cursor) {
                    parts.add("MemoryLayout.paddingLayout(" + (offset - cursor) + ")");
                }
                cursor = offset + s.size();
            }
            widest = Math.max(widest, s.size());
            parts.add(expr + ".withName(\"" + memberName(m, i) + "\")");
        }
        long end = union ? widest : cursor;
        if (c.size() > end) {
            // a union's padding is one more alternative as long as the union
            parts.add("MemoryLayout.paddingLayout(" + (union ? c.size() : c.size() - end) + ")");
        }
        String factory = union ? "MemoryLayout.unionLayout(" : "MemoryLayout.structLayout(";
        return factory + "\n" + inner + String.join(",\n" + inner, parts) + ")";
    }

    /** The members that get constants, anonymous structs and unions flattened as C lets code use them. */
    List<Field> fields(Type.Composite c) {
        List<Field> out = new ArrayList<>();
        collect(c, List.of(), 0, out);
        return out;
    }

    /** Bit fields, which the layouts leave as padding, as {@code name (bits at bit offset)}. */
    List<String> bitfields(Type.Composite c) {
        List<String> out = new ArrayList<>();
        for (Type.Member m : c.members()) {
            if (isBitfield(m)) {
                int bits = m.bitfieldSize() != 0 ? m.bitfieldSize() : ((Type.Int) btf.resolvedType(m.type())).bits();
                out.add(m.name() + " (" + bits + " bits at bit " + m.bitOffset() + ")");
            }
        }
        return out;
    }

    private void collect(Type.Composite c, List<String> prefix, long base, List<Field> out) {
        List<Type.Member> members = c.members();
        for (int i = 0; i < members.size(); i++) {
            Type.Member m = members.get(i);
            if (isBitfield(m)) {
                continue;
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(memberName(m, i));
            long offset = base + m.bitOffset() / 8;
            if (m.name().isEmpty() && btf.resolvedType(m.type()) instanceof Type.Composite inner
                    && !bound.containsKey(btf.resolve(m.type()))) {
                collect(inner, path, offset, out);
            } else if (!JavaNames.isPrivate(m.name())) {
                out.add(new Field(m.name(), List.copyOf(path), offset, cType(m.type()), shape(m.type(), "")));
            }
        }
    }

    /** An anonymous member's name in the layout: layouts need names for paths. */
    private static String memberName(Type.Member m, int index) {
        return m.name().isEmpty() ? "_anon" + index : m.name();
    }

    private boolean isBitfield(Type.Member m) {
        if (m.bitfieldSize() != 0 || m.bitOffset() % 8 != 0) {
            return true;
        }
        // BTF without kind_flag encodes a bit field in the INT itself
        return btf.resolvedType(m.type()) instanceof Type.Int i && i.size() != 16
                && (i.bits() != i.size() * 8 || i.bitOffset() != 0);
    }

    /** The alignment of the Java layout: a member a packed struct misplaces counts as 1, as in {@link #group}. */
    long alignOf(Type.Composite c) {
        long align = 1;
        for (Type.Member m : c.members()) {
            if (!isBitfield(m)) {
                long a = alignOf(m.type());
                if ((m.bitOffset() / 8) % a == 0) {
                    align = Math.max(align, a);
                }
            }
        }
        return align;
    }

    private long alignOf(int id) {
        Type t = btf.resolvedType(id);
        return switch (t) {
            case Type.Array a -> alignOf(a.elem());
            case Type.Composite c -> alignOf(c);
            case Type.Int i when i.size() == 16 -> 8;
            default -> btf.sizeOf(id);
        };
    }

    /** The C spelling of a type, for comments: {@code __u64}, {@code struct hist}, {@code char[16]}. */
    String cType(int id) {
        Type t = btf.type(id);
        return switch (t) {
            case Type.Typedef td -> td.name();
            case Type.Const q -> "const " + cType(q.type());
            case Type.Volatile q -> "volatile " + cType(q.type());
            case Type.Qualifier q -> cType(q.type());
            case Type.Pointer p -> cType(p.target()) + " *";
            case Type.Array a -> cType(a.elem()) + "[" + Integer.toUnsignedLong(a.nelems()) + "]";
            case Type.Struct s -> "struct " + (s.name().isEmpty() ? "{...}" : s.name());
            case Type.Union u -> "union " + (u.name().isEmpty() ? "{...}" : u.name());
            case Type.Enumeration e -> "enum " + (e.name().isEmpty() ? "{...}" : e.name());
            case Type.Void v -> "void";
            default -> t.name().isEmpty() ? t.kindName() : t.name();
        };
    }

    private static String what(Type.Composite c) {
        return (c instanceof Type.Union ? "union " : "struct ") + (c.name().isEmpty() ? "(anonymous)" : c.name());
    }
}
