package io.ebpfagent.loader.btf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Minimal reader of a little-endian ELF64 relocatable object, for tests: section bytes by name. */
final class TestElf {
    private final Map<String, byte[]> sections = new LinkedHashMap<>();

    private TestElf(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.getInt(0) != 0x464c457f) throw new IllegalArgumentException("not ELF");
        long shoff = buf.getLong(0x28);
        int shentsize = buf.getShort(0x3a) & 0xffff;
        int shnum = buf.getShort(0x3c) & 0xffff;
        int shstrndx = buf.getShort(0x3e) & 0xffff;
        long strOff = buf.getLong((int) (shoff + (long) shstrndx * shentsize + 0x18));
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            int nameOff = buf.getInt(sh);
            int type = buf.getInt(sh + 4);
            long off = buf.getLong(sh + 0x18);
            long size = buf.getLong(sh + 0x20);
            int p = (int) (strOff + nameOff), e = p;
            while (b[e] != 0) e++;
            String name = new String(b, p, e - p, StandardCharsets.UTF_8);
            byte[] data = type == 8 /* NOBITS */ ? new byte[0] : java.util.Arrays.copyOfRange(b, (int) off, (int) (off + size));
            sections.put(name, data);
        }
    }

    static TestElf resource(String path) {
        try (InputStream in = TestElf.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalArgumentException("no resource " + path);
            return new TestElf(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] section(String name) {
        byte[] s = sections.get(name);
        if (s == null) throw new IllegalArgumentException("no section " + name);
        return s;
    }
}
