package io.ebpfagent.loader.btf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A BTF string section under construction. It starts from an existing section whose offsets
 * must stay valid (line info and CO-RE records point into it), and appends strings it lacks.
 */
final class StringTable {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Map<String, Integer> offsets = new HashMap<>();
    private final int base;

    /** A table that keeps {@code initial} (a NUL-terminated section) unchanged at its start; offsets begin at {@code base}. */
    StringTable(byte[] initial, int base) {
        this.base = base;
        if (initial.length == 0) {
            bytes.write(0);
        } else {
            bytes.writeBytes(initial);
        }
        int start = 0;
        for (int i = 0; i < initial.length; i++) {
            if (initial[i] == 0) {
                offsets.putIfAbsent(new String(initial, start, i - start, StandardCharsets.UTF_8), base + start);
                start = i + 1;
            }
        }
        offsets.putIfAbsent("", base);
    }

    StringTable() {
        this(new byte[0], 0);
    }

    /** The offset of {@code s}, appending it if it is not in the table yet. */
    int offsetOf(String s) {
        Integer off = offsets.get(s);
        if (off != null) return off;
        int at = base + bytes.size();
        bytes.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        bytes.write(0);
        offsets.put(s, at);
        return at;
    }

    byte[] toByteArray() {
        return bytes.toByteArray();
    }
}
