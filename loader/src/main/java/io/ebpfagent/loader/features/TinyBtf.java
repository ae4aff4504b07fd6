package io.ebpfagent.loader.features;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds the small raw BTF blobs the BTF feature probes load: one or two types of the kind
 * being probed, written by hand in the kernel's encoding ({@code struct btf_header}, then
 * {@code struct btf_type} records, then the string table). Type ids start at 1 in order of
 * addition.
 */
final class TinyBtf {
    static final int KIND_INT = 1, KIND_PTR = 2, KIND_STRUCT = 4, KIND_TYPEDEF = 8, KIND_FUNC = 12,
            KIND_FUNC_PROTO = 13, KIND_VAR = 14, KIND_DATASEC = 15, KIND_FLOAT = 16, KIND_DECL_TAG = 17,
            KIND_TYPE_TAG = 18, KIND_ENUM64 = 19;

    private final ByteBuffer types = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();

    TinyBtf() {
        strings.write(0);
    }

    /** Adds a string to the string table and returns its offset. */
    int string(String s) {
        int off = strings.size();
        strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        strings.write(0);
        return off;
    }

    /** A {@code btf_type} header: name, kind, vlen, kind flag, size-or-type. */
    TinyBtf type(String name, int kind, int vlen, boolean kindFlag, int sizeOrType) {
        types.putInt(name == null ? 0 : string(name));
        types.putInt((kind << 24) | (vlen & 0xffff) | (kindFlag ? 1 << 31 : 0));
        types.putInt(sizeOrType);
        return this;
    }

    /** A trailing 32-bit word of the last type (INT encoding, VAR linkage, DECL_TAG component...). */
    TinyBtf word(int value) {
        types.putInt(value);
        return this;
    }

    /** A signed 32-bit {@code int}. */
    TinyBtf int32(String name) {
        return type(name, KIND_INT, 0, false, 4).word((1 << 24) | 32);
    }

    byte[] build() {
        byte[] t = new byte[types.position()];
        types.duplicate().flip().get(t);
        byte[] s = strings.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(24 + t.length + s.length).order(ByteOrder.nativeOrder());
        out.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24);
        out.putInt(0).putInt(t.length).putInt(t.length).putInt(s.length);
        out.put(t).put(s);
        return out.array();
    }
}
