package io.ebpfagent.loader.btf;

import java.util.List;
import java.util.Objects;

/**
 * One BTF type, one record per kind of {@code include/uapi/linux/btf.h}.
 *
 * <p>Types refer to each other by type id (an index into {@link Btf#type(int)}); id 0 is
 * {@link Void}. Names are the decoded strings, the empty string for anonymous types. Records
 * keep every bit of the encoding (including {@code kind_flag}) so that an unchanged type
 * marshals to the same bytes it was parsed from.
 */
public sealed interface Type {

    /** The kind numbers of the BTF encoding ({@code BTF_KIND_*}). */
    int KIND_VOID = 0, KIND_INT = 1, KIND_PTR = 2, KIND_ARRAY = 3, KIND_STRUCT = 4, KIND_UNION = 5,
            KIND_ENUM = 6, KIND_FWD = 7, KIND_TYPEDEF = 8, KIND_VOLATILE = 9, KIND_CONST = 10,
            KIND_RESTRICT = 11, KIND_FUNC = 12, KIND_FUNC_PROTO = 13, KIND_VAR = 14, KIND_DATASEC = 15,
            KIND_FLOAT = 16, KIND_DECL_TAG = 17, KIND_TYPE_TAG = 18, KIND_ENUM64 = 19;

    /** The type's name, empty when anonymous or when the kind has no name. */
    default String name() {
        return "";
    }

    /** The {@code BTF_KIND_*} number. */
    int kind();

    /** A short name of the kind for messages, e.g. {@code "struct"}. */
    default String kindName() {
        return switch (kind()) {
            case KIND_VOID -> "void";
            case KIND_INT -> "int";
            case KIND_PTR -> "ptr";
            case KIND_ARRAY -> "array";
            case KIND_STRUCT -> "struct";
            case KIND_UNION -> "union";
            case KIND_ENUM -> "enum";
            case KIND_FWD -> "fwd";
            case KIND_TYPEDEF -> "typedef";
            case KIND_VOLATILE -> "volatile";
            case KIND_CONST -> "const";
            case KIND_RESTRICT -> "restrict";
            case KIND_FUNC -> "func";
            case KIND_FUNC_PROTO -> "func_proto";
            case KIND_VAR -> "var";
            case KIND_DATASEC -> "datasec";
            case KIND_FLOAT -> "float";
            case KIND_DECL_TAG -> "decl_tag";
            case KIND_TYPE_TAG -> "type_tag";
            case KIND_ENUM64 -> "enum64";
            default -> "kind" + kind();
        };
    }

    /** Linkage of a {@link Func} ({@code BTF_FUNC_*}) or a {@link Var} ({@code BTF_VAR_*}). */
    enum Linkage {
        /** {@code static}: BTF_FUNC_STATIC / BTF_VAR_STATIC. */
        STATIC,
        /** BTF_FUNC_GLOBAL / BTF_VAR_GLOBAL_ALLOCATED. */
        GLOBAL,
        /** BTF_FUNC_EXTERN / BTF_VAR_GLOBAL_EXTERN. */
        EXTERN;

        static Linkage of(int v, int offset) {
            if (v < 0 || v > 2) throw new BtfException("unknown linkage " + v + " at offset " + offset);
            return values()[v];
        }
    }

    /** {@code void}, type id 0 (never encoded). */
    record Void() implements Type {
        public int kind() {
            return KIND_VOID;
        }
    }

    /**
     * An integer. {@code encoding} holds the {@code BTF_INT_*} flags.
     *
     * @param size      size in bytes
     * @param encoding  {@link #SIGNED} | {@link #CHAR} | {@link #BOOL}
     * @param bitOffset offset of the value's bits within the storage (legacy bitfields, usually 0)
     * @param bits      number of value bits
     */
    record Int(String name, int size, int encoding, int bitOffset, int bits) implements Type {
        public static final int SIGNED = 1, CHAR = 2, BOOL = 4;

        public Int {
            Objects.requireNonNull(name);
        }

        public boolean signed() {
            return (encoding & SIGNED) != 0;
        }

        public int kind() {
            return KIND_INT;
        }
    }

    /** A pointer to {@code target}. */
    record Pointer(int target) implements Type {
        public int kind() {
            return KIND_PTR;
        }
    }

    /** An array of {@code nelems} elements of type {@code elem}, indexed by the integer type {@code index}. */
    record Array(int elem, int index, int nelems) implements Type {
        public int kind() {
            return KIND_ARRAY;
        }
    }

    /**
     * A member of a struct or union.
     *
     * @param bitOffset    offset from the start of the aggregate in bits
     * @param bitfieldSize size of a bitfield in bits, 0 when the member is not a bitfield
     *                     (always 0 unless the owner's {@code kindFlag} is set)
     */
    record Member(String name, int type, int bitOffset, int bitfieldSize) {
        public Member {
            Objects.requireNonNull(name);
        }

        public Member(String name, int type, int bitOffset) {
            this(name, type, bitOffset, 0);
        }
    }

    /** A struct or a union, which share their encoding and most handling. */
    sealed interface Composite extends Type {
        int size();

        List<Member> members();

        /** Whether member offsets are encoded as {@code bitfield_size << 24 | bit_offset}. */
        boolean kindFlag();
    }

