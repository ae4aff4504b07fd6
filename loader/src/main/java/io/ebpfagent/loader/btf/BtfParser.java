package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.btf.Type.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Decodes the raw BTF blob (header, type section, string section) into {@link Type} records. */
final class BtfParser {
    static final int MAGIC = 0xeb9f;
    static final int HEADER_SIZE = 24;

    /** The decoded parts of one blob. */
    record Parsed(ByteOrder order, List<Type> types, byte[] strings) {}

    private final ByteBuffer in;
    /** The string section: a view of the blob, never copied here. */
    private final ByteBuffer strings;
    private final int stringBase;
    private final Btf base;
    /** The string section copied to an array when the parse keeps one anyway, else null. */
    private final byte[] stringArray;
    private final Map<Integer, String> stringCache = new HashMap<>();

    private BtfParser(ByteBuffer in, ByteBuffer strings, int stringBase, Btf base) {
        this(in, strings, null, stringBase, base);
    }

    private BtfParser(ByteBuffer in, ByteBuffer strings, byte[] stringArray, int stringBase, Btf base) {
        this.in = in;
        this.strings = strings;
        this.stringArray = stringArray;
        this.stringBase = stringBase;
        this.base = base;
    }

    static Parsed parse(ByteBuffer raw, Btf base) {
        Sections sec = sections(raw, base);
        // copied first, so that the names are decoded from the array (see decode(byte[], int))
        byte[] strings = new byte[sec.strings().capacity()];
        sec.strings().get(0, strings);
        BtfParser p = new BtfParser(sec.types(), sec.strings(), strings, sec.stringBase(), base);
        List<Type> list = p.types(sec.typesStart());
        return new Parsed(sec.order(), list, strings);
    }

    /**
     * Parses a base BTF blob without decoding its types: one pass over the raw type section
     * checks everything {@link #parse} checks (and throws the same errors) and records where each
     * type starts; {@link LazyTypes} decodes a type on first access. Meant for the kernel's
     * BTF, of which a loader needs a few hundred out of a hundred thousand types.
     */
    static LazyTypes parseLazily(ByteBuffer raw) {
        return parseLazily(raw, null);
    }

    /** {@link #parseLazily(ByteBuffer)} of {@code blob}'s bytes; the types may later release it. */
    static LazyTypes parseLazily(ByteBuffer raw, NativeBlob blob) {
        return parseLazily(raw, blob, null);
    }

    /**
     * As {@link #parseLazily(ByteBuffer, NativeBlob)}, taking the type offsets and name index
     * from {@code cache} where it has them for these bytes (no scan), and keeping them there
     * once built otherwise. A null cache is none.
     */
    static LazyTypes parseLazily(ByteBuffer raw, NativeBlob blob, KernelIndexCache cache) {
        Sections sec = sections(raw, null);
        BtfParser p = new BtfParser(sec.types(), sec.strings(), 0, null);
        KernelIndexCache.Key key = null;
        if (cache != null) {
            key = KernelIndexCache.Key.of(raw, sec.types().capacity(), sec.strings().capacity(), sec.typesStart());
            KernelIndexCache.Entry cached = cache.read(key);
            if (cached != null) {
                return new LazyTypes(p, cached.offsets(), sec.typesStart(), sec.order(), blob, null, cache, key, cached);
            }
        }
        int[] words = words(sec.types());
        int[] offsets = p.scan(words, sec.typesStart());
        return new LazyTypes(p, offsets, sec.typesStart(), sec.order(), blob, words, cache, key, null);
    }

