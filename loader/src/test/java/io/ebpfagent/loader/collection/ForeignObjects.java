package io.ebpfagent.loader.collection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * eBPF objects nobody here wrote, as Debian ships them: the {@code .bpf.o} files of libxdp and
 * xdp-tools, and the objects libbpf-tools embeds in its executables as skeletons (a skeleton
 * keeps the whole ELF image in the executable's {@code .rodata}).
 */
final class ForeignObjects {
    static final int EM_BPF = 247;

    private ForeignObjects() {}

    /** The files a Debian package installed, from {@code dpkg -L}; empty if it is not installed. */
    static List<Path> packageFiles(String pkg) {
        try {
            Process p = new ProcessBuilder("dpkg", "-L", pkg).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) return List.of();
            List<Path> files = new ArrayList<>();
            for (String line : out.split("\n")) {
                Path f = Path.of(line.strip());
                if (!line.isBlank() && Files.isRegularFile(f)) files.add(f);
            }
            return files;
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /**
     * Every little-endian 64-bit ELF image of machine EM_BPF inside {@code file}, cut at the end
     * of its section header table (the last thing a relocatable object's writer puts out).
     */
    static List<byte[]> embeddedObjects(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i + 64 <= data.length; i++) {
            if (data[i] != 0x7f || data[i + 1] != 'E' || data[i + 2] != 'L' || data[i + 3] != 'F') continue;
            if (data[i + 4] != 2 || data[i + 5] != 1) continue; // ELFCLASS64, ELFDATA2LSB
            if (Short.toUnsignedInt(b.getShort(i + 18)) != EM_BPF) continue;
            long shoff = b.getLong(i + 40);
            int shentsize = Short.toUnsignedInt(b.getShort(i + 58));
            int shnum = Short.toUnsignedInt(b.getShort(i + 60));
            long end = shoff + (long) shentsize * shnum;
            if (shoff <= 0 || shentsize != 64 || end > data.length - i) continue;
            byte[] image = new byte[(int) end];
            System.arraycopy(data, i, image, 0, image.length);
            out.add(image);
            i += image.length - 1;
        }
        return out;
    }
}
