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
        String[] parts = release.trim().split("[^0-9]+", 4);
        int major = parts.length > 0 && !parts[0].isEmpty() ? Integer.parseInt(parts[0]) : 0;
        int minor = parts.length > 1 && !parts[1].isEmpty() ? Integer.parseInt(parts[1]) : 0;
        int patch = parts.length > 2 && !parts[2].isEmpty() ? Integer.parseInt(parts[2]) : 0;
        return (major << 16) + (minor << 8) + Math.min(patch, 255);
    }

    private static int compute() {
        try {
            return parse(Files.readString(Path.of("/proc/sys/kernel/osrelease")));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
