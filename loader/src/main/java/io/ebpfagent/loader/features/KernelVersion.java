package io.ebpfagent.loader.features;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The running kernel's {@code LINUX_VERSION_CODE}, which kernels before 5.0 compare with
 * {@code kern_version} when loading kprobe programs.
 */
public final class KernelVersion {
    private static final int CODE = compute();

    private KernelVersion() {
    }

    /** {@code (major << 16) + (minor << 8) + min(patch, 255)} of the running kernel, 0 if unknown. */
    public static int code() {
        return CODE;
    }

    /** Parses a release string such as {@code 6.18.44-fc-v782}. */
    static int parse(String release) {
        // the first three runs of digits, as split("[^0-9]+") would give them (a leading non-digit
        // makes the major version 0), scanned by hand: a regular expression costs a cold start
        // its compilation and classes, and this runs at every program load's first use
        String s = release.trim();
        int[] parts = new int[3];
        int i = 0;
        for (int part = 0; part < 3; part++) {
            int start = i;
            while (i < s.length() && isDigit(s.charAt(i))) i++;
            parts[part] = i > start ? Integer.parseInt(s, start, i, 10) : 0;
            while (i < s.length() && !isDigit(s.charAt(i))) i++;
            if (i == s.length()) break;
        }
        return (parts[0] << 16) + (parts[1] << 8) + Math.min(parts[2], 255);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int compute() {
        try {
            return parse(Files.readString(Path.of("/proc/sys/kernel/osrelease")));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
