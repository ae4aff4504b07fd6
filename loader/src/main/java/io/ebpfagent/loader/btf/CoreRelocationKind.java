package io.ebpfagent.loader.btf;

/**
 * What a CO-RE relocation asks of the target kernel's types, numbered as in
 * {@code enum bpf_core_relo_kind} of the kernel UAPI.
 */
public enum CoreRelocationKind {
    FIELD_BYTE_OFFSET(0), FIELD_BYTE_SIZE(1), FIELD_EXISTS(2), FIELD_SIGNED(3),
    FIELD_LSHIFT_U64(4), FIELD_RSHIFT_U64(5),
    TYPE_ID_LOCAL(6), TYPE_ID_TARGET(7), TYPE_EXISTS(8), TYPE_SIZE(9),
    ENUMVAL_EXISTS(10), ENUMVAL_VALUE(11), TYPE_MATCHES(12);

    private final int value;

    CoreRelocationKind(int value) {
        this.value = value;
    }

    /** The UAPI number of the kind. */
    public int value() {
        return value;
    }

    /** The kind with the given UAPI number. */
    public static CoreRelocationKind of(int value) {
        for (CoreRelocationKind k : values()) {
            if (k.value == value) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown CO-RE relocation kind " + value);
    }

    public boolean isFieldBased() {
        return value <= FIELD_RSHIFT_U64.value;
    }

    public boolean isTypeBased() {
        return this == TYPE_ID_LOCAL || this == TYPE_ID_TARGET || this == TYPE_EXISTS
                || this == TYPE_SIZE || this == TYPE_MATCHES;
    }

    public boolean isEnumValueBased() {
        return this == ENUMVAL_EXISTS || this == ENUMVAL_VALUE;
    }
}