    /**
     * A parser over {@code raw}, a blob read again after it was released; its sections must have
     * the sizes of the first read (the type offsets found then are reused, not scanned again).
     */
    static BtfParser reopen(ByteBuffer raw, int typeSectionBytes, int stringSectionBytes) {
        Sections sec = sections(raw, null);
        if (sec.types().capacity() != typeSectionBytes || sec.strings().capacity() != stringSectionBytes) {
            throw new BtfException("BTF read again differs from the first read (type section " + typeSectionBytes
                    + " -> " + sec.types().capacity() + " bytes, strings " + stringSectionBytes + " -> "
                    + sec.strings().capacity() + ")");
        }
        return new BtfParser(sec.types(), sec.strings(), 0, null);
    }

    /** The validated header: type section (a buffer of the blob's byte order) and string section. */
    private record Sections(ByteOrder order, ByteBuffer types, int typesStart, ByteBuffer strings, int stringBase) {}

    private static Sections sections(ByteBuffer raw, Btf base) {
        ByteBuffer buf = raw.slice();
        if (buf.remaining() < HEADER_SIZE) {
            throw new BtfException("BTF too short for its header: " + buf.remaining() + " bytes");
        }
        int m0 = buf.get(0) & 0xff, m1 = buf.get(1) & 0xff;
        ByteOrder order;
        if (m0 == 0x9f && m1 == 0xeb) order = ByteOrder.LITTLE_ENDIAN;
        else if (m0 == 0xeb && m1 == 0x9f) order = ByteOrder.BIG_ENDIAN;
        else throw new BtfException(String.format("bad BTF magic 0x%02x%02x at offset 0 (want 0xeb9f)", m1, m0));
        buf.order(order);
        int version = buf.get(2) & 0xff;
        if (version != 1) throw new BtfException("unsupported BTF version " + version + " at offset 2");
        long hdrLen = buf.getInt(4) & 0xffffffffL;
        if (hdrLen < HEADER_SIZE || hdrLen > buf.remaining()) {
            throw new BtfException("BTF header length " + hdrLen + " invalid at offset 4 (blob is " + buf.remaining() + " bytes)");
        }
        for (int i = HEADER_SIZE; i < hdrLen; i++) {
            if (buf.get(i) != 0) throw new BtfException("unknown non-zero BTF header field at offset " + i);
        }
        long typeOff = buf.getInt(8) & 0xffffffffL, typeLen = buf.getInt(12) & 0xffffffffL;
        long strOff = buf.getInt(16) & 0xffffffffL, strLen = buf.getInt(20) & 0xffffffffL;
        long dataLen = buf.remaining() - hdrLen;
        if (typeOff + typeLen > dataLen) {
            throw new BtfException("BTF type section [" + typeOff + ", +" + typeLen + ") exceeds the data (" + dataLen + " bytes), header offset 8");
        }
        if (strOff + strLen > dataLen) {
            throw new BtfException("BTF string section [" + strOff + ", +" + strLen + ") exceeds the data (" + dataLen + " bytes), header offset 16");
        }
        if (typeOff % 4 != 0) throw new BtfException("BTF type section offset " + typeOff + " not 4-byte aligned");
        ByteBuffer strings = buf.slice((int) (hdrLen + strOff), (int) strLen);
        if (base == null && (strLen == 0 || strings.get(0) != 0)) {
            throw new BtfException("BTF string section does not start with the empty string at offset " + (hdrLen + strOff));
        }
        if (strLen > 0 && strings.get((int) strLen - 1) != 0) {
            throw new BtfException("BTF string section not NUL-terminated at offset " + (hdrLen + strOff + strLen - 1));
        }
        ByteBuffer types = buf.slice((int) (hdrLen + typeOff), (int) typeLen).order(order);
        int stringBase = base == null ? 0 : base.stringsEnd();
        return new Sections(order, types, (int) (hdrLen + typeOff), strings, stringBase);
    }

