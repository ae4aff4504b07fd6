package io.ebpfagent.e2e.correlation;

import io.ebpfagent.e2e.support.Json;
import java.util.Map;
import java.util.Set;

/**
 * One work segment as {@code apps.JettyCorrelationApp} recorded it: which request, what kind of
 * work, on which OS thread (a virtual thread's carrier at the start and at the end) and when, in
 * epoch nanoseconds. {@code runDelay}: for an fsync, how long its OS thread waited for a CPU
 * meanwhile (schedstat; -1 unknown or not recorded).
 */
public record Segment(long id, String scenario, String kind, String thread, String threadEnd, boolean virtual,
                      long start, long end, long runDelay) {
    /** Work the kernel sees as off-CPU time of the thread (sleep, lock wait, wait for a task). */
    public static final Set<String> OFF_CPU_KINDS = Set.of("sleep", "lock", "wait");
    /** {@code fsync}: an fsync system call, timed around {@code FileChannel.force}. */
    public static final String FSYNC = "fsync";
    /** A stretch of a virtual task on one carrier, between its start, its sleep and its end. */
    public static final String MOUNTED = "mounted";
    /**
     * Envelopes: the whole request on its handler thread, the whole task on a pool or virtual
     * thread, and a virtual task's stretches on one carrier (before and after its sleep).
     */
    public static final Set<String> ENVELOPES = Set.of("request", "task", MOUNTED);

    /** Parses one JSON line of the app's segments file. */
    public static Segment parse(String line) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(line);
        return new Segment(((Double) m.get("id")).longValue(), (String) m.get("scenario"), (String) m.get("kind"),
                (String) m.get("thread"), (String) m.get("thread_end"), (Boolean) m.get("virtual"),
                // epoch nanoseconds exceed a double's 53-bit mantissa: re-read the digits
                longField(line, "start"), longField(line, "end"),
                line.contains("\"run_delay\":") ? longField(line, "run_delay") : -1);
    }

    private static long longField(String line, String key) {
        int at = line.indexOf("\"" + key + "\":");
        if (at < 0) {
            throw new IllegalArgumentException("no " + key + " in " + line);
        }
        int i = at + key.length() + 3;
        int j = i;
        while (j < line.length() && (Character.isDigit(line.charAt(j)) || line.charAt(j) == '-')) {
            j++;
        }
        return Long.parseLong(line.substring(i, j));
    }

    public long durationNs() {
        return end - start;
    }

    /**
     * Whether {@link #thread} is known to have been running this work from start to end: every
     * segment of a platform thread; of a virtual thread an fsync or a {@code mounted} stretch
     * that began and ended on the same carrier (a blocking system call keeps the virtual thread
     * mounted). A sleeping virtual thread is unmounted: its carrier is free for other work, so
     * the carrier's kernel intervals cannot be attributed to it.
     */
    public boolean occupiesThread() {
        if (thread.isEmpty() || !thread.equals(threadEnd)) {
            return false;
        }
        return !virtual || kind.equals(FSYNC) || kind.equals(MOUNTED);
    }

    /** Whether {@code t} (epoch ns) lies in this segment, {@code toleranceNs} early allowed. */
    public boolean contains(long t, long toleranceNs) {
        return t >= start - toleranceNs && t <= end;
    }

    /**
     * Whether the kernel must report an interval for this segment: it occupies its thread, and it
     * is an off-CPU kind at least {@code offCpuNs} long or an fsync at least {@code fsyncNs} long
     * (the thresholds with their margins already added). An fsync's time waiting for a CPU is not
     * counted: after the call returned it is part of the segment but not of the system call (an
     * off-CPU interval lasts until the thread runs again, so off-CPU kinds keep it).
     */
    public boolean expectsInterval(long offCpuNs, long fsyncNs) {
        if (!occupiesThread()) {
            return false;
        }
        if (kind.equals(FSYNC)) {
            return durationNs() - Math.max(0, runDelay) >= fsyncNs;
        }
        return !virtual && OFF_CPU_KINDS.contains(kind) && durationNs() >= offCpuNs;
    }

    @Override
    public String toString() {
        return scenario + " " + kind + " of request " + id + " on " + thread + (virtual ? " (carrier)" : "") + " "
                + String.format(java.util.Locale.ROOT, "%.1f ms", durationNs() / 1e6);
    }
}