    /** A struct of {@code size} bytes. */
    record Struct(String name, int size, List<Member> members, boolean kindFlag) implements Composite {
        public Struct {
            Objects.requireNonNull(name);
            members = List.copyOf(members);
        }

        public int kind() {
            return KIND_STRUCT;
        }
    }

    /** A union of {@code size} bytes. */
    record Union(String name, int size, List<Member> members, boolean kindFlag) implements Composite {
        public Union {
            Objects.requireNonNull(name);
            members = List.copyOf(members);
        }

        public int kind() {
            return KIND_UNION;
        }
    }

    /** One enumerator; {@code value} is sign- or zero-extended according to the enum's {@code signed}. */
    record EnumValue(String name, long value) {
        public EnumValue {
            Objects.requireNonNull(name);
        }
    }

    /** An enum of either width. */
    sealed interface Enumeration extends Type {
        int size();

        boolean signed();

        List<EnumValue> values();
    }

    /** An enum with 32-bit enumerators. */
    record Enum(String name, int size, boolean signed, List<EnumValue> values) implements Enumeration {
        public Enum {
            Objects.requireNonNull(name);
            values = List.copyOf(values);
        }

        public int kind() {
            return KIND_ENUM;
        }
    }

    /** An enum with 64-bit enumerators. */
    record Enum64(String name, int size, boolean signed, List<EnumValue> values) implements Enumeration {
        public Enum64 {
            Objects.requireNonNull(name);
            values = List.copyOf(values);
        }

        public int kind() {
            return KIND_ENUM64;
        }
    }

    /** A forward declaration of a struct or (when {@code union}) a union. */
    record Fwd(String name, boolean union) implements Type {
        public Fwd {
            Objects.requireNonNull(name);
        }

        public int kind() {
            return KIND_FWD;
        }
    }

    /** Types that only qualify or rename another type; {@link Btf#resolve(int)} skips them. */
    sealed interface Qualifier extends Type {
        int type();
    }

    /** {@code typedef type name}. */
    record Typedef(String name, int type) implements Qualifier {
        public Typedef {
            Objects.requireNonNull(name);
        }

        public int kind() {
            return KIND_TYPEDEF;
        }
    }

    /** {@code volatile type}. */
    record Volatile(int type) implements Qualifier {
        public int kind() {
            return KIND_VOLATILE;
        }
    }

    /** {@code const type}. */
    record Const(int type) implements Qualifier {
        public int kind() {
            return KIND_CONST;
        }
    }

    /** {@code restrict type}. */
    record Restrict(int type) implements Qualifier {
        public int kind() {
            return KIND_RESTRICT;
        }
    }

    /**
     * A type annotation ({@code __attribute__((btf_type_tag("name")))}) on {@code type}; with
     * {@code attribute} set ({@code kind_flag}) the name is a whole {@code __attribute__} text.
     */
    record TypeTag(String name, int type, boolean attribute) implements Qualifier {
        public TypeTag {
            Objects.requireNonNull(name);
        }

        public TypeTag(String name, int type) {
            this(name, type, false);
        }

        public int kind() {
            return KIND_TYPE_TAG;
        }
    }

    /** A function named {@code name} whose signature is the {@link FuncProto} {@code proto}. */
    record Func(String name, int proto, Linkage linkage) implements Type {
        public Func {
            Objects.requireNonNull(name);
            Objects.requireNonNull(linkage);
        }

        public int kind() {
            return KIND_FUNC;
        }
    }

    /** A function parameter; a last parameter with type 0 and no name means "...". */
    record Param(String name, int type) {
        public Param {
            Objects.requireNonNull(name);
        }
    }

    /** A function signature. */
    record FuncProto(int ret, List<Param> params) implements Type {
        public FuncProto {
            params = List.copyOf(params);
        }

        public int kind() {
            return KIND_FUNC_PROTO;
        }
    }

    /** A global variable. */
    record Var(String name, int type, Linkage linkage) implements Type {
        public Var {
            Objects.requireNonNull(name);
            Objects.requireNonNull(linkage);
        }

        public int kind() {
            return KIND_VAR;
        }
    }

    /** The place of one {@link Var} (or {@link Func} for ksyms) in a {@link Datasec}. */
    record VarSecinfo(int type, int offset, int size) {}

    /** A data section such as {@code .data}, {@code .rodata}, {@code .bss} or {@code .maps}. */
    record Datasec(String name, int size, List<VarSecinfo> vars) implements Type {
        public Datasec {
            Objects.requireNonNull(name);
            vars = List.copyOf(vars);
        }

        public int kind() {
            return KIND_DATASEC;
        }
    }

    /** A floating-point type of {@code size} bytes. */
    record Float(String name, int size) implements Type {
        public Float {
            Objects.requireNonNull(name);
        }

        public int kind() {
            return KIND_FLOAT;
        }
    }

    /**
     * A declaration annotation ({@code __attribute__((btf_decl_tag("name")))}) on {@code type},
     * or on its member/parameter number {@code componentIdx} ({@code -1} for the type itself);
     * with {@code attribute} set ({@code kind_flag}) the name is a whole {@code __attribute__} text.
     */
    record DeclTag(String name, int type, int componentIdx, boolean attribute) implements Type {
        public DeclTag {
            Objects.requireNonNull(name);
        }

        public DeclTag(String name, int type, int componentIdx) {
            this(name, type, componentIdx, false);
        }

        public int kind() {
            return KIND_DECL_TAG;
        }
    }
}
