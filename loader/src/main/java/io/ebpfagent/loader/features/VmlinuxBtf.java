package io.ebpfagent.loader.features;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * A minimal scan of raw BTF ({@code /sys/kernel/btf/vmlinux}) for the id of a named type of a
 * given kind. Only what the fentry/tracing probes need: the full parser lives in the {@code btf}
 * package. Walks the type section once, skipping each kind's trailing data.
 */
final class VmlinuxBtf {
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private VmlinuxBtf() {
    }

    /** The id of the first type of {@code kind} named {@code name} in {@code btf}, if any. */
    static OptionalInt find(byte[] btf, int kind, String name) {
        ByteBuffer b = ByteBuffer.wrap(btf).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getShort(0) & 0xffff) != 0xeb9f) {
            b.order(ByteOrder.BIG_ENDIAN);
            if ((b.getShort(0) & 0xffff) != 0xeb9f) {
                throw new IllegalArgumentException("not BTF: bad magic");
            }
        }
        int hdrLen = b.getInt(4);
        int typeOff = b.getInt(8);
        int typeLen = b.getInt(12);
        int strOff = b.getInt(16);
        int strLen = b.getInt(20);
        int typesStart = hdrLen + typeOff;
        int stringsStart = hdrLen + strOff;
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        int pos = typesStart;
        int end = typesStart + typeLen;
        int id = 1;
        while (pos + 12 <= end) {
            int nameOff = b.getInt(pos);
            int info = b.getInt(pos + 4);
            int k = (info >>> 24) & 0x1f;
            int vlen = info & 0xffff;
            if (k == kind && nameOff < strLen && matches(btf, stringsStart + nameOff, wanted)) {
                return OptionalInt.of(id);
            }
            pos += 12 + trailing(k, vlen);
            id++;
        }
        return OptionalInt.empty();
    }

    /** Looks {@code name} up in the running kernel's BTF. */
    static OptionalInt findInVmlinux(int kind, String name) throws IOException {
        return find(Files.readAllBytes(VMLINUX), kind, name);
    }

    private static boolean matches(byte[] btf, int at, byte[] wanted) {
        if (at + wanted.length >= btf.length) {
            return false;
        }
        for (int i = 0; i < wanted.length; i++) {
            if (btf[at + i] != wanted[i]) {
                return false;
            }
        }
        return btf[at + wanted.length] == 0;
    }

    /** Bytes following the 12-byte {@code btf_type} for each kind. */
    static int trailing(int kind, int vlen) {
        return switch (kind) {
            case 1, 14, 17 -> 4;            // INT encoding, VAR linkage, DECL_TAG component_idx
            case 3 -> 12;                   // ARRAY
            case 4, 5, 15, 19 -> vlen * 12; // STRUCT, UNION members; DATASEC vars; ENUM64 values
            case 6, 13 -> vlen * 8;         // ENUM values; FUNC_PROTO params
            default -> 0;                   // PTR, FWD, TYPEDEF, qualifiers, FUNC, FLOAT, TYPE_TAG
        };
    }
}
