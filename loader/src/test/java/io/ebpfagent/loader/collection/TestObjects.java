package io.ebpfagent.loader.collection;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The committed test objects and what {@code llvm-objdump-19 -d} says about them. */
final class TestObjects {
    private TestObjects() {}

    static final String OBJDUMP = "llvm-objdump-19";

    static byte[] bytes(String name) {
        try (InputStream in = TestObjects.class.getResourceAsStream("/bpf/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource /bpf/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CollectionSpec load(String name) {
        return CollectionSpec.load(bytes(name), name);
    }

    static boolean objdumpAvailable() {
        try {
            Process p = new ProcessBuilder(OBJDUMP, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * Raw instruction slots per function as disassembled by llvm-objdump: function name → list of
     * 8-byte slots (an lddw contributes two).
     */
    static Map<String, List<byte[]>> objdump(String name) throws IOException, InterruptedException {
        Path tmp = Files.createTempFile("obj", ".o");
        try {
            Files.write(tmp, bytes(name));
            Process p = new ProcessBuilder(OBJDUMP, "-d", tmp.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("objdump failed: " + out);
            Map<String, List<byte[]>> functions = new LinkedHashMap<>();
            Pattern fn = Pattern.compile("^[0-9a-f]+ <(.+)>:$");
            Pattern insn = Pattern.compile("^\\s*\\d+:\\t((?:[0-9a-f]{2} ?)+)\\t");
            List<byte[]> current = null;
            for (String line : out.split("\n")) {
                Matcher f = fn.matcher(line);
                if (f.matches()) {
                    current = new ArrayList<>();
                    functions.put(f.group(1), current);
                    continue;
                }
                Matcher i = insn.matcher(line);
                if (i.find() && current != null) {
                    String[] hex = i.group(1).trim().split(" ");
                    for (int s = 0; s < hex.length; s += 8) {
                        byte[] slot = new byte[8];
                        for (int b = 0; b < 8; b++) slot[b] = (byte) Integer.parseInt(hex[s + b], 16);
                        current.add(slot);
                    }
                }
            }
            return functions;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
