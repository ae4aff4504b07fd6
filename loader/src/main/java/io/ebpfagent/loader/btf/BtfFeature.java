package io.ebpfagent.loader.btf;

/**
 * BTF features that older kernels lack; {@link Btf#sanitized(java.util.Set)} rewrites types that
 * need a missing feature into ones every BTF-capable kernel accepts, keeping type ids.
 */
public enum BtfFeature {
    /** {@code BTF_KIND_FUNC} and {@code BTF_KIND_FUNC_PROTO} (Linux 5.0). */
    FUNC,
    /** Global linkage of {@code BTF_KIND_FUNC} (Linux 5.6). */
    GLOBAL_FUNC,
    /** {@code BTF_KIND_VAR} and {@code BTF_KIND_DATASEC} (Linux 5.2). */
    DATASEC,
    /** {@code BTF_KIND_FLOAT} (Linux 5.13). */
    FLOAT,
    /** {@code BTF_KIND_DECL_TAG} (Linux 5.16). */
    DECL_TAG,
    /** {@code BTF_KIND_TYPE_TAG} (Linux 5.17). */
    TYPE_TAG,
    /** {@code BTF_KIND_ENUM64} and signed enums (Linux 6.0). */
    ENUM64
}