    private List<Type> types(int sectionStart) {
        List<Type> out = new ArrayList<>();
        if (base == null) out.add(new Type.Void());
        while (in.hasRemaining()) {
            int at = in.position();
            try {
                out.add(type(sectionStart + at));
            } catch (java.nio.BufferUnderflowException e) {
                throw new BtfException("BTF type " + ((base == null ? 0 : base.typeCount()) + out.size())
                        + " truncated at offset " + (sectionStart + at));
            }
        }
        int first = base == null ? 0 : base.typeCount();
        int count = first + out.size();
        for (int i = 0; i < out.size(); i++) checkRefs(out.get(i), first + i, count);
        return out;
    }

    private static void checkRefs(Type t, int id, int count) {
        switch (t) {
            case Pointer p -> ref(p.target(), id, count);
            case Array a -> {
                ref(a.elem(), id, count);
                ref(a.index(), id, count);
            }
            case Composite c -> {
                for (Member m : c.members()) ref(m.type(), id, count);
            }
            case Qualifier q -> ref(q.type(), id, count);
            case Func f -> ref(f.proto(), id, count);
            case FuncProto fp -> {
                ref(fp.ret(), id, count);
                for (Param p : fp.params()) ref(p.type(), id, count);
            }
            case Var v -> ref(v.type(), id, count);
            case Datasec d -> {
                for (VarSecinfo v : d.vars()) ref(v.type(), id, count);
            }
            case DeclTag d -> ref(d.type(), id, count);
            default -> {}
        }
    }

    private static void ref(int target, int id, int count) {
        if (target < 0 || target >= count) {
            throw new BtfException("BTF type " + id + " refers to type " + (target & 0xffffffffL) + " beyond the last type " + (count - 1));
        }
    }

