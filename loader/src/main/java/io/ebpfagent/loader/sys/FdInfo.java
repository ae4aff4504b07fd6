package io.ebpfagent.loader.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /proc/self/fdinfo/<fd>}: what the kernel says about an open descriptor beyond the
 * info structs, such as whether a map is frozen or the type of a link.
 */
public final class FdInfo {
    private FdInfo() {
    }

    /** The {@code key: value} lines of the descriptor's fdinfo; empty if unreadable. */
    public static Map<String, String> read(int fd) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    out.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return out;
    }
}
