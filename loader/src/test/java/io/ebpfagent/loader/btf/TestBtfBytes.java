package io.ebpfagent.loader.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Byte-level helpers for tests. */
final class TestBtfBytes {
    private TestBtfBytes() {}

    /**
     * Re-encodes a little-endian BTF blob as big endian: every header and type field is a 32-bit
     * word except the magic (16 bits) and version/flags (bytes), so swapping each word of the
     * header and type section suffices; the string section is bytes.
     */
    static byte[] swapEndianness(byte[] le) {
        ByteBuffer in = ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.wrap(le.clone()).order(ByteOrder.BIG_ENDIAN);
        out.putShort(0, in.getShort(0));
        int hdrLen = in.getInt(4);
        for (int i = 4; i < hdrLen; i += 4) out.putInt(i, in.getInt(i));
        int typeStart = hdrLen + in.getInt(8), typeEnd = typeStart + in.getInt(12);
        for (int i = typeStart; i < typeEnd; i += 4) out.putInt(i, in.getInt(i));
        return out.array();
    }
}