    private Type type(int at) {
        String name = string(in.getInt(), at);
        int info = in.getInt();
        int sizeOrType = in.getInt();
        int vlen = info & 0xffff;
        int kind = (info >>> 24) & 0x1f;
        boolean kindFlag = (info >>> 31) != 0;
        // the encoding of kinds that use neither vlen nor kind_flag must not carry them, or a
        // re-encoding would silently drop bits
        boolean usesVlen = switch (kind) {
            case Type.KIND_STRUCT, Type.KIND_UNION, Type.KIND_ENUM, Type.KIND_ENUM64, Type.KIND_FUNC,
                 Type.KIND_FUNC_PROTO, Type.KIND_DATASEC -> true;
            default -> false;
        };
        boolean usesKindFlag = switch (kind) {
            case Type.KIND_STRUCT, Type.KIND_UNION, Type.KIND_ENUM, Type.KIND_ENUM64, Type.KIND_FWD,
                 Type.KIND_DECL_TAG, Type.KIND_TYPE_TAG -> true;
            default -> false;
        };
        if ((!usesVlen && vlen != 0) || (!usesKindFlag && kindFlag) || (info & 0x60ff0000) != 0) {
            throw new BtfException(String.format("BTF type info 0x%08x invalid for kind %d at offset %d", info, kind, at));
        }
        return switch (kind) {
            case Type.KIND_INT -> {
                int v = in.getInt();
                yield new Int(name, sizeOrType, (v >>> 24) & 0x0f, (v >>> 16) & 0xff, v & 0xff);
            }
            case Type.KIND_PTR -> new Pointer(sizeOrType);
            case Type.KIND_ARRAY -> new Array(in.getInt(), in.getInt(), in.getInt());
            case Type.KIND_STRUCT, Type.KIND_UNION -> {
                List<Member> members = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    String mname = string(in.getInt(), at);
                    int mtype = in.getInt();
                    int off = in.getInt();
                    members.add(kindFlag ? new Member(mname, mtype, off & 0xffffff, off >>> 24) : new Member(mname, mtype, off));
                }
                yield kind == Type.KIND_STRUCT ? new Struct(name, sizeOrType, members, kindFlag)
                        : new Union(name, sizeOrType, members, kindFlag);
            }
            case Type.KIND_ENUM -> {
                List<EnumValue> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    String vname = string(in.getInt(), at);
                    int v = in.getInt();
                    values.add(new EnumValue(vname, kindFlag ? v : v & 0xffffffffL));
                }
                yield new Type.Enum(name, sizeOrType, kindFlag, values);
            }
            case Type.KIND_ENUM64 -> {
                List<EnumValue> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    String vname = string(in.getInt(), at);
                    long lo = in.getInt() & 0xffffffffL;
                    long hi = in.getInt() & 0xffffffffL;
                    values.add(new EnumValue(vname, hi << 32 | lo));
                }
                yield new Enum64(name, sizeOrType, kindFlag, values);
            }
            case Type.KIND_FWD -> new Fwd(name, kindFlag);
            case Type.KIND_TYPEDEF -> new Typedef(name, sizeOrType);
            case Type.KIND_VOLATILE -> new Volatile(sizeOrType);
            case Type.KIND_CONST -> new Const(sizeOrType);
            case Type.KIND_RESTRICT -> new Restrict(sizeOrType);
            case Type.KIND_FUNC -> new Func(name, sizeOrType, Linkage.of(vlen, at));
            case Type.KIND_FUNC_PROTO -> {
                List<Param> params = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) params.add(new Param(string(in.getInt(), at), in.getInt()));
                yield new FuncProto(sizeOrType, params);
            }
            case Type.KIND_VAR -> new Var(name, sizeOrType, Linkage.of(in.getInt(), at));
            case Type.KIND_DATASEC -> {
                List<VarSecinfo> vars = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) vars.add(new VarSecinfo(in.getInt(), in.getInt(), in.getInt()));
                yield new Datasec(name, sizeOrType, vars);
            }
            case Type.KIND_FLOAT -> new Type.Float(name, sizeOrType);
            case Type.KIND_DECL_TAG -> new DeclTag(name, sizeOrType, in.getInt(), kindFlag);
            case Type.KIND_TYPE_TAG -> new TypeTag(name, sizeOrType, kindFlag);
            default -> throw new BtfException("unknown BTF kind " + kind + " at offset " + at);
        };
    }

    // ------------------------------------------------------------------ lazy decoding

    /**
     * The start (in the type section) of every type, index 0 standing for void; validates as
     * {@link #types(int)} does, without allocating per type.
     *
     * <p>{@code w} is the type section copied to an {@code int[]} in one bulk copy ({@link #words}):
     * this pass runs once per JVM over ~130k kernel types, mostly in the interpreter before the
     * JIT has compiled it, where an array load is one bytecode and a buffer read a chain of calls.
     */
    private int[] scan(int[] w, int sectionStart) {
        int limit = in.limit();
        int strLimit = strings.capacity();
        int[] offsets = new int[Math.max(16, limit / 24)];
        int n = 1; // void
        int pos = 0;
        while (pos < limit) {
            if (n == offsets.length) offsets = java.util.Arrays.copyOf(offsets, n + (n >> 1) + 16);
            offsets[n] = pos;
            int next = fastSkip(w, pos, limit, strLimit);
            // anything unusual takes the path that names the problem exactly
            pos = next >= 0 ? next : skip(w, pos, limit, sectionStart + pos, n, strLimit);
            n++;
        }
        offsets = java.util.Arrays.copyOf(offsets, n);
        for (int id = 1; id < n; id++) {
            int i = offsets[id] >> 2;
            int kind = (w[i + 1] >>> 24) & 0x1f;
            if ((SINGLE_REF >>> kind & 1) != 0) {
                int t = w[i + 2];
                if (t < 0 || t >= n) ref(t, id, n);
            } else if ((NO_REF >>> kind & 1) == 0) {
                checkRefsRaw(w, offsets[id], id, n);
            }
        }
        return offsets;
    }

    /** Bytes per vlen entry of each kind (0: none), -1 for kinds {@link #fastSkip} leaves to {@link #skip}. */
    private static final int[] STRIDE = new int[32];
    /** Fixed bytes after the 12-byte header of each kind. */
    private static final int[] FIXED = new int[32];
    /** Kinds whose vlen entries start with a name. */
    private static final int NAMED_ENTRIES = 1 << Type.KIND_STRUCT | 1 << Type.KIND_UNION | 1 << Type.KIND_ENUM
            | 1 << Type.KIND_ENUM64 | 1 << Type.KIND_FUNC_PROTO;
    private static final int USES_VLEN = NAMED_ENTRIES | 1 << Type.KIND_FUNC | 1 << Type.KIND_DATASEC;
    private static final int USES_KIND_FLAG = 1 << Type.KIND_STRUCT | 1 << Type.KIND_UNION | 1 << Type.KIND_ENUM
            | 1 << Type.KIND_ENUM64 | 1 << Type.KIND_FWD | 1 << Type.KIND_DECL_TAG | 1 << Type.KIND_TYPE_TAG;
    /** Kinds that refer to exactly one type, in their third word. */
    private static final int SINGLE_REF = 1 << Type.KIND_PTR | 1 << Type.KIND_TYPEDEF | 1 << Type.KIND_VOLATILE
            | 1 << Type.KIND_CONST | 1 << Type.KIND_RESTRICT | 1 << Type.KIND_TYPE_TAG | 1 << Type.KIND_FUNC
            | 1 << Type.KIND_VAR | 1 << Type.KIND_DECL_TAG;
    private static final int NO_REF = 1 << Type.KIND_INT | 1 << Type.KIND_FWD | 1 << Type.KIND_FLOAT
            | 1 << Type.KIND_ENUM | 1 << Type.KIND_ENUM64;

    static {
        java.util.Arrays.fill(STRIDE, -1);
        for (int k : new int[] {Type.KIND_INT, Type.KIND_PTR, Type.KIND_ARRAY, Type.KIND_FWD, Type.KIND_TYPEDEF,
                Type.KIND_VOLATILE, Type.KIND_CONST, Type.KIND_RESTRICT, Type.KIND_FUNC, Type.KIND_FLOAT,
                Type.KIND_DECL_TAG, Type.KIND_TYPE_TAG}) {
            STRIDE[k] = 0;
        }
        STRIDE[Type.KIND_STRUCT] = STRIDE[Type.KIND_UNION] = STRIDE[Type.KIND_ENUM64] = STRIDE[Type.KIND_DATASEC] = 12;
        STRIDE[Type.KIND_ENUM] = STRIDE[Type.KIND_FUNC_PROTO] = 8;
        FIXED[Type.KIND_INT] = FIXED[Type.KIND_DECL_TAG] = 4;
        FIXED[Type.KIND_ARRAY] = 12;
    }

    /**
     * Where the type at {@code pos} ends when it is well formed and of a common shape; -1 leaves it
     * to {@link #skip}, which checks the same and names what is wrong. One flat method with table
     * lookups: it runs ~130k times, mostly interpreted, where each call and switch counts.
     */
    private static int fastSkip(int[] w, int pos, int limit, int strLimit) {
        if (pos + 12 > limit) return -1;
        int i = pos >> 2;
        int nameOff = w[i];
        int info = w[i + 1];
        int kind = (info >>> 24) & 0x1f;
        int vlen = info & 0xffff;
        int stride = STRIDE[kind];
        if (stride < 0 || nameOff < 0 || nameOff >= strLimit || (info & 0x60ff0000) != 0
                || (vlen != 0 && (USES_VLEN >>> kind & 1) == 0) || (info < 0 && (USES_KIND_FLAG >>> kind & 1) == 0)
                || (kind == Type.KIND_FUNC && vlen > 2)) {
            return -1;
        }
        int next = pos + 12 + FIXED[kind] + stride * vlen;
        if (next > limit) return -1;
        if ((NAMED_ENTRIES >>> kind & 1) != 0) {
            int step = stride >> 2;
            for (int e = i + 3, end = e + step * vlen; e < end; e += step) {
                int off = w[e];
                if (off < 0 || off >= strLimit) return -1;
            }
        }
        return next;
    }

    /** The buffer's whole content as 32-bit words of its byte order (a trailing partial word dropped). */
    static int[] words(ByteBuffer section) {
        int[] w = new int[section.capacity() >> 2];
        section.duplicate().order(section.order()).clear().asIntBuffer().get(w);
        return w;
    }

    /** Validates the type at {@code pos} like {@link #type(int)} and returns where the next one starts. */
    private static int skip(int[] w, int pos, int limit, int at, int id, int strLimit) {
        // same order of checks as the decoder: the name is resolved before the rest is read
        if (pos + 4 > limit) throw truncated(id, at);
        checkString(w[pos >> 2], at, strLimit);
        if (pos + 12 > limit) throw truncated(id, at);
        int info = w[(pos >> 2) + 1];
        int vlen = info & 0xffff;
        int kind = (info >>> 24) & 0x1f;
        boolean kindFlag = (info >>> 31) != 0;
        boolean usesVlen = switch (kind) {
            case Type.KIND_STRUCT, Type.KIND_UNION, Type.KIND_ENUM, Type.KIND_ENUM64, Type.KIND_FUNC,
                 Type.KIND_FUNC_PROTO, Type.KIND_DATASEC -> true;
            default -> false;
        };
        boolean usesKindFlag = switch (kind) {
            case Type.KIND_STRUCT, Type.KIND_UNION, Type.KIND_ENUM, Type.KIND_ENUM64, Type.KIND_FWD,
                 Type.KIND_DECL_TAG, Type.KIND_TYPE_TAG -> true;
            default -> false;
        };
        if ((!usesVlen && vlen != 0) || (!usesKindFlag && kindFlag) || (info & 0x60ff0000) != 0) {
            throw new BtfException(String.format("BTF type info 0x%08x invalid for kind %d at offset %d", info, kind, at));
        }
        int body = pos + 12;
        int entry; // bytes per vlen entry whose first word is a name, 0 for none
        int extra;
        switch (kind) {
            case Type.KIND_INT, Type.KIND_DECL_TAG -> {
                extra = 4;
                entry = 0;
            }
            case Type.KIND_VAR -> {
                if (body + 4 > limit) throw truncated(id, at);
                Linkage.of(w[body >> 2], at);
                extra = 4;
                entry = 0;
            }
            case Type.KIND_ARRAY -> {
                extra = 12;
                entry = 0;
            }
            case Type.KIND_STRUCT, Type.KIND_UNION -> {
                entry = 12;
                extra = 12 * vlen;
            }
            case Type.KIND_ENUM, Type.KIND_FUNC_PROTO -> {
                entry = 8;
                extra = 8 * vlen;
            }
            case Type.KIND_ENUM64 -> {
                entry = 12;
                extra = 12 * vlen;
            }
            case Type.KIND_DATASEC -> {
                extra = 12 * vlen;
                entry = 0;
            }
            case Type.KIND_FUNC -> {
                Linkage.of(vlen, at);
                extra = 0;
                entry = 0;
            }
            case Type.KIND_PTR, Type.KIND_FWD, Type.KIND_TYPEDEF, Type.KIND_VOLATILE, Type.KIND_CONST,
                 Type.KIND_RESTRICT, Type.KIND_FLOAT, Type.KIND_TYPE_TAG -> {
                extra = 0;
                entry = 0;
            }
            default -> throw new BtfException("unknown BTF kind " + kind + " at offset " + at);
        }
        if (entry != 0) {
            // the eager decoder reads entry by entry: a truncated entry list fails at the first missing one
            for (int i = 0, p = body; i < vlen; i++, p += entry) {
                if (p + 4 > limit) throw truncated(id, at);
                int off = w[p >> 2];
                if (off < 0 || off >= strLimit) checkString(off, at, strLimit);
                if (p + entry > limit) throw truncated(id, at);
            }
        }
        if (body + extra > limit) throw truncated(id, at);
        return body + extra;
    }

    private static BtfException truncated(int id, int at) {
        return new BtfException("BTF type " + id + " truncated at offset " + at);
    }

    private static void checkString(int off, int at, int strLimit) {
        if (off < 0) throw new BtfException("negative string offset " + off + " in type at offset " + at);
        if (off >= strLimit) {
            throw new BtfException("string offset " + off + " beyond the string section (" + strLimit
                    + " bytes) in type at offset " + at);
        }
    }

    /** {@link #checkRefs} on the encoded type at {@code pos}. */
    private static void checkRefsRaw(int[] w, int pos, int id, int count) {
        int i0 = pos >> 2;
        int info = w[i0 + 1];
        int vlen = info & 0xffff;
        int kind = (info >>> 24) & 0x1f;
        int sizeOrType = w[i0 + 2];
        int body = i0 + 3;
        switch (kind) {
            case Type.KIND_PTR, Type.KIND_TYPEDEF, Type.KIND_VOLATILE, Type.KIND_CONST, Type.KIND_RESTRICT,
                 Type.KIND_TYPE_TAG, Type.KIND_FUNC, Type.KIND_VAR, Type.KIND_DECL_TAG -> ref(sizeOrType, id, count);
            case Type.KIND_ARRAY -> {
                ref(w[body], id, count);
                ref(w[body + 1], id, count);
            }
            case Type.KIND_STRUCT, Type.KIND_UNION -> {
                for (int i = 0; i < vlen; i++) {
                    int t = w[body + 3 * i + 1];
                    if (t < 0 || t >= count) ref(t, id, count);
                }
            }
            case Type.KIND_FUNC_PROTO -> {
                ref(sizeOrType, id, count);
                for (int i = 0; i < vlen; i++) ref(w[body + 2 * i + 1], id, count);
            }
            case Type.KIND_DATASEC -> {
                for (int i = 0; i < vlen; i++) ref(w[body + 3 * i], id, count);
            }
            default -> {
            }
        }
    }

    /** Decodes the type starting at {@code pos} of the type section; not thread safe. */
    Type decodeAt(int pos, int sectionStart) {
        in.position(pos);
        return type(sectionStart + pos);
    }

    /** The type section. */
    ByteBuffer typeSection() {
        return in;
    }

    /** The string section (a view of the blob). */
    ByteBuffer stringSection() {
        return strings;
    }

    private String string(int off, int at) {
        if (off < stringBase) {
            if (base == null) throw new BtfException("negative string offset " + off + " in type at offset " + at);
            return base.string(off);
        }
        int rel = off - stringBase;
        if (rel >= strings.capacity()) {
            throw new BtfException("string offset " + off + " beyond the string section (" + strings.capacity()
                    + " bytes) in type at offset " + at);
        }
        if (rel == 0 && base == null) return "";
        String s = stringCache.get(rel);
        if (s == null) {
            s = stringArray != null ? decode(stringArray, rel) : decode(strings, rel);
            stringCache.put(rel, s);
        }
        return s;
    }

    /**
     * The NUL-terminated string at {@code rel} of a string section held in an array: scanned and
     * decoded in place, without a buffer view and a copy (object BTF strings, decoded by the
     * thousand at every cold start, mostly by the interpreter).
     */
    static String decode(byte[] strings, int rel) {
        int end = rel;
        while (strings[end] != 0) end++;
        return new String(strings, rel, end - rel, StandardCharsets.UTF_8);
    }

    /** The NUL-terminated string at {@code rel} of a string section. */
    static String decode(ByteBuffer strings, int rel) {
        int end = rel;
        while (strings.get(end) != 0) end++;
        byte[] b = new byte[end - rel];
        strings.get(rel, b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
