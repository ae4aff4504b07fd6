package io.ebpfagent.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How long ago this process started, from the kernel's clocks: its start time in
 * {@code /proc/self/stat} (clock ticks since boot, 100 per second on Linux) against
 * {@code /proc/uptime} (since boot, in hundredths of a second). Both are the boot-time clock, so
 * the difference is the process's age to within 10-20 ms, with nothing of the JVM involved.
 */
public final class JvmStart {
    private static final long TICKS_PER_SECOND = 100;

    private JvmStart() {
    }

    /**
     * Milliseconds from the process's start to the moment {@code nanos} ({@link System#nanoTime}),
     * or -1 if procfs cannot tell.
     */
    public static long millisSince(long nanos) {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
            String uptime = Files.readString(Path.of("/proc/uptime"), StandardCharsets.US_ASCII);
            long ageAtRead = uptimeCentis(uptime) * 10 - startTicks(stat) * 1000 / TICKS_PER_SECOND;
            return Math.max(0, ageAtRead - (System.nanoTime() - nanos) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Field 22 (starttime) of {@code /proc/<pid>/stat}; the command name before it may hold spaces. */
    static long startTicks(String stat) {
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(after[19]); // fields counted from 3 (state)
    }

    /** The first number of {@code /proc/uptime} in hundredths of a second. */
    static long uptimeCentis(String uptime) {
        String first = uptime.substring(0, uptime.indexOf(' '));
        int dot = first.indexOf('.');
        return Long.parseLong(first.substring(0, dot)) * 100 + Long.parseLong(first.substring(dot + 1));
    }
}
